"""Agreement between judges on the same answers, and each judge's unscored rate.

An item is one ALLM answer: (model, clip, variant). Only rows a judge scored count (a row without
an answer is decided by rule, the same for every judge, so it says nothing about agreement).
Fleiss' kappa on the 4 orientation labels uses items every judge scored; Krippendorff's alpha
(ordinal) on ratings uses every item with at least two scored ratings (alpha handles missing
values); Cohen's kappa per pair of judges uses items both scored: unweighted on orientation,
quadratic-weighted on the ordinal rating. The unscored rate is a judge's unscored rows / its
rows, over all ALLMs; rows without an answer are counted beside it.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from jasco.report import formatting as f
from jasco.report.sections import Table
from jasco.tasks.jasco.labels import RATINGS
from jasco.tasks.jasco.report.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha
from jasco.tasks.jasco.report.context import JascoContext
from jasco.tasks.jasco.report.grid import ORIENTATION_CODES

ITEM = ["model", "id", "variant"]


class AgreementSection:
    key = "agreement"
    title = "Judges"

    def build(self, context: JascoContext) -> Any:
        rows = context.rows
        unscored = []
        for judge, group in rows.groupby("judge", sort=True):
            n_unscored = int((group["kind"] == "unscored").sum())
            unscored.append({"judge": judge, "n_rows": len(group), "n_unscored": n_unscored,
                             "n_no_answer": int((group["kind"] == "no_answer").sum()),
                             "unscored_rate": n_unscored / len(group)})
        payload: dict[str, Any] = {"judges": unscored}
        judges = context.judges
        if len(judges) < 2:
            return payload
        scored = rows[rows["scored"]]
        orientation = scored.pivot_table(index=ITEM, columns="judge", values="orientation", aggfunc="first")
        rating = scored.pivot_table(index=ITEM, columns="judge", values="rating", aggfunc="first")
        orientation = orientation.reindex(columns=judges)
        rating = rating.reindex(columns=judges)
        complete = orientation.dropna()
        counts = np.zeros((len(complete), len(ORIENTATION_CODES)))
        for row_index, labels in enumerate(complete.to_numpy()):
            for label in labels:
                counts[row_index, ORIENTATION_CODES[label]] += 1
        payload["fleiss_kappa_orientation"] = {
            "value": fleiss_kappa(counts) if len(complete) else float("nan"), "n_items": len(complete),
            "n_judges": len(judges)}
        ratings = rating.to_numpy(dtype=float).T  # judges x items
        pairable = int((np.isfinite(ratings).sum(axis=0) >= 2).sum())
        payload["krippendorff_alpha_rating"] = {
            "value": krippendorff_alpha(ratings, "ordinal"), "level": "ordinal", "n_items": pairable}
        pairs = []
        for first, second in combinations(judges, 2):
            both_orient = orientation[[first, second]].dropna()
            both_rating = rating[[first, second]].dropna()
            pairs.append({
                "judge_a": first, "judge_b": second, "n_items": len(both_orient),
                "kappa_orientation": cohen_kappa(list(both_orient[first]), list(both_orient[second])),
                "kappa_rating": cohen_kappa(list(both_rating[first]), list(both_rating[second]),
                                            weights="quadratic", labels=RATINGS),
            })
        payload["cohen_kappa"] = pairs
        return payload

    def tables(self, payload: Any) -> list[Table]:
        rates = [(j["judge"], j["n_rows"], j["n_unscored"], f.pct(j["unscored_rate"]), j["n_no_answer"])
                 for j in payload["judges"]]
        tables = [Table("Unscored rows per judge", ("judge", "rows", "unscored", "unscored rate", "no answer"), rates,
                        "Unscored: the judge output did not parse, even after the re-ask (0 in best-mean, upstream's "
                        "'?'). No answer: the model gave none (rating 0, Neither, never sent to the judge).")]
        if "fleiss_kappa_orientation" in payload:
            fleiss, alpha = payload["fleiss_kappa_orientation"], payload["krippendorff_alpha_rating"]
            tables.append(Table("Agreement between judges", ("statistic", "value", "items"), [
                ("Fleiss' kappa, orientation", f.num(fleiss["value"]), fleiss["n_items"]),
                ("Krippendorff's alpha (ordinal), rating", f.num(alpha["value"]), alpha["n_items"]),
            ]))
            tables.append(Table("Cohen's kappa per pair of judges",
                                ("judge A", "judge B", "items", "kappa orientation", "kappa rating (quadratic)"),
                                [(p["judge_a"], p["judge_b"], p["n_items"], f.num(p["kappa_orientation"]),
                                  f.num(p["kappa_rating"])) for p in payload["cohen_kappa"]]))
        return tables


AGREEMENT = AgreementSection()
