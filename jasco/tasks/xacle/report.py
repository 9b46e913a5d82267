"""XACLE report parts: evaluations -> a JSON-ready payload -> tables, with the published results beside.

``evaluation_payload`` takes one ``XacleEvaluation`` per model (or prediction file), or an
``Unevaluated`` (fewer than 2 scorable pairs: its counts and why, metrics n/a), and the split
they were measured on, and returns::

    {"split": ..., "synthetic": bool, "results": [{"model", "SRCC", "LCC", "KTAU", "MSE", "N",
      "ci": {metric: [lo, hi]}, "n_boot", "seed", "counts": {...JoinCounts...}, "flags": [...]}, ...],
     "references": [{"system", "split", "metrics", "source", "caveat"}, ...]}

``evaluation_tables(payload)`` turns it into two tables: the four metrics with their 95%
bootstrap intervals and N per model, the published results for the same split below them (a
metric a source does not give is "n/a"); and the rows each model lost (no label, unscored
answers, missing labels) beside the N they leave. Flags (a constant side scored 0.0 by the
official rule) and reference caveats go into the notes. No split (e.g. a user's own labels):
no reference rows; synthetic labels (the jasco demo set): no reference rows either, and a note
saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from jasco.report.formatting import ci, json_ready, num
from jasco.report.sections import Table
from jasco.tasks.xacle.metrics import METRICS
from jasco.tasks.xacle.reference import reference_rows
from jasco.tasks.xacle.scoring import JoinCounts, XacleEvaluation

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


SYNTHETIC_NOTE = ("The labels are synthetic (the jasco demo set, labelled by rule, not by listeners): "
                  "published results are not comparable and are not shown.")


@dataclass(frozen=True)
class Unevaluated:
    """A prediction set with fewer than 2 scorable pairs: what the join left, and why no metric."""

    counts: JoinCounts
    reason: str


def _counts(counts: JoinCounts) -> dict[str, Any]:
    row = asdict(counts)
    row["unmatched_examples"] = list(counts.unmatched_examples)
    return row


def evaluation_payload(
    evaluations: Mapping[str, XacleEvaluation | Unevaluated], split: str | None = None, synthetic: bool = False
) -> dict[str, Any]:
    results = []
    for model, evaluation in evaluations.items():
        row: dict[str, Any] = {"model": model}
        if isinstance(evaluation, Unevaluated):
            row.update({**dict.fromkeys(METRICS), "N": evaluation.counts.n_pairs, "ci": {}, "n_boot": 0, "seed": None,
                        "counts": _counts(evaluation.counts), "flags": [evaluation.reason]})
            results.append(row)
            continue
        row.update(evaluation.metrics.official_row())
        row["ci"] = dict(evaluation.intervals)
        row["n_boot"] = evaluation.n_boot
        row["seed"] = evaluation.seed
        row["counts"] = _counts(evaluation.counts)
        row["flags"] = evaluation.metrics.flags
        results.append(row)
    references = [
        {"system": r.system, "split": r.split, "metrics": r.metrics, "source": r.source, "caveat": r.caveat}
        for r in (reference_rows(split) if split and not synthetic else ())
    ]
    return json_ready({"split": split, "synthetic": synthetic, "results": results, "references": references})


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
    if payload.get("synthetic"):
        notes.append(SYNTHETIC_NOTE)
    boots = sorted({result["n_boot"] for result in payload["results"] if result["n_boot"]})
    notes.insert(0, f"Official evaluate.py metrics; 95% percentile bootstrap over pairs "
                    f"({', '.join(map(str, boots)) or 'no'} resamples); published rows are other systems' reported "
                    "figures.")
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
