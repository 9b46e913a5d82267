"""``jasco infer``: answer a task's items with a model (resumable, batched, checked).

For JASCO the answers fill ``allm_output``; ``--task NAME`` answers another task's items.
Model options reach the model's factory as keyword arguments, with no per-model code here:
the common flags below (``--backend``, ``--model-id``, ``--max-model-len``, ``--base-url``...)
are passed only when given, and any other keyword goes through a repeatable
``--option key=value`` (the value is parsed as JSON when it is JSON: ``--option
enforce_eager=true``, ``--option 'limit_mm_per_prompt={"audio": 1}'``, else kept as text). A
model that does not take an option says so and lists the ones it takes. Exit status 3 (after
OUT is written) when any row failed; ``--max-consecutive-errors`` stops a run whose model cannot be
reached (a dead server or worker).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import exit_incomplete, plain_errors
from jasco.commands.options import (
    data_dir_option,
    parse_key_value,
    pop_task,
    resolve_data_dir,
    resolve_task,
    task_options,
)
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS

# flag value name -> adapter option name; each is passed only when given on the command line.
COMMON_OPTIONS = {
    "backend": "backend", "model_id": "model_id", "revision": "revision",
    "max_model_len": "max_model_len", "tensor_parallel_size": "tensor_parallel_size", "dtype": "dtype",
    "gpu_memory_utilization": "gpu_memory_utilization", "batch_size": "batch_size",
    "base_url": "base_url", "concurrency": "concurrency", "workers": "workers",
}


def adapter_options(given: dict[str, Any], extra: tuple[str, ...]) -> dict[str, Any]:
    options = {COMMON_OPTIONS[name]: value for name, value in given.items() if value not in (None, ())}
    for text in extra:
        key, value = parse_key_value(text)
        if key in options:
            raise click.BadParameter(f"{key} is given twice", param_hint="--option")
        options[key] = value
    return options


def _list_models(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import jasco.models.catalog  # noqa: F401 - registers the models
    from jasco.models.base import MODELS

    for entry in MODELS.entries():
        click.echo(f"{entry.name:16} {entry.summary}")
    ctx.exit(0)


@click.command()
@click.option("--list-models", is_flag=True, expose_value=False, is_eager=True, callback=_list_models,
              help="List the registered models and exit.")
@click.option("--model", "model", required=True, help="The model (see --list-models).")
@click.option("--backend", help="Engine for adapters that have several (qwen2-audio: vllm | transformers).")
@click.option("--model-id", help="Hugging Face id or local directory (openai: the served model name).")
@click.option("--revision", help="Model revision (commit/tag) to load and record.")
@click.option("--max-model-len", type=int, help="vLLM context length.")
@click.option("--tensor-parallel-size", type=int, help="vLLM: GPUs per model.")
@click.option("--dtype", help="Weights dtype (auto, bfloat16, float16, float32).")
@click.option("--gpu-memory-utilization", type=float, help="vLLM: fraction of GPU memory to use.")
@click.option("--batch-size", type=int, help="transformers: items per generate call.")
@click.option("--base-url", multiple=True, help="openai: endpoint base URL (repeat to spread load).")
@click.option("--concurrency", type=int, help="openai: requests in flight.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Quality predictors (dnsmos, distillmos, signal): worker processes (default: the machine's cores).")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE", help="Any other adapter option.")
@click.option("--items", "items_csv", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Item table to answer (default: every item of the task, expanded from its dataset).")
@data_dir_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="CSV to write.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Result store (default <out>.store.jsonl).")
@click.option("--limit", type=click.IntRange(min=0), help="Only the first N items.")
@click.option("--max-new-tokens", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--temperature", type=click.FloatRange(min=0), default=0.0, show_default=True)
@click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--check-audio", is_flag=True,
              help="First prove the audio reaches the model: real audio vs silence; stop if no answer changes.")
@click.option("--check-audio-items", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--accept-truncated", is_flag=True,
              help="Keep an answer cut at --max-new-tokens (finish 'length') instead of failing its row.")
@click.option("--max-consecutive-errors", type=click.IntRange(min=0), default=DEFAULT_MAX_CONSECUTIVE_ERRORS,
              show_default=True, help="Stop after this many consecutive failures to reach the model (0: never).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@task_options
@plain_errors
def infer(
    model: str, extra: tuple[str, ...], items_csv: Path | None, data_dir: Path | None, out: Path,
    store_path: Path | None, limit: int | None, max_new_tokens: int, temperature: float, top_p: float,
    seed: int, check_audio: bool, check_audio_items: int, accept_truncated: bool, max_consecutive_errors: int,
    progress: bool,
    **common: Any,
) -> None:
    """Answer every item of the task with a model and write the table with the answers filled."""
    from jasco.core.outputs import beside, check_not_inside, check_outputs
    from jasco.core.paths import default_store_path
    from jasco.core.registry import UnknownNameError
    from jasco.core.table import TableError
    from jasco.models.check import AudioCheckError
    from jasco.stages.decoding import GenerationSettings
    from jasco.stages.infer import run_infer
    from jasco.tasks.datasets import DatasetError

    task, task_values = resolve_task(*pop_task(common))
    options = adapter_options(common, extra)
    store = store_path or default_store_path(out)
    check_outputs(beside(out, ".manifest.json"), [items_csv])
    check_outputs([store], [items_csv], option="--store")
    check_not_inside([out, store], resolve_data_dir(data_dir, task), "the dataset directory")
    settings = GenerationSettings(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens, seed=seed,
                                  accept_truncated=accept_truncated)
    try:
        summary = run_infer(
            out, model=model, task=task.name, task_options=task_values, items_csv=items_csv, data_dir=data_dir,
            options=options, settings=settings, store_path=store_path, limit=limit, progress=progress,
            check_audio_items=check_audio_items if check_audio else 0, echo=lambda m: click.echo(m, err=True),
            max_consecutive_errors=max_consecutive_errors,
        )
    except (AudioCheckError, DatasetError, TableError) as error:
        raise click.ClickException(str(error)) from None
    except (UnknownNameError, ValueError) as error:  # an unknown model, a bad option, a model unfit for the task
        raise click.UsageError(str(error)) from None
    click.echo(
        f"{summary.n_rows} rows written to {summary.out_csv}: {summary.n_generated_now} generated now, "
        f"{summary.n_from_store} from the store, {summary.n_errors} errors ({summary.n_empty} empty, "
        f"{summary.n_truncated} truncated)" + (" (see the infer_error column)" if summary.n_errors else "")
    )
    if summary.n_errors:
        exit_incomplete([f"{summary.n_errors} of {summary.n_rows} rows failed (rerun to retry them)"])
