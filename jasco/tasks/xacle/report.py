"""XACLE report parts: evaluations -> a JSON-ready payload -> tables, with the published results beside.

``evaluation_payload`` takes one ``XacleEvaluation`` per model (or prediction file) and the split
they were measured on, and returns::

    {"split": ..., "results": [{"model", "SRCC", "LCC", "KTAU", "MSE", "N", "ci": {metric: [lo, hi]},
      "n_boot", "seed", "counts": {...JoinCounts...}, "flags": [...]}, ...],
     "references": [{"system", "split", "metrics", "source", "caveat"}, ...]}

``evaluation_tables(payload)`` turns it into two tables: the four metrics with their 95%
bootstrap intervals and N per model, the published results for the same split below them (a
metric a source does not give is "n/a"); and the rows each model lost (no label, unscored
answers, missing labels) beside the N they leave. Flags (a constant side scored 0.0 by the
official rule) and reference caveats go into the notes. No split (e.g. a user's own labels):
no reference rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from jasco.report.formatting import ci, json_ready, num
from jasco.report.sections import Table
from jasco.tasks.xacle.metrics import METRICS
from jasco.tasks.xacle.reference import reference_rows
from jasco.tasks.xacle.scoring import XacleEvaluation

_DIGITS = {"SRCC": 4, "LCC": 4, "KTAU": 4, "MSE": 4}
COUNT_COLUMNS = (
    ("n_predictions", "predictions"),
    ("n_unmatched_predictions", "no label (join)"),
    ("n_unlabelled", "labels not predicted"),
    ("n_missing_prediction", "unscored"),
    ("n_missing_label", "label missing"),
    ("n_pairs", "N"),
    ("n_out_of_range", "outside 0-10"),
)


def evaluation_payload(evaluations: Mapping[str, XacleEvaluation], split: str | None = None) -> dict[str, Any]:
    results = []
    for model, evaluation in evaluations.items():
        row: dict[str, Any] = {"model": model}
        row.update(evaluation.metrics.official_row())
        row["ci"] = dict(evaluation.intervals)
        row["n_boot"] = evaluation.n_boot
        row["seed"] = evaluation.seed
        counts = asdict(evaluation.counts)
        counts["unmatched_examples"] = list(evaluation.counts.unmatched_examples)
        row["counts"] = counts
        row["flags"] = evaluation.metrics.flags
        results.append(row)
    references = [
        {"system": r.system, "split": r.split, "metrics": r.metrics, "source": r.source, "caveat": r.caveat}
        for r in (reference_rows(split) if split else ())
    ]
    return json_ready({"split": split, "results": results, "references": references})


def evaluation_tables(payload: Mapping[str, Any]) -> list[Table]:
    split = payload.get("split")
    columns = ("system", *(f"{m} [95% CI]" for m in METRICS), "N")
    rows: list[tuple[Any, ...]] = []
    notes: list[str] = []
    for result in payload["results"]:
        cells = [
            f"{num(result[m], _DIGITS[m])} {ci(result['ci'].get(m), _DIGITS[m])}" for m in METRICS
        ]
        rows.append((result["model"], *cells, result["N"]))
        notes.extend(f"{result['model']}: {flag}" for flag in result["flags"])
    for reference in payload["references"]:
        cells = [num(reference["metrics"].get(m), _DIGITS[m]) for m in METRICS]
        rows.append((f"{reference['system']} (published)", *cells, ""))
        if reference["caveat"]:
            notes.append(f"{reference['system']}: {reference['caveat']}")
    boots = sorted({result["n_boot"] for result in payload["results"]})
    notes.insert(0, f"Official evaluate.py metrics; 95% percentile bootstrap over pairs ({', '.join(map(str, boots))} "
                    "resamples); published rows are other systems' reported figures.")
    title = f"XACLE text-audio alignment ({split})" if split else "XACLE text-audio alignment"
    metric_table = Table(title=title, columns=columns, rows=rows, note=" ".join(notes))
    count_rows = [
        (result["model"], *(result["counts"][key] for key, _ in COUNT_COLUMNS)) for result in payload["results"]
    ]
    count_table = Table(
        title="Rows left out before the metrics",
        columns=("system", *(label for _, label in COUNT_COLUMNS)),
        rows=count_rows,
        note="Inner join on wav_file_name, then pairs with a missing prediction or label dropped, as the "
             "official evaluate.py does; it does not report these counts.",
    )
    return [metric_table, count_table]
