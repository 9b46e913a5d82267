"""``build_report``: judged files in, the report's JSON-ready object out.

Loads and validates the files (``load``), makes one clip x variant grid per (ALLM, judge) over
the shared clip list, draws the bootstrap resamples once, then runs every registered section
(``sections.SECTION_ORDER``) and stores its payload under its key. ``report["sections"]`` lists the
keys in order; renderers walk it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.report.formatting import json_ready
from jasco.report.sections import SECTION_ORDER, SECTIONS, ReportContext
from jasco.tasks.jasco.report.load import Names, load_judged


def make_context(
    files: Sequence[Path], *, model: str | None = None, judge: str | None = None, n_boot: int = 1000,
    seed: int = 0, data_dir: Path | None = None, extra_inputs: Mapping[str, Sequence[Path]] | None = None,
) -> ReportContext:
    """Load the files and prepare everything sections read."""
    from jasco.report.bootstrap import resample_indices
    from jasco.tasks.jasco.report.grid import clip_order, make_grid

    if n_boot < 1:
        raise ValueError(f"--bootstrap must be at least 1, got {n_boot}")
    rows = load_judged(files, Names(model=model, judge=judge), data_dir)
    clips = clip_order(list(rows["id"]))
    grids = [
        make_grid(group, str(model_name), str(judge_name), clips)
        for (model_name, judge_name), group in rows.groupby(["model", "judge"], sort=True)
    ]
    return ReportContext(
        rows=rows, clips=clips, grids=grids, indices=resample_indices(len(clips), n_boot, seed),
        n_boot=n_boot, seed=seed, extra_inputs=dict(extra_inputs or {}),
    )


def build_from_context(context: ReportContext) -> dict[str, Any]:
    report: dict[str, Any] = {"sections": []}
    for key in SECTION_ORDER:
        payload = SECTIONS.load(key).build(context)
        if payload is None:
            continue
        payload = json_ready(payload)
        context.built[key] = payload
        report[key] = payload
        report["sections"].append(key)
    return report


def build_report(
    files: Sequence[Path], *, model: str | None = None, judge: str | None = None, n_boot: int = 1000,
    seed: int = 0, data_dir: Path | None = None, extra_inputs: Mapping[str, Sequence[Path]] | None = None,
) -> dict[str, Any]:
    """The report object for judged ``files`` (see the module docstring and ``jasco report --help``).

    ``model``/``judge`` name files without ``model``/``judge`` columns (else the file's stem);
    ``n_boot`` resamples of clips with ``seed``; ``data_dir`` replaces ``{data_folder}`` in upstream
    audio paths; ``extra_inputs`` carries named extra files for sections that need them."""
    return build_from_context(make_context(
        files, model=model, judge=judge, n_boot=n_boot, seed=seed, data_dir=data_dir, extra_inputs=extra_inputs,
    ))
