"""``build_report``: scored files in, the report's JSON-ready object out.

The task's ``ReportSpec`` loads and validates the files into a context (for JASCO: one clip x
variant grid per (ALLM, judge) and the bootstrap resamples, drawn once), then every section of
the task runs in order and stores its payload under its key. ``report["sections"]`` lists the
keys in order; renderers walk it. A context with ``flags`` (lines naming results over
``max_unscored``) puts them in ``report["flags"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.report.formatting import json_ready
from jasco.report.sections import ReportInputs, SectionRegistry


def build_from_context(sections: SectionRegistry, context: Any) -> dict[str, Any]:
    report: dict[str, Any] = {"sections": []}
    for key in sections.order:
        payload = sections.load(key).build(context)
        if payload is None:
            continue
        payload = json_ready(payload)
        context.built[key] = payload
        report[key] = payload
        report["sections"].append(key)
    if hasattr(context, "flags"):
        report["flags"] = list(context.flags)
    return report


def build_report(
    files: Sequence[Path], *, task: str = "jasco", model: str | None = None, judge: str | None = None,
    n_boot: int = 1000, seed: int = 0, data_dir: Path | None = None,
    extra_inputs: Mapping[str, Sequence[Path]] | None = None, task_options: Mapping[str, Any] | None = None,
    max_unscored: float = 0.05,
) -> dict[str, Any]:
    """The report object of ``task`` for its scored ``files`` (see ``jasco report --help``).

    ``model``/``judge`` name files without ``model``/``judge`` columns (else the file's stem);
    ``n_boot`` resamples with ``seed``; ``data_dir`` replaces ``{data_folder}`` in upstream audio
    paths; ``extra_inputs`` carries named extra files for sections that need them; a result whose
    unscored share exceeds ``max_unscored`` is flagged."""
    from jasco.tasks.base import get_task

    spec = get_task(task).report
    inputs = ReportInputs(files=list(files), model=model, judge=judge, n_boot=n_boot, seed=seed, data_dir=data_dir,
                          extra_inputs=dict(extra_inputs or {}), options=dict(task_options or {}),
                          max_unscored=max_unscored)
    return build_from_context(spec.sections, spec.make_context(inputs))
