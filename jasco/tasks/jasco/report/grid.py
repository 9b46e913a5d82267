"""One (ALLM, judge) pair's judgments as clip x variant arrays, aligned to a shared clip list.

Every metric and bootstrap works on these arrays, so resampling clips is one fancy index. A cell
is *present* when the file has that (clip, variant) row; a present cell is *judged* (the judge's
verdict parsed), *no_answer* (the model gave no answer: rating 0, Neither, by rule) or *unscored*
(the judge's verdict did not parse: upstream's ``?``). ``rating`` is NaN unless the cell is judged
or no_answer; ``orientation`` is -1 unless a label is known (an unscored cell keeps the label
when only its rating failed, as upstream counts it in modality dependence).
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
    rating: np.ndarray  # float (n_clips, N_VARIANTS); NaN unless judged or no_answer
    orientation: np.ndarray  # int (n_clips, N_VARIANTS); -1 unless a label is known
    judged: np.ndarray  # bool: the judge's verdict parsed
    no_answer: np.ndarray  # bool: no answer to judge (rating 0, Neither by rule)

    @property
    def rated(self) -> np.ndarray:
        """Cells with a rating and an orientation: judged or no_answer."""
        return self.judged | self.no_answer

    @property
    def unscored(self) -> np.ndarray:
        return self.present & ~self.rated


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
    judged = np.zeros(shape, dtype=bool)
    no_answer = np.zeros(shape, dtype=bool)
    for clip, variant, value, label, kind in zip(
        rows["id"], rows["variant"], rows["rating"], rows["orientation"], rows["kind"], strict=True
    ):
        cell = (position[clip], int(variant) - 1)
        present[cell] = True
        judged[cell] = kind == "judged"
        no_answer[cell] = kind == "no_answer"
        if kind != "unscored":
            rating[cell] = float(value)
        if label:
            orientation[cell] = ORIENTATION_CODES[label]
    return Grid(model, judge, clips, present, rating, orientation, judged, no_answer)
