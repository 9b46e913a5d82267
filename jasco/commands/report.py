"""``jasco report``: a task's scored files -> its report (JASCO: judged CSVs -> the paper's tables,
CIs, judge agreement), as text, markdown, CSV, JSON or HTML. Exit status 3, after the report is
written, when a result is flagged (unscored + no-answer share above ``--max-unscored``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import exit_incomplete, plain_errors
from jasco.commands.options import data_dir_option, pop_task, resolve_data_dir, resolve_task, task_options
from jasco.report.render import RENDERERS


def _extras(values: tuple[str, ...]) -> dict[str, list[Path]]:
    extras: dict[str, list[Path]] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"expected NAME=PATH, got {value!r}", param_hint="--extra")
        extras.setdefault(name, []).append(Path(path))
    return extras


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(RENDERERS.names()), default="table", show_default=True,
              help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (atomically) instead of printing.")
@click.option("--model", default=None, help="ALLM name for files without a 'model' column (default: file name).")
@click.option("--judge", default=None, help="Judge name for files without a 'judge' column (default: file name).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Bootstrap resamples of clips for the 95% CIs.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap resamples.")
@click.option("--max-unscored", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Flag a result whose unscored (+ no-answer) rows exceed this share: a (model, judge) pair, "
                   "for speech-quality a model x dimension (exit status 3).")
@click.option("--reparse", is_flag=True, default=None,
              help="Task option (speech-quality): also re-extract SpeechQualityLLM's generated texts with jasco's "
                   "extractor and show both.")
@click.option("--extra", "extras", multiple=True, metavar="NAME=PATH",
              help="An extra input file for a report section that needs one (repeatable).")
@click.option("--labels", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The labels the FILEs are scored against, for tasks scored that way (XACLE: an official "
                   "*_average.csv); the same as --extra labels=PATH.")
@data_dir_option
@task_options
@plain_errors
def report(
    files: tuple[Path, ...], fmt: str, out: Path | None, model: str | None, judge: str | None, n_boot: int,
    seed: int, max_unscored: float, extras: tuple[str, ...], labels: Path | None, data_dir: Path | None,
    **values: Any,
) -> None:
    """Report on a task's scored FILEs.

    JASCO (the default): judged FILEs (jasco judge output or upstream eval.py output with
    llama3_extract). Per (ALLM, judge): best-mean (0-2) and modality dependence with 95% bootstrap
    CIs over clips; per ALLM the average over judges (the paper's two tables); per instruction
    variant; paired differences between ALLMs; agreement between judges. --data-dir replaces
    {data_folder} in upstream audio paths.

    XACLE (--task xacle): prediction FILEs (the official wav_file_name,pred_score layout, or tables
    scored by `jasco score --task xacle`) against --labels GT.csv (or the tables' own labels):
    the official SRCC, LCC, KTAU, MSE, N with bootstrap CIs; --format csv writes the official
    evaluation_result.csv.
    speech-quality: scored FILEs (jasco score or jasco run output) and/or SpeechQualityLLM
    predictions CSVs (their layout; model from --model, else the file name). Per model x family x
    dimension: MAE, RMSE, Pearson, Spearman, Kendall tau-b with file-level bootstrap CIs, per
    condition, coverage, --max-unscored flags, the published numbers beside, scatter plots (html).
    --reparse also re-extracts their generated texts with jasco's extractor.
    """
    from jasco.report.build import build_report
    from jasco.report.render import render
    from jasco.report.sections import ReportInputError

    reparse = values.pop("reparse", None)
    task, given = pop_task(values)
    if reparse:
        given["reparse"] = [True]
    task, options = resolve_task(task, given)
    extra_inputs = _extras(extras)
    if out is not None:
        from jasco.core.outputs import beside, check_outputs

        check_outputs(beside(out, ".manifest.json"), [*files, labels, *(p for ps in extra_inputs.values() for p in ps)])
    try:
        result = build_report(list(files), task=task.name, model=model, judge=judge, n_boot=n_boot, seed=seed,
                              data_dir=resolve_data_dir(data_dir, task),
                              extra_inputs={**extra_inputs, **({"labels": [labels]} if labels else {})},
                              task_options=options, max_unscored=max_unscored)
        text = render(result, fmt, out_path=out, task=task.name)
    except ReportInputError as error:
        raise click.ClickException(str(error)) from None
    except ValueError as error:  # a format the task has no form for
        raise click.UsageError(str(error)) from None
    if out is None:
        click.echo(text, nl=False)
    else:
        from jasco.core.runinfo import write_manifest, write_text_atomic

        write_text_atomic(out, text)
        write_manifest(out, stage="report", arguments={
            "files": [str(path) for path in files], "task": task.name, "task_options": options, "format": fmt,
            "model": model, "judge": judge, "n_boot": n_boot, "seed": seed, "extra": list(extras),
            "labels": str(labels) if labels else None,
            "data_dir": str(data_dir) if data_dir else None, "max_unscored": max_unscored,
        }, details={"inputs": result.get("inputs", {}).get("files", []), "bootstrap": result.get("bootstrap"),
                    "flags": result.get("flags", [])})
        click.echo(f"{fmt} report written to {out}")
    if result.get("flags"):
        exit_incomplete(result["flags"])
