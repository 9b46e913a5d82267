"""The ``testing-pairs`` report: accuracy per model with its coverage and a bootstrap CI.

Sections: ``results`` (per model: rows, scored, unscored, accuracy over the scored rows with a
95% percentile bootstrap CI over items, seeded) and ``inputs`` (the scored files read). The CSV
form is the results table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.report import formatting as f
from jasco.report.sections import ReportInputError, ReportInputs, ReportSpec, SectionRegistry, Table

SCORED_COLUMNS = ("id", "expected", "predicted", "correct", "score_status")


def accuracy(correct: list[bool]) -> float:
    """Correct / scored rows (denominator: the rows whose answer was scored); NaN if none."""
    return sum(correct) / len(correct) if correct else float("nan")


@dataclass
class PairContext:
    by_model: dict[str, list[dict[str, str]]]  # model -> its scored rows
    files: list[Path]
    n_boot: int
    seed: int
    extra_inputs: dict[str, Any] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)


def make_context(inputs: ReportInputs) -> PairContext:
    from jasco.core.table import TableError, read_table

    by_model: dict[str, list[dict[str, str]]] = {}
    for path in inputs.files:
        try:
            frame = read_table(path, required=SCORED_COLUMNS)
        except TableError as error:
            raise ReportInputError(f"{error} (a scored testing-pairs file: run `jasco score --task testing-pairs`)"
                                   ) from None
        for row in frame.to_dict("records"):
            model = str(row.get("model") or inputs.model or Path(path).stem)
            by_model.setdefault(model, []).append({str(k): str(v) for k, v in row.items()})
    return PairContext(by_model, list(inputs.files), inputs.n_boot, inputs.seed, dict(inputs.extra_inputs))


class ResultsSection:
    key = "results"
    title = "Accuracy per model"

    def build(self, context: PairContext) -> Any:
        import numpy as np

        from jasco.report.bootstrap import percentile_ci

        results = []
        for model, rows in sorted(context.by_model.items()):
            correct = [row["correct"] == "1" for row in rows if row["correct"] in ("0", "1")]
            rng = np.random.default_rng(context.seed)
            values = np.array(correct, dtype=float)
            draws = (values[rng.integers(0, len(values), size=(context.n_boot, len(values)))].mean(axis=1)
                     if len(values) else np.full(context.n_boot, np.nan))
            results.append({"model": model, "n_rows": len(rows), "n_scored": len(correct),
                            "n_unscored": len(rows) - len(correct), "accuracy": accuracy(correct),
                            "accuracy_ci": percentile_ci(draws)})
        return results

    def tables(self, payload: Any) -> list[Table]:
        rows = [(r["model"], f.pct(r["accuracy"]), f.ci(r["accuracy_ci"], 1, True), f"{r['n_scored']}/{r['n_rows']}",
                 r["n_unscored"]) for r in payload]
        return [Table(self.title, ("model", "accuracy", "95% CI", "scored/rows", "unscored"), rows,
                      "Accuracy over scored rows; an answer without exactly one of 1 and 2 is unscored.")]


class InputsSection:
    key = "inputs"
    title = "Inputs"

    def build(self, context: PairContext) -> Any:
        return {"files": [str(path) for path in context.files]}

    def tables(self, payload: Any) -> list[Table]:
        return [Table(self.title, ("file",), [(path,) for path in payload["files"]])]


RESULTS = ResultsSection()
INPUTS = InputsSection()
SECTIONS = SectionRegistry("testing-pairs report section")
SECTIONS.register("results", "jasco.testing.pair_report:RESULTS", "accuracy per model")
SECTIONS.register("inputs", "jasco.testing.pair_report:INPUTS", "the scored files read")


def results_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    columns = ("model", "n_rows", "n_scored", "n_unscored", "accuracy", "accuracy_ci_lo", "accuracy_ci_hi")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in report["results"]:
        lo, hi = entry["accuracy_ci"]
        writer.writerow({**entry, "accuracy_ci_lo": lo, "accuracy_ci_hi": hi})
    return buffer.getvalue()


REPORT = ReportSpec(title="testing-pairs report", note="Which of two tones is higher: accuracy over scored answers.",
                    sections=SECTIONS, make_context=make_context, csv=results_csv)
