"""``jasco run``: the whole benchmark in one resumable command (see ``jasco.stages.pipeline``).

Infer options are the adapter's (``--backend``, ``--model-id``, ``--option KEY=VALUE``: the same
as ``jasco infer``); judge options carry a ``--judge-`` prefix (``--judge-backend``,
``--judge-base-url``, ``--judge-option KEY=VALUE``). For finer control, run the stages alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.options import data_dir_option, parse_key_value, pop_task, resolve_task, task_options


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
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Decoding and bootstrap seed.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@task_options
def run(models: tuple[str, ...], judges: str | None, out_dir: Path, data_dir: Path | None, limit: int | None,
        backend: str | None, model_id: str | None, infer_option: tuple[str, ...], workers: int | None,
        max_new_tokens: int,
        check_audio: bool, judge_max_tokens: int, judge_backend: str | None, judge_base_url: tuple[str, ...],
        judge_option: tuple[str, ...], structured: bool, n_boot: int, seed: int, progress: bool,
        **values: Any) -> None:
    """Run the benchmark of a task for one or more models: expand, infer, score (or judge with each
    judge), report."""
    from jasco.core.registry import UnknownNameError
    from jasco.core.table import TableError
    from jasco.models.check import AudioCheckError
    from jasco.report.sections import ReportInputError
    from jasco.stages.decoding import Decoding, GenerationSettings
    from jasco.stages.judge.backends import BackendOptionError, JudgeInputError
    from jasco.stages.pipeline import resolve_judges, run_pipeline
    from jasco.tasks.datasets import DatasetError

    task, options = resolve_task(*pop_task(values))
    names = [name.strip() for value in models for name in value.split(",") if name.strip()]
    if judges is None and task.scoring == "judge":
        judges = "paper"
    try:
        result = run_pipeline(
            out_dir, task=task.name, task_options=options, models=names,
            judges=resolve_judges(judges) if judges is not None else [], data_dir=data_dir,
            infer_options=_options(infer_option, backend=backend, model_id=model_id, workers=workers),
            judge_backend=judge_backend, judge_options=_options(judge_option, base_urls=judge_base_url),
            settings=GenerationSettings(max_new_tokens=max_new_tokens, seed=seed),
            decoding=Decoding(seed=seed, structured=structured, max_tokens=judge_max_tokens), limit=limit,
            check_audio_items=3 if check_audio else 0, n_boot=n_boot, seed=seed,
            progress=progress, echo=lambda message: click.echo(message, err=True),
        )
    except (DatasetError, TableError, AudioCheckError, JudgeInputError, BackendOptionError, ReportInputError) as error:
        raise click.ClickException(str(error)) from None
    except (UnknownNameError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    click.echo((result.out_dir / "report.txt").read_text(encoding="utf-8"))
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"report: {result.reports['html']} (also report.txt, report.json); manifest: {result.manifest_path}")
    if result.problems:
        raise SystemExit(1)
