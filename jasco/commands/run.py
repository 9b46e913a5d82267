"""``jasco run``: the whole benchmark in one resumable command (see ``jasco.stages.pipeline``).

Infer options are the adapter's (``--backend``, ``--model-id``, ``--option KEY=VALUE``: the same
as ``jasco infer``); judge options carry a ``--judge-`` prefix (``--judge-backend``,
``--judge-base-url``, ``--judge-option KEY=VALUE``, ``--decoding``, ``--repair/--no-repair``). For finer
control, run the stages alone. Exit status 3 (after writing) when some rows failed, a stage stopped
because its model could not be reached, or a (model, judge) pair is over ``--max-unscored``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import exit_incomplete, plain_errors
from jasco.commands.options import data_dir_option, parse_key_value, pop_task, resolve_task, task_options
from jasco.stages.decoding import DECODING_PRESETS, DEFAULT_PRESET
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS


def _options(pairs: tuple[str, ...], **given: Any) -> dict[str, Any]:
    options = {key: value for key, value in given.items() if value not in (None, ())}
    options.update(parse_key_value(text) for text in pairs)
    return options


@click.command()
@click.option("--model", "models", required=True, multiple=True,
              help="Model name (repeat or comma-separate for several), e.g. qwen2-audio.")
@click.option("--judges", default=None, show_default="paper, for a judge-scored task",
              help="'paper' (the three paper judges), 'similarity' (offline proxy), or comma-separated ids.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("results/run"),
              show_default=True)
@data_dir_option
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N items (smoke tests).")
@click.option("--backend", help="Infer engine for adapters that have several (vllm | transformers).")
@click.option("--model-id", help="Infer: Hugging Face id or local directory.")
@click.option("--option", "infer_option", multiple=True, metavar="KEY=VALUE", help="Any other adapter option.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Quality predictors (dnsmos, distillmos, signal): worker processes (default: the machine's cores).")
@click.option("--max-new-tokens", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--check-audio", is_flag=True, help="Before answering, prove the audio reaches each model (see infer).")
@click.option("--judge-backend", help="vllm, openai, hf, ... (default: the judge's own, else vllm).")
@click.option("--judge-base-url", multiple=True, help="openai judge backend: repeatable.")
@click.option("--judge-option", multiple=True, metavar="KEY=VALUE", help="Any other judge backend option.")
@click.option("--judge-max-tokens", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--structured", is_flag=True, help="Constrain the judges' Rating/Orientation lines.")
@click.option("--decoding", "decoding_preset", type=click.Choice(sorted(DECODING_PRESETS)), default=DEFAULT_PRESET,
              show_default=True, help="The judges' decoding: jasco (greedy) or upstream (eval.py's sampling, seeded).")
@click.option("--repair/--no-repair", default=True, show_default=True,
              help="Re-ask a judge once when its verdict does not parse (as upstream).")
@click.option("--accept-truncated", is_flag=True,
              help="Keep answers and verdicts cut at their token limit (finish 'length') instead of failing "
                   "their rows.")
@click.option("--max-consecutive-errors", type=click.IntRange(min=0), default=DEFAULT_MAX_CONSECUTIVE_ERRORS,
              show_default=True, help="Stop after this many consecutive failures to reach a model or judge.")
@click.option("--max-unscored", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Flag a (model, judge) pair whose unscored + no-answer share exceeds this (exit status 3).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Decoding and bootstrap seed.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@task_options
@plain_errors
def run(models: tuple[str, ...], judges: str | None, out_dir: Path, data_dir: Path | None, limit: int | None,
        backend: str | None, model_id: str | None, infer_option: tuple[str, ...], workers: int | None,
        max_new_tokens: int,
        check_audio: bool, judge_max_tokens: int, judge_backend: str | None, judge_base_url: tuple[str, ...],
        judge_option: tuple[str, ...], structured: bool, decoding_preset: str, repair: bool, accept_truncated: bool,
        max_consecutive_errors: int, max_unscored: float, n_boot: int, seed: int, progress: bool,
        **values: Any) -> None:
    """Run the benchmark of a task for one or more models: expand, infer, score (or judge with each
    judge), report."""
    from jasco.core.registry import UnknownNameError
    from jasco.core.table import TableError
    from jasco.models.check import AudioCheckError
    from jasco.report.sections import ReportInputError
    from jasco.stages.decoding import GenerationSettings, judge_decoding
    from jasco.stages.judge.backends import BackendOptionError, JudgeInputError
    from jasco.stages.pipeline import resolve_judges, run_pipeline
    from jasco.tasks.datasets import DatasetError

    task, options = resolve_task(*pop_task(values))
    names = [name.strip() for value in models for name in value.split(",") if name.strip()]
    default_panel = judges is None and task.scoring == "judge"
    if default_panel:
        judges = "paper"
    try:
        result = run_pipeline(
            out_dir, task=task.name, task_options=options, models=names,
            judges=resolve_judges(judges) if judges is not None else [], data_dir=data_dir,
            infer_options=_options(infer_option, backend=backend, model_id=model_id, workers=workers),
            judge_backend=judge_backend, judge_options=_options(judge_option, base_urls=judge_base_url),
            settings=GenerationSettings(max_new_tokens=max_new_tokens, seed=seed, accept_truncated=accept_truncated),
            decoding=judge_decoding(decoding_preset, seed=seed, structured=structured, max_tokens=judge_max_tokens,
                                    accept_truncated=accept_truncated),
            limit=limit, check_audio_items=3 if check_audio else 0, n_boot=n_boot, seed=seed,
            progress=progress, echo=lambda message: click.echo(message, err=True), default_panel=default_panel,
            repair=repair, max_consecutive_errors=max_consecutive_errors, max_unscored=max_unscored,
        )
    except (DatasetError, TableError, AudioCheckError, JudgeInputError, ReportInputError) as error:
        raise click.ClickException(str(error)) from None
    except (UnknownNameError, BackendOptionError, ValueError) as error:  # a name or option that does not work
        raise click.UsageError(str(error)) from None
    if result.stopped:
        exit_incomplete([result.stopped, f"the run stopped before the report; manifest: {result.manifest_path}"])
    click.echo((result.out_dir / "report.txt").read_text(encoding="utf-8"))
    click.echo(f"report: {result.reports['html']} (also report.txt, report.json); manifest: {result.manifest_path}")
    if result.problems or result.flags:
        exit_incomplete([*result.problems, *result.flags])
