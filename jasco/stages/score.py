"""The score stage of rule-scored tasks: an answers file in, a scored file out, re-runnable alone.

``run_score`` reads the answers table (the infer stage's output), checks it has the task's item
columns and its answer column, and hands it to the task's ``score`` (a pure function: extract the
number, compare, say why a row is unscored; raw answers are kept). It writes the scored table
atomically with ``<out>.manifest.json`` (the task, its options, the input's sha256 and the
counts). No model is called, so there is no store: a rerun recomputes the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.tasks.base import TaskError, get_task


@dataclass(frozen=True)
class ScoreSummary:
    out_csv: Path
    manifest_path: Path
    n_rows: int
    n_scored: int
    n_unscored: int


def run_score(answers_csv: Path, out_csv: Path, *, task: str, task_options: Mapping[str, Any] | None = None
              ) -> ScoreSummary:
    from jasco.core.runinfo import file_sha256, write_manifest
    from jasco.core.table import check_unique, read_table, write_table
    from jasco.tasks.options import as_given

    answers_csv, out_csv = Path(answers_csv), Path(out_csv)
    the_task = get_task(task)
    if the_task.scoring != "rule":
        raise TaskError(f"task {the_task.name!r} is scored by an LLM judge, not by rule: use `jasco judge`")
    if answers_csv.resolve() == out_csv.resolve():
        raise TaskError(f"{out_csv}: the scored file must not overwrite its input")
    values = the_task.resolve_options(as_given(task_options))
    frame = read_table(answers_csv, required=(*the_task.item_columns, the_task.answer_column))
    check_unique(frame, answers_csv, the_task.row_key)
    result = the_task.score(frame, values)
    write_table(result.table, out_csv)
    manifest = write_manifest(
        out_csv, stage="score",
        arguments={"answers_csv": str(answers_csv), "out_csv": str(out_csv), "task": the_task.name,
                   "task_options": values},
        details={"input_sha256": file_sha256(answers_csv),
                 "counts": {"rows": result.n_rows, "scored": result.n_scored, "unscored": result.n_unscored},
                 **({"task_details": result.details} if result.details else {})},
    )
    return ScoreSummary(out_csv, manifest, result.n_rows, result.n_scored, result.n_unscored)
