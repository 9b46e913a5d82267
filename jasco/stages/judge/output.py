"""The judge stage's output: the answers table plus the judge's columns, and its manifest.

OUT keeps every input column and adds ``judge`` (the judge id), ``judge_output`` (the raw text)
and the task's verdict cells (JASCO: ``rating``, ``orientation``, ``parse_status``). It is written
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
    n_unscored: int  # rows without a complete verdict (errors and empty answers included)
    n_errors: int  # rows whose backend call failed for good (retries exhausted)
    n_repaired: int = 0
    n_model_calls: int = 0  # judgments + repairs actually requested from the backend


def write_outputs(
    job: JudgeJob, frame: Any, in_csv: Path, out_csv: Path, store_path: Path, *, task: str, judge: str,
    backend: str, description: Mapping[str, Any], repair: bool, backend_options: Mapping[str, Any] | None,
) -> JudgeSummary:
    from jasco.core.runinfo import file_sha256, write_manifest
    from jasco.core.table import write_table

    verdicts = [job.verdict(i) for i in range(len(job.rows))]
    out = frame.copy()
    out["judge"] = judge
    out["judge_output"] = [text or "" for text in job.texts]
    cells = [job.spec.cells(verdict) for verdict in verdicts]
    for column in cells[0] if cells else ():
        out[column] = [row[column] for row in cells]
    write_table(out, out_csv)
    n_unscored = sum(not verdict.scored for verdict in verdicts)
    decoding, template = job.decoding, job.template
    manifest = write_manifest(
        out_csv,
        stage="judge",
        arguments={
            "in_csv": str(in_csv), "out_csv": str(out_csv), "task": task, "judge": judge, "backend": backend,
            "backend_options": dict(backend_options or {}), "template": template, "repair": repair,
            "store_path": str(store_path),
        },
        details={
            "input_sha256": file_sha256(in_csv),
            "judge": {"model": job.who["model"], "revision": job.who["revision"]},
            "backend": dict(description),
            "decoding": decoding.as_dict(),
            "seeds": {"decoding": decoding.seed},
            "structured_regex": job.spec.regex(template, decoding.max_tokens) if decoding.structured else None,
            "template": {"name": template, "files": job.hashes},
            "counts": {
                "rows": len(job.rows), "judged_now": job.judged_now, "from_store": job.from_store,
                "unscored": n_unscored, "errors": len(job.errors), "repaired": job.repaired,
                "model_calls": job.calls,
            },
        },
    )
    return JudgeSummary(
        out_csv=out_csv, manifest_path=manifest, store_path=store_path, judge=judge, backend=backend,
        n_rows=len(job.rows), n_judged_now=job.judged_now, n_from_store=job.from_store, n_unscored=n_unscored,
        n_errors=len(job.errors), n_repaired=job.repaired, n_model_calls=job.calls,
    )
