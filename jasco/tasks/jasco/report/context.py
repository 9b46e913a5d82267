"""What JASCO's report sections read: the judged files as one long table and one clip x variant
grid per (ALLM, judge) over the shared clip list, with the bootstrap resamples drawn once.

A judge that scored no row of a model's answers is an error naming both (never a silent drop from
the average over judges); ``flags`` collects the (model, judge) pairs over ``max_unscored``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from jasco.report.sections import ReportInputs
    from jasco.tasks.jasco.report.grid import Grid


@dataclass
class JascoContext:
    """Everything a JASCO section builder may read."""

    rows: pd.DataFrame  # load.load_judged's long table
    clips: tuple[str, ...]  # the shared clip list every grid and the bootstrap index
    grids: list[Grid]  # one per (model, judge), sorted by model then judge
    indices: np.ndarray  # bootstrap resamples, (n_boot, len(clips))
    n_boot: int
    seed: int
    max_unscored: float = 0.05  # flag a pair whose (unscored + no-answer) share is above this
    flags: list[str] = field(default_factory=list)  # one line per flagged pair (report["flags"])
    extra_inputs: Mapping[str, Sequence[Path]] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)  # section key -> payload, in build order
    scratch: dict[str, Any] = field(default_factory=dict)  # non-JSON values sections share

    @property
    def models(self) -> list[str]:
        return sorted({grid.model for grid in self.grids})

    @property
    def judges(self) -> list[str]:
        return sorted({grid.judge for grid in self.grids})


def make_context(inputs: ReportInputs) -> JascoContext:
    """Load the judged files and prepare everything the sections read."""
    from jasco.report.bootstrap import resample_indices
    from jasco.report.sections import ReportInputError
    from jasco.tasks.jasco.report.grid import clip_order, make_grid
    from jasco.tasks.jasco.report.load import Names, load_judged

    if inputs.n_boot < 1:
        raise ValueError(f"--bootstrap must be at least 1, got {inputs.n_boot}")
    rows = load_judged(inputs.files, Names(model=inputs.model, judge=inputs.judge), inputs.data_dir)
    clips = clip_order(list(rows["id"]))
    grids = [
        make_grid(group, str(model_name), str(judge_name), clips)
        for (model_name, judge_name), group in rows.groupby(["model", "judge"], sort=True)
    ]
    for grid in grids:
        if not grid.judged.any():
            raise ReportInputError(
                f"judge {grid.judge!r} scored no row of model {grid.model!r} ({int(grid.present.sum())} rows: "
                f"{int(grid.unscored.sum())} unscored, {int(grid.no_answer.sum())} without an answer); "
                "fix or rerun that judge (or leave its file out) instead of averaging over it"
            )
    return JascoContext(
        rows=rows, clips=clips, grids=grids, indices=resample_indices(len(clips), inputs.n_boot, inputs.seed),
        n_boot=inputs.n_boot, seed=inputs.seed, max_unscored=inputs.max_unscored,
        extra_inputs=dict(inputs.extra_inputs),
    )
