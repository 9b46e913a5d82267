"""``jasco judge``: rate each answer of a judge-scored task with an LLM judge (JASCO: Rating 0/1/2
and Orientation).

Thin: options -> ``jasco.stages.judge.run.run_judge`` / ``run_panel``. Backend options that are not
given are not passed, so each backend keeps its own defaults; an option a backend does not take
is an error naming it. Exit status 3 (after OUT is written) when any row's judge call failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import exit_incomplete, plain_errors
from jasco.commands.options import parse_key_value, pop_task, resolve_task, task_options
from jasco.stages.decoding import DECODING_PRESETS, DEFAULT_PRESET, Decoding, judge_decoding
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS

# CLI parameter -> backend option name
_BACKEND_OPTIONS = {
    "tensor_parallel_size": "tensor_parallel_size", "pipeline_parallel_size": "pipeline_parallel_size",
    "max_model_len": "max_model_len", "dtype": "dtype", "gpu_memory_utilization": "gpu_memory_utilization",
    "quantization": "quantization", "revision": "revision", "base_url": "base_urls",
    "served_model": "served_model", "concurrency": "concurrency", "timeout": "timeout_s",
    "max_retries": "max_retries", "batch_size": "batch_size", "device": "device",
}


@dataclass(frozen=True)
class JudgeSettings:
    """What the shared judge options below resolve to."""

    backend: str | None
    backend_options: dict[str, Any]
    decoding: Decoding
    template: str | None
    repair: bool | None  # None: not given (judge: on, judge-check: off)
    progress: bool
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS


_SHARED_OPTIONS = [
    click.option("--backend", help="vllm, openai, hf, fake, ... (default: the judge's own backend, else vllm)."),
    click.option("--template", default=None, show_default="the task's default; JASCO: eval_py",
                 help="Judge prompt wording; JASCO: eval_py (label 'Good', the paper's numbers) or readme "
                      "(label 'Both')."),
    click.option("--structured", is_flag=True, help="Constrain Rating/Orientation lines (vLLM structured outputs)."),
    click.option("--repair/--no-repair", default=None, show_default="on for judge and run",
                 help="Re-ask once when a verdict does not parse: upstream's post-processing prompt for the "
                      "orientation, jasco's for a judge that names several ratings."),
    click.option("--decoding", "decoding_preset", type=click.Choice(sorted(DECODING_PRESETS)), default=DEFAULT_PRESET,
                 show_default=True, help="jasco: greedy (temperature 0, seeded); upstream: eval.py's vLLM defaults "
                 "(temperature 1.0, top_p 1.0), sampled with --seed."),
    click.option("--temperature", type=click.FloatRange(min=0), default=None, show_default="0 (--decoding jasco)"),
    click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=None, show_default="1.0"),
    click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
    click.option("--max-consecutive-errors", type=click.IntRange(min=0), default=DEFAULT_MAX_CONSECUTIVE_ERRORS,
                 show_default=True, help="Stop after this many consecutive failures to reach the judge (0: never)."),
    click.option("--max-tokens", type=click.IntRange(min=1), default=1000, show_default=True, help="Upstream's value."),
    click.option("--accept-truncated", is_flag=True,
                 help="Keep a verdict cut at --max-tokens (finish 'length') instead of failing its row."),
    click.option("--progress/--no-progress", default=True, show_default=True),
    click.option("--tensor-parallel-size", type=int, help="vllm"),
    click.option("--pipeline-parallel-size", type=int, help="vllm"),
    click.option("--max-model-len", type=int, help="vllm"),
    click.option("--dtype", help="vllm, hf"),
    click.option("--gpu-memory-utilization", type=float, help="vllm"),
    click.option("--quantization", help="vllm"),
    click.option("--enforce-eager", is_flag=True, default=None, help="vllm: no CUDA graphs / compilation"),
    click.option("--revision", help="vllm, hf (and recorded for openai)"),
    click.option("--base-url", multiple=True, help="openai: repeatable; default $OPENAI_BASE_URL"),
    click.option("--served-model", help="openai: the server's name for the model (default: --judge)"),
    click.option("--concurrency", type=int, help="openai"),
    click.option("--timeout", type=float, help="openai: seconds per request"),
    click.option("--max-retries", type=int, help="openai"),
    click.option("--batch-size", type=int, help="hf"),
    click.option("--device", help="hf"),
    click.option("--backend-option", multiple=True, metavar="KEY=VALUE", help="Any other backend option (JSON value)."),
]
_SETTING_NAMES = ("backend", "template", "structured", "repair", "decoding_preset", "temperature", "top_p", "seed",
                  "max_tokens", "progress", "enforce_eager", "backend_option", "max_consecutive_errors",
                  "accept_truncated",
                  *_BACKEND_OPTIONS)


def judge_options(function: Any) -> Any:
    """Add the judge's backend, decoding and prompt options (shared by judge and judge-check)."""
    for option in reversed(_SHARED_OPTIONS):
        function = option(function)
    return function


