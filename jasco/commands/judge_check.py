"""``jasco judge-check``: measure a judge on the control answers before trusting it.

Judges the four control answers of all 80 clips (reference, audio-only, speech-only,
describe-only) and prints the judge's rating and orientation accuracy with confusion matrices.
Takes the same backend, decoding and prompt options as ``jasco judge``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import plain_errors
from jasco.commands.judge import judge_options, judge_settings
from jasco.commands.options import data_dir_option, resolve_data_dir


@click.command("judge-check")
@click.option("--judge", "judge", required=True, metavar="MODEL",
              help="Judge model id or path, or 'similarity' (the offline proxy).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("results/judge-check"),
              show_default=True, help="Directory for the control files, judged files and check.json.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--min-accuracy", type=click.FloatRange(0, 1), default=None,
              help="Exit with status 1 if rating or orientation accuracy is below this.")
@data_dir_option
@judge_options
@plain_errors
def judge_check(judge: str, out_dir: Path, fmt: str, min_accuracy: float | None, data_dir: Path | None,
                **values: Any) -> None:
    """Judge the control answers of all 80 clips and report the judge's accuracy."""
    from jasco.core.registry import UnknownNameError
    from jasco.core.runinfo import write_text_atomic
    from jasco.stages.judge.backends import BackendOptionError, JudgeInputError
    from jasco.tasks.datasets import DatasetError
    from jasco.tasks.jasco.check import render_markdown, render_text
    from jasco.tasks.jasco.check_run import run_judge_check

    s = judge_settings(values)
    if s.repair:
        raise click.UsageError("--repair is not used by judge-check (it measures the judge's own answers)")
    try:
        result = run_judge_check(out_dir, judge=judge, data_dir=resolve_data_dir(data_dir), backend=s.backend,
                                 backend_options=s.backend_options, decoding=s.decoding, template=s.template,
                                 progress=s.progress)
    except (DatasetError, JudgeInputError, UnknownNameError, BackendOptionError) as error:
        raise click.ClickException(str(error)) from None
    payload = {"judge": judge, **result.check.as_dict(), "judged_files": [str(p) for p in result.judged]}
    write_text_atomic(out_dir / "check.json", json.dumps(payload, indent=1) + "\n")
    renderers = {"text": render_text, "markdown": render_markdown}
    click.echo(json.dumps(payload, indent=1) if fmt == "json" else renderers[fmt](result.check))
    click.echo(f"judged control files: {' '.join(str(p) for p in result.judged)} "
               f"(add them to a report with --extra controls=FILE)", err=True)
    check = result.check
    if min_accuracy is not None and min(check.rating_accuracy, check.orientation_accuracy) < min_accuracy:
        raise click.ClickException(
            f"judge {judge} is below --min-accuracy {min_accuracy}: rating {check.rating_accuracy:.3f}, "
            f"orientation {check.orientation_accuracy:.3f}"
        )
