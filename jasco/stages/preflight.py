"""What ``jasco run`` checks before anything is written, so a mistake costs seconds, not hours.

``check_run``: every model is built (an unknown name or option fails here; building loads
nothing) and must take the task's audio inputs; every judge is built with its backend and options.
Two models or two judges that would write one file (the same id twice, or ``a/b`` and ``a--b``)
are refused, and so is an output directory that is a file or lies inside the dataset.

``check_loadable``: the models and judges that have a stage to run (one not up to date: a rerun of
finished work checks, loads and starts nothing) must be loadable on this machine
(``jasco.models.availability``). When the judges were not given and the task is judged, the paper
panel is the default: on a machine that cannot run it (no CUDA GPU, or its weights neither cached
nor reachable) the run stops at once and names the alternatives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem
from jasco.tasks.base import Task

ALTERNATIVES = ("use --judges similarity (the offline proxy: demos and smoke tests, never published numbers) "
                "or --judge-backend openai --judge-base-url URL (the judges served by vLLM elsewhere)")


class PlanError(ValueError):
    """``jasco run`` cannot do what was asked; the message names the options to change."""


def check_unique_files(names: Sequence[str], option: str, folder: str) -> None:
    """No two names may write the same file (``file_stem``): the same id twice, ``a/b`` and ``a--b``."""
    seen: dict[str, str] = {}
    for name in names:
        stem = file_stem(name)
        if stem in seen:
            same = "is given twice" if seen[stem] == name else f"and {seen[stem]!r} both map to"
            raise PlanError(f"{option}: {name!r} {same} {folder}/{stem}.csv; give each once, with distinct names")
        seen[stem] = name


def check_models(task: Task, models: Sequence[str], options: Mapping[str, Any]) -> None:
    """Each model built from ``options`` (an unknown name or option fails here) and able to take the
    task's items."""
    from jasco.models.base import audio_capacity_error, build_model

    check_unique_files(models, "--model", "answers")
    for name in models:
        model = build_model(name, options)
        try:
            problem = audio_capacity_error(model, len(task.audio_columns))
            if problem:
                raise PlanError(problem)
        finally:
            model.close()


def check_judges(judges: Sequence[str], backend: str | None, options: Mapping[str, Any], *,
                 default_panel: bool = False) -> None:
    """Each judge's backend chosen and built with ``options`` (a bad option fails here)."""
    from jasco.stages.judge.backends import choose_backend, load_backend, release

    check_unique_files(judges, "--judges", "judged/<model>")
    for judge in judges:
        try:
            release(load_backend(choose_backend(judge, backend), judge, options))
        except ValueError as error:  # no backend for it here (e.g. no vllm), or an option it refuses
            if default_panel:
                raise PlanError(f"jasco run without --judges uses the paper panel, which this machine cannot "
                                f"run ({error}); {ALTERNATIVES}") from None
            raise


def gpu_problem() -> str | None:
    """Why no CUDA GPU is usable here (None when one is)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return "torch is not installed"
    import torch

    return None if torch.cuda.is_available() else "no CUDA GPU is visible"


def check_run(task: Task, out_dir: Path, data_dir: Path, models: Sequence[str], judges: Sequence[str], *,
              infer_options: Mapping[str, Any], judge_backend: str | None,
              judge_options: Mapping[str, Any], default_panel: bool = False) -> None:
    """The output directory, every model and every judge with its options; raises before anything
    is read or written."""
    from jasco.core.outputs import check_not_inside, check_output_dir

    check_output_dir(out_dir, [])
    check_not_inside([out_dir], data_dir, "the dataset directory")
    check_models(task, models, infer_options)
    if task.scoring == "judge":
        check_judges(judges, judge_backend, judge_options, default_panel=default_panel)


def check_loadable(task: Task, models: Sequence[str], judges: Sequence[str], *, infer_options: Mapping[str, Any],
                   judge_backend: str | None, judge_options: Mapping[str, Any], default_panel: bool = False) -> None:
    """The models and judges that will run (a stage not up to date) can load on this machine; for
    the default panel, a failure names the alternatives (see the module docstring)."""
    from jasco.models.availability import ModelUnavailableError, availability_problem, ensure_available
    from jasco.models.base import build_model
    from jasco.stages.judge.backends import choose_backend, load_backend, release

    for name in models:
        model = build_model(name, infer_options)
        try:
            ensure_available(model)
        finally:
            model.close()
    for judge in judges if task.scoring == "judge" else ():
        backend = choose_backend(judge, judge_backend)  # check_run has built each one already
        model = load_backend(backend, judge, judge_options)
        try:
            local = callable(getattr(model, "check_available", None))  # weights loaded on this machine
            problem = gpu_problem() if default_panel and local else None
            problem = problem or availability_problem(model)
        finally:
            release(model)
        if problem and default_panel:
            raise PlanError(f"jasco run without --judges uses the paper panel ({', '.join(judges)}), which "
                            f"this machine cannot run: {problem}; {ALTERNATIVES}")
        if problem:
            raise ModelUnavailableError(f"judge {judge} ({backend}): {problem}")
