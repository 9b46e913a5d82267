"""Per instruction variant: mean rating, mean score and Both share, and audio-first vs speech-first.

For each (ALLM, judge) and each of the 8 variants, over that variant's scored rows (pooled over
clips): mean raw rating, mean score (rating if Both else 0) and Both / (Audio + Both + Speech);
then the same pooled over the audio-first and the speech-first variants. ``averages`` gives the
mean over judges per ALLM. Compare ``mean_score`` of a variant with best-mean: best-mean picks the
best variant per clip, so it is at least as high as every variant's mean score.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jasco.report import formatting as f
from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext
from jasco.tasks.jasco.report.metrics import variant_stats
from jasco.tasks.jasco.samples import load_instructions

STAT_KEYS = ("mean_rating", "mean_score", "both_share")


def _average(entries: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n_scored": int(sum(entry["n_scored"] for entry in entries))}
    for key in STAT_KEYS:
        kept = [entry[key] for entry in entries if entry[key] is not None and not np.isnan(entry[key])]
        out[key] = float(np.mean(kept)) if kept else float("nan")
    return out


class VariantsSection:
    key = "variants"
    title = "Per instruction variant"

    def build(self, context: JascoContext) -> Any:
        instructions = load_instructions()
        groups = {first: [i.variant for i in instructions if i.first == first] for first in ("audio", "speech")}
        per_pair: list[dict[str, Any]] = []
        for grid in context.grids:
            per_pair.append({
                "model": grid.model, "judge": grid.judge,
                "variants": [{"variant": i.variant, "first": i.first, **variant_stats(grid, [i.variant])}
                             for i in instructions],
                "by_first": {first: variant_stats(grid, variants) for first, variants in groups.items()},
            })
        averages = []
        for model in context.models:
            mine = [entry for entry in per_pair if entry["model"] == model]
            averages.append({
                "model": model,
                "variants": [{"variant": i.variant, "first": i.first,
                              **_average([entry["variants"][n] for entry in mine])}
                             for n, i in enumerate(instructions)],
                "by_first": {first: _average([entry["by_first"][first] for entry in mine]) for first in groups},
            })
        return {
            "instructions": [{"variant": i.variant, "first": i.first, "text": i.text} for i in instructions],
            "per_pair": per_pair,
            "averages": averages,
        }

    def tables(self, payload: Any) -> list[Table]:
        rows = []
        for entry in payload["averages"]:
            for item in entry["variants"]:
                if not item["n_scored"]:
                    continue  # no scored row for this variant (kept in the JSON)
                rows.append((entry["model"], f"v{item['variant']}", item["first"], item["n_scored"],
                             f.num(item["mean_rating"]), f.num(item["mean_score"]), f.pct(item["both_share"])))
            for first, item in entry["by_first"].items():
                rows.append((entry["model"], f"{first}-first", first, item["n_scored"],
                             f.num(item["mean_rating"]), f.num(item["mean_score"]), f.pct(item["both_share"])))
        columns = ("model", "variant", "names first", "scored rows", "mean rating", "mean score", "Both share")
        note = ("Averaged over judges. mean score = mean of (rating if Both else 0) over the variant's scored rows; "
                "Both share = Both / (Audio + Both + Speech).")
        return [Table(self.title, columns, rows, note)]


VARIANTS = VariantsSection()
