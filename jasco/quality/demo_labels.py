"""The labels of the synthetic demo corpus: documented monotone functions of each degradation.

They are NOT human ratings. Each degradation step takes points off one NISQA dimension; the
points grow monotonically with the step's severity, by linear interpolation in the anchor
tables below (held flat beyond the last anchor). The anchors are our reading of published
listening-test trends (P.835/NISQA-style noise and bandwidth studies, the packet-loss and level
behaviour of the ITU-T E-model), rounded; they are chosen to be plausible, not fitted to any
predictor. Per file:

    deficit[d] = sum of the points of its steps on dimension d (capped at 3.5)
    dimension d = 4.5 - deficit[d]                      (noi, col, dis, loud; 1.0..4.5)
    mos = 4.5 - sqrt(sum over d of (weight[d] * deficit[d])^2), floored at 1.0

A single degradation gives mos = 4.5 minus its (weighted) points; combinations are worse than
either part alone. Clean speech is 4.5 everywhere. ``LABELS_VERSION`` names this rule; a change
is a new version.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from jasco.quality.degrade import Step

LABELS_VERSION = "demo-labels-v1"
TOP = 4.5
MAX_DEFICIT = 3.5
DIMENSIONS = ("noi", "col", "dis", "loud")
MOS_WEIGHTS = {"noi": 1.0, "col": 1.0, "dis": 1.0, "loud": 0.8}

# kind -> (dimension, ((severity, points), ...)); severity in the unit of Step.value
ANCHORS: dict[str, tuple[str, tuple[tuple[float, float], ...]]] = {
    # SNR in dB: lower is worse
    "white": ("noi", ((0.0, 3.0), (5.0, 2.5), (10.0, 2.0), (20.0, 1.2), (30.0, 0.5), (40.0, 0.0))),
    "babble": ("noi", ((0.0, 3.1), (5.0, 2.6), (10.0, 2.0), (20.0, 1.1), (30.0, 0.4), (40.0, 0.0))),
    # cut-off in Hz: lower is worse
    "lowpass": ("col", ((1000.0, 2.8), (2000.0, 1.8), (3400.0, 1.0), (5000.0, 0.4), (7000.0, 0.0))),
    # share of samples clipped: higher is worse
    "clip": ("col", ((0.0, 0.0), (0.01, 0.4), (0.05, 1.0), (0.15, 1.8), (0.30, 2.4))),
    # share of active speech dropped: higher is worse
    "dropout": ("dis", ((0.0, 0.0), (0.02, 0.8), (0.05, 1.5), (0.10, 2.2), (0.20, 2.9))),
    # level change in dB: quieter is worse (louder changes are not labelled)
    "gain": ("loud", ((-30.0, 2.2), (-20.0, 1.2), (-10.0, 0.4), (0.0, 0.0))),
}


class LabelError(ValueError):
    """A degradation has no label rule; the message names it."""


def step_points(step: Step) -> tuple[str, float]:
    """(dimension, points taken off) for one degradation step."""
    if step.kind not in ANCHORS:
        raise LabelError(f"no label rule for degradation {step.kind!r}; known: {', '.join(sorted(ANCHORS))}")
    dimension, table = ANCHORS[step.kind]
    severities, points = zip(*table, strict=True)
    return dimension, float(np.interp(step.value, severities, points))


def labels(steps: Sequence[Step]) -> dict[str, float]:
    """mos, noi, col, dis, loud of a file degraded by ``steps`` (clean: all 4.5)."""
    deficit = dict.fromkeys(DIMENSIONS, 0.0)
    for step in steps:
        dimension, points = step_points(step)
        deficit[dimension] = min(MAX_DEFICIT, deficit[dimension] + points)
    combined = math.sqrt(sum((MOS_WEIGHTS[d] * deficit[d]) ** 2 for d in DIMENSIONS))
    values = {"mos": max(1.0, TOP - combined)}
    values.update({d: TOP - deficit[d] for d in DIMENSIONS})
    return {key: round(value, 3) for key, value in values.items()}
