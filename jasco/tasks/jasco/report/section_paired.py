"""Paired bootstrap of best-mean differences between ALLMs on the same clips.

For every pair of ALLMs (A, B): per judge both have, and averaged over the judges both have.
Per clip the difference is best_A - best_B (averaged over those judges for the average; an
unscored or unanswered row counts 0, as in best-mean); clips where either ALLM has no row (for
any of those judges) are dropped from both sides. The
resamples are the report's shared clip resamples, so the pairing is kept in every replicate.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from jasco.report import formatting as f
from jasco.report.bootstrap import paired_difference
from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext
from jasco.tasks.jasco.report.metrics import clip_best


class PairedSection:
    key = "paired"
    title = "Paired differences in best-mean"

    def build(self, context: JascoContext) -> Any:
        best = {(grid.model, grid.judge): clip_best(grid) for grid in context.grids}
        comparisons = []
        for model_a, model_b in combinations(context.models, 2):
            judges = [j for j in context.judges if (model_a, j) in best and (model_b, j) in best]
            for judge in judges:
                result = paired_difference(best[(model_a, judge)], best[(model_b, judge)], context.indices)
                comparisons.append({"model_a": model_a, "model_b": model_b, "judge": judge, **result})
            if len(judges) > 1:
                mean_a = np.mean(np.stack([best[(model_a, j)] for j in judges]), axis=0)  # NaN if any judge is
                mean_b = np.mean(np.stack([best[(model_b, j)] for j in judges]), axis=0)
                result = paired_difference(mean_a, mean_b, context.indices)
                comparisons.append({"model_a": model_a, "model_b": model_b, "judge": "average", **result})
        return comparisons or None

    def tables(self, payload: Any) -> list[Table]:
        rows = [(c["model_a"], c["model_b"], c["judge"], c["n_clips"], f.num(c["difference"]), f.ci(c["ci"]),
                 f.num(c["p_value"])) for c in payload]
        columns = ("ALLM A", "ALLM B", "judge", "common clips", "best-mean A - B", "95% CI", "bootstrap p")
        return [Table(self.title, columns, rows, "Paired over the clips both ALLMs have rows for.")]


PAIRED = PairedSection()