def judge_settings(values: dict[str, Any]) -> JudgeSettings:
    """Pop the shared options out of a command's keyword arguments and resolve them."""
    given = {name: values.pop(name) for name in _SETTING_NAMES if name in values}
    options = {_BACKEND_OPTIONS[k]: v for k, v in given.items() if k in _BACKEND_OPTIONS and v not in (None, ())}
    if given.get("enforce_eager"):
        options["enforce_eager"] = True
    options.update(parse_key_value(text, "--backend-option") for text in given.get("backend_option", ()))
    try:
        decoding = judge_decoding(given["decoding_preset"], temperature=given["temperature"], top_p=given["top_p"],
                                  max_tokens=given["max_tokens"], seed=given["seed"], structured=given["structured"],
                                  accept_truncated=given.get("accept_truncated", False))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return JudgeSettings(given.get("backend"), options, decoding, given["template"], given["repair"],
                         given["progress"], given["max_consecutive_errors"])


@click.command()
@click.argument("in_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--judge", "judge", metavar="MODEL", help="Judge model id or path (or a non-LLM judge name).")
@click.option("--panel", metavar="NAME", help="A judge panel (e.g. 'paper'): OUT is then a directory.")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Result store (default: OUT.store.jsonl).")
@click.option("--model", "model_name", default=None,
              help="Names the answering model in OUT's 'model' column for rows without one (default: IN_CSV's stem).")
@judge_options
@task_options
@plain_errors
def judge(in_csv: Path, out: Path, judge: str | None, panel: str | None, store: Path | None, model_name: str | None,
          **values: Any) -> None:
    """Judge IN_CSV (the task's answers, e.g. JASCO's example.csv columns with allm_output filled)
    into OUT (a CSV, or a directory with --panel)."""
    from jasco.core.registry import UnknownNameError
    from jasco.stages.judge.backends import BackendOptionError, JudgeInputError
    from jasco.stages.judge.panels import run_panel
    from jasco.stages.judge.run import run_judge
    from jasco.tasks.base import TaskError

    if bool(judge) == bool(panel):
        raise click.UsageError("give exactly one of --judge MODEL or --panel NAME")
    task, _ = resolve_task(*pop_task(values))
    s = judge_settings(values)
    _check_outputs(in_csv, out, panel, store)
    common = {"task": task.name, "backend": s.backend, "backend_options": s.backend_options, "decoding": s.decoding,
              "template": s.template, "repair": s.repair is not False, "progress": s.progress, "model": model_name,
              "max_consecutive_errors": s.max_consecutive_errors}
    try:
        if panel:
            if store is not None:
                raise click.UsageError("--store names one file; with --panel each judge's store is "
                                       "OUT/<judge>.csv.store.jsonl")
            summaries = run_panel(in_csv, out, panel=panel, **common)
        else:
            assert judge is not None
            summaries = [run_judge(in_csv, out, judge=judge, store_path=store, **common)]
    except (JudgeInputError, UnknownNameError, BackendOptionError, TaskError) as error:
        raise click.ClickException(str(error)) from None
    problems = []
    for summary in summaries:
        click.echo(
            f"{summary.judge}: {summary.n_rows} rows -> {summary.out_csv} ({summary.n_judged_now} judged now, "
            f"{summary.n_from_store} from the store, {summary.n_unscored} unscored, {summary.n_no_answer} without "
            f"an answer (rating 0, Neither), {summary.n_errors} errors ({summary.n_empty} empty, "
            f"{summary.n_truncated} truncated), {summary.n_repaired} repaired)"
        )
        if summary.stopped:
            problems.append(f"{summary.judge}: {summary.stopped}")
        if summary.n_errors:
            problems.append(f"{summary.judge}: {summary.n_errors} rows failed (see parse_status; rerun to retry them)")
    if problems:
        exit_incomplete(problems)


def _check_outputs(in_csv: Path, out: Path, panel: str | None, store: Path | None) -> None:
    """Before any judge loads: OUT is not IN_CSV (nor a directory, without --panel), and no file
    written beside it is the input either."""
    from jasco.core.outputs import beside, check_output_dir, check_outputs
    from jasco.core.paths import default_store_path

    if panel:
        from jasco.stages.judge.panels import load_panel, panel_file_name

        check_output_dir(out, [in_csv], option="OUT")
        files = [out / panel_file_name(member.model) for member in load_panel(panel)[1]]
        for path in files:
            check_outputs([*beside(path, ".manifest.json"), default_store_path(path)], [in_csv], option="OUT")
        return
    check_outputs(beside(out, ".manifest.json"), [in_csv], option="OUT")
    check_outputs([store or default_store_path(out)], [in_csv], option="--store")
