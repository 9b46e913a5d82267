"""One (ALLM, judge) pair's judgments as clip x variant arrays, aligned to a shared clip list.

Every metric and bootstrap works on these arrays, so resampling clips is one fancy index. A cell
is *present* when the file has that (clip, variant) row, and *scored* when its judgment parsed;
an unscored cell has ``rating`` NaN and ``orientation`` -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from jasco.tasks.jasco.labels import Orientation

if TYPE_CHECKING:
    import pandas as pd

# Orientation -> column in the counts arrays; dependence uses the first three.
ORIENTATION_CODES: dict[str, int] = {
    Orientation.AUDIO.value: 0,
    Orientation.BOTH.value: 1,
    Orientation.SPEECH.value: 2,
    Orientation.NEITHER.value: 3,
}
BOTH_CODE = ORIENTATION_CODES[Orientation.BOTH.value]
N_VARIANTS = 8


@dataclass(frozen=True)
class Grid:
    model: str
    judge: str
    clips: tuple[str, ...]  # row labels, shared by every grid of one report
    present: np.ndarray  # bool (n_clips, N_VARIANTS)
    rating: np.ndarray  # float (n_clips, N_VARIANTS); NaN unless scored
    orientation: np.ndarray  # int (n_clips, N_VARIANTS); -1 unless scored

    @property
    def scored(self) -> np.ndarray:
        return self.orientation >= 0


def clip_order(ids: pd.Series | list[str]) -> tuple[str, ...]:
    """Distinct clip ids, numeric ones in numeric order."""
    distinct = set(ids)
    return tuple(sorted(distinct, key=lambda clip: (0, int(clip), "") if clip.isdigit() else (1, 0, clip)))


def make_grid(rows: pd.DataFrame, model: str, judge: str, clips: tuple[str, ...]) -> Grid:
    """The arrays for ``rows`` (one model and judge, from ``load_judged``) over ``clips``."""
    position = {clip: index for index, clip in enumerate(clips)}
    shape = (len(clips), N_VARIANTS)
    present = np.zeros(shape, dtype=bool)
    rating = np.full(shape, np.nan)
    orientation = np.full(shape, -1, dtype=int)
    for clip, variant, value, label, scored in zip(
        rows["id"], rows["variant"], rows["rating"], rows["orientation"], rows["scored"], strict=True
    ):
        cell = (position[clip], int(variant) - 1)
        present[cell] = True
        if scored:
            rating[cell] = float(value)
            orientation[cell] = ORIENTATION_CODES[label]
    return Grid(model, judge, clips, present, rating, orientation)
