"""The judge stage: read an answers CSV, judge every row once, write the judged CSV.

``run_judge`` renders each row into the task's judge conversation (JASCO: upstream's prompts),
looks it up in the result store (``keys``), sends only the missing ones to the backend in ONE
batch, stores every judgment the moment it arrives, parses it with the task's parser, re-asks
once for a verdict the task can repair (``repair``, on by default as upstream), and writes OUT
atomically plus
``<OUT>.manifest.json`` (``output``). A rerun of the same command costs no model calls, and a run
killed at any point resumes where it stopped. The judge is any model (``backends``); panels of
judges are ``panels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jasco.models.base import Model
from jasco.stages.decoding import Decoding
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS
from jasco.stages.judge.backends import JudgeInputError, choose_backend, load_backend, release
from jasco.stages.judge.job import JudgeJob
from jasco.stages.judge.keys import identity
from jasco.stages.judge.output import JudgeSummary, write_outputs
from jasco.tasks.base import Task, get_task


def read_input(in_csv: Path, task: Task) -> Any:
    """The answers table, checked before any judge loads: the columns the judge prompts read,
    unique row keys, and the task's own rules (``validate_answers``, the same the report applies)."""
    from jasco.core.table import TableError, check_unique, read_table

    spec = task.judging()
    try:
        frame = read_table(in_csv, required=spec.required_columns)
    except TableError as error:
        raise JudgeInputError(f"{error} (the judge needs columns {list(spec.required_columns)})") from None
    try:
        task.validate_answers(frame, in_csv)
        check_unique(frame, in_csv, task.row_key)
    except TableError as error:
        raise JudgeInputError(str(error)) from None
    return frame


def run_judge(
    in_csv: Path,
    out_csv: Path,
    *,
    judge: str,
    task: str = "jasco",
    backend: str | None = None,
    backend_options: Mapping[str, Any] | None = None,
    decoding: Decoding | None = None,
    template: str | None = None,
    repair: bool = True,
    store_path: Path | None = None,
    progress: bool = True,
    backend_instance: Model | None = None,
    model: str | None = None,
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
) -> JudgeSummary:
    """Judge every row of ``in_csv`` into ``out_csv``; see the module docstring.

    ``backend_instance``: an already loaded model to use (and not close), e.g. one engine reused
    by several runs; otherwise the backend is loaded here and released at the end. ``model``
    names the answering model for rows without a ``model`` cell (default: the input's stem).
    """
    from jasco.core.paths import default_store_path
    from jasco.core.store import ResultStore

    in_csv, out_csv = Path(in_csv), Path(out_csv)
    decoding = decoding or Decoding()
    the_task = get_task(task)
    spec = the_task.judging()
    template = template or spec.default_template
    try:
        spec.check_template(template)
    except ValueError as error:
        raise JudgeInputError(str(error)) from None
    frame = read_input(in_csv, the_task)
    backend_name = choose_backend(judge, backend) if backend_instance is None else backend
    store_path = Path(store_path) if store_path else default_store_path(out_csv)
    owned = backend_instance is None
    instance = load_backend(str(backend_name), judge, backend_options) if owned else backend_instance
    assert instance is not None
    try:
        description = instance.describe()
        who = identity(description, judge, backend_name, backend_options, instance)
        job = JudgeJob(frame, spec, template, decoding, who, progress, max_consecutive_errors)
        with ResultStore(store_path) as store:
            job.judge_all(store, instance)
            if repair:
                job.repair_all(store, instance)
    finally:
        if owned:
            release(instance)
    return write_outputs(
        job, frame, in_csv, out_csv, store_path, task=task, judge=judge, backend=str(who["backend"]),
        description=description, repair=repair, backend_options=backend_options, model=model,
        max_consecutive_errors=max_consecutive_errors,
    )


__all__ = ["JudgeInputError", "JudgeSummary", "read_input", "run_judge"]
