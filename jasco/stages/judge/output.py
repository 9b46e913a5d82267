"""The judge stage's output: the answers table plus the judge's columns, and its manifest.

OUT keeps every input column and adds ``judge`` (the judge id), ``judge_output`` (the raw text)
and the task's verdict cells (JASCO: ``rating``, ``orientation``, ``parse_status``), and names the
answering model in ``model``: the input's own ``model`` cells, else ``--model``, else the input
file's stem (so a report never names a model after a judged file). It is written
atomically with ``<OUT>.manifest.json``: arguments, the task, the input's sha256, the judge's model
id and revision, the backend's description, decoding and seed, the structured-output regex, the
prompt files' hashes and the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.stages.judge.job import JudgeJob
from jasco.tasks.base import NO_ANSWER_STATUS


@dataclass(frozen=True)
class JudgeSummary:
    out_csv: Path
    manifest_path: Path
    store_path: Path
    judge: str
    backend: str
    n_rows: int
    n_judged_now: int  # rows whose judgment came from a model call in this run
    n_from_store: int  # rows whose judgment was already in the store
    n_unscored: int  # rows without a complete verdict (judge errors included, no-answer rows not)
    n_errors: int  # rows whose judge call failed for good (retries exhausted, empty, truncated, not run)
    n_repaired: int = 0
    n_model_calls: int = 0  # judgments + repairs actually requested from the backend
    n_no_answer: int = 0  # rows without an answer: decided by rule, never sent
    n_empty: int = 0  # judge answers that came back empty (row errors)
    n_truncated: int = 0  # judge answers cut at max_tokens (row errors)
    stopped: str | None = None  # why the run stopped early (the judge could not be reached)


def write_outputs(
    job: JudgeJob, frame: Any, in_csv: Path, out_csv: Path, store_path: Path, *, task: str, judge: str,
    backend: str, description: Mapping[str, Any], repair: bool, backend_options: Mapping[str, Any] | None,
    model: str | None = None, max_consecutive_errors: int | None = None,
) -> JudgeSummary:
    from jasco.core.runinfo import file_sha256, write_manifest
    from jasco.core.table import write_table

    verdicts = [job.verdict(i) for i in range(len(job.rows))]
    out = frame.copy()
    fallback = model or Path(in_csv).stem
    if "model" in out.columns:
        out["model"] = [str(cell).strip() or fallback for cell in out["model"]]
    else:
        out["model"] = fallback
    out["judge"] = judge
    out["judge_output"] = [text or "" for text in job.texts]
    cells = [job.spec.cells(verdict) for verdict in verdicts]
    for column in cells[0] if cells else ():
        out[column] = [row[column] for row in cells]
    write_table(out, out_csv)
    n_no_answer = sum(str(verdict.status).startswith(NO_ANSWER_STATUS) for verdict in verdicts)
    n_unscored = sum(not verdict.scored for verdict in verdicts)
    decoding, template = job.decoding, job.template
    manifest = write_manifest(
        out_csv,
        stage="judge",
        arguments={
            "in_csv": str(in_csv), "out_csv": str(out_csv), "task": task, "judge": judge, "backend": backend,
            "backend_options": dict(backend_options or {}), "template": template, "repair": repair,
            "store_path": str(store_path), "model": model, "max_consecutive_errors": max_consecutive_errors,
        },
        details={
            "input_sha256": file_sha256(in_csv),
            "judge": {"model": job.who["model"], "revision": job.who["revision"]},
            "backend": dict(description),
            "decoding": {**decoding.as_dict(), "preset": decoding.preset,
                         "accept_truncated": decoding.accept_truncated},
            "seeds": {"decoding": decoding.seed},
            "structured_regex": job.spec.regex(template, decoding.max_tokens) if decoding.structured else None,
            "template": {"name": template, "files": job.hashes},
            "counts": {
                "rows": len(job.rows), "judged_now": job.judged_now, "from_store": job.from_store,
                "unscored": n_unscored, "no_answer": n_no_answer, "errors": len(job.errors),
                "empty": job.n_empty, "truncated": job.n_truncated, "repaired": job.repaired,
                "model_calls": job.calls,
            },
            "stopped": job.stopped,
        },
    )
    return JudgeSummary(
        out_csv=out_csv, manifest_path=manifest, store_path=store_path, judge=judge, backend=backend,
        n_rows=len(job.rows), n_judged_now=job.judged_now, n_from_store=job.from_store, n_unscored=n_unscored,
        n_errors=len(job.errors), n_repaired=job.repaired, n_model_calls=job.calls, n_no_answer=n_no_answer,
        n_empty=job.n_empty, n_truncated=job.n_truncated, stopped=job.stopped,
    )
