"""The ``xacle`` report: predictions against labels exactly as the official ``evaluate.py``, with counts.

Inputs (``jasco report --task xacle [--labels GT.csv] FILE...``): each FILE is either the official
prediction layout (``wav_file_name,pred_score``: one system named after the file) or a table
scored by ``jasco score --task xacle`` (one system per model and prompt; its ``score`` column, empty
where unscored). Labels come from ``--labels`` (an official ``*_average.csv``), else from the
scored tables' own ``average_score`` column; official-layout predictions need ``--labels``. The
split (for the published rows) is the label file's (``validation_average.csv`` -> validation),
else the tables' ``split`` column. Synthetic labels (the demo set: a ``jasco_demo.json`` beside the
label file's ``meta_data/``, or ``label_source`` "synthetic") get no published rows.

Sections: ``alignment`` (SRCC, LCC, KTAU, MSE with bootstrap CIs and N per system, the published
results of the split beside them; the rows each join step dropped), ``unscored`` (per system, why
answers were unscored, from ``score_status``), ``inputs``. The CSV form is the official
``evaluation_result.csv`` (``metric,value``) for one system; for several, ``system,metric,value``.
Bad input (a missing column, a repeated ``wav_file_name``, a label outside 0-10) is a
``ReportInputError`` naming the file and line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from jasco.report.sections import ReportInputError, ReportInputs, ReportSpec, SectionRegistry, Table
from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.tables import (
    ID_COLUMN,
    LABEL_COLUMN,
    OFFICIAL_METRIC_ORDER,
    PREDICTION_COLUMN,
    SCORE_BOUNDS,
    Scores,
    format_evaluation_result,
    parse_score,
    read_csv_rows,
)

SCORE_COLUMN = "score"
GROUP_COLUMNS = ("model", "template")


@dataclass
class XacleContext:
    systems: dict[str, tuple[Scores, Scores]]  # system -> (predictions, labels)
    unscored: dict[str, Counter[str]]  # system -> reason code -> count (scored tables only)
    split: str | None
    synthetic: bool
    files: list[Path]
    labels_file: Path | None
    n_boot: int
    seed: int
    extra_inputs: dict[str, Any] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)


def _table_labels(path: Path, rows: list[Any]) -> Scores:
    labels: Scores = {}
    for row in rows:
        name = row.cells[ID_COLUMN].strip()
        value = parse_score(row.cells[LABEL_COLUMN], path, row.line, LABEL_COLUMN, SCORE_BOUNDS)
        if name in labels and labels[name] != value:
            raise XacleError(f"{path} line {row.line}: {LABEL_COLUMN} of {name!r} differs from an earlier row")
        labels[name] = value
    return labels


def _one(values: set[str], what: str, files: list[Path]) -> str | None:
    values.discard("")
    if len(values) > 1:
        raise XacleError(f"{', '.join(map(str, files))}: {what} {', '.join(sorted(values))} in one report; "
                         "report each on its own")
    return values.pop() if values else None


def _load(inputs: ReportInputs) -> XacleContext:
    from jasco.tasks.xacle.layout import DEMO_MARKER, split_of_label_file
    from jasco.tasks.xacle.tables import label_scores, read_labels, read_prediction_groups

    label_paths = [Path(p) for p in inputs.extra_inputs.get("labels", ())]
    if len(label_paths) > 1:
        raise XacleError(f"--labels is given {len(label_paths)} times; give one label file")
    given_labels = label_scores(read_labels(label_paths[0])) if label_paths else None
    systems: dict[str, tuple[Scores, Scores]] = {}
    unscored: dict[str, Counter[str]] = {}
    splits: set[str] = set()
    synthetic = bool(label_paths) and (label_paths[0].resolve().parent.parent / DEMO_MARKER).is_file()
    for path in map(Path, inputs.files):
        header, rows = read_csv_rows(path, (ID_COLUMN,))
        if PREDICTION_COLUMN not in header and SCORE_COLUMN not in header:
            hint = (" (an unscored answers table: run `jasco score --task xacle` on it first)"
                    if "answer" in header else "")
            raise XacleError(f"{path}: neither the official prediction layout ({ID_COLUMN},{PREDICTION_COLUMN}) "
                             f"nor a table scored by jasco ({ID_COLUMN},{SCORE_COLUMN}){hint}")
        if given_labels is not None:
            labels = given_labels
        elif LABEL_COLUMN in header:
            labels = _table_labels(path, rows)
        else:
            raise XacleError(f"{path}: no {LABEL_COLUMN} column to compare with: give the labels with --labels GT.csv")
        if given_labels is None:
            splits |= {row.cells.get("split", "") for row in rows}
            synthetic |= any(row.cells.get("label_source") == "synthetic" for row in rows)
        present = [column for column in GROUP_COLUMNS if column in header]
        for group, predictions in read_prediction_groups(path, SCORE_COLUMN).items():
            name = group or inputs.model or path.stem
            if name in systems:
                name = f"{name} [{path.name}]"
            systems[name] = (predictions, labels)
            if "score_status" in header:
                unscored[name] = Counter(
                    row.cells["score_status"].split(":")[1].strip() for row in rows
                    if " / ".join(row.cells[c].strip() for c in present) == group
                    and row.cells["score_status"].startswith("unscored:"))
    split = split_of_label_file(label_paths[0]) if label_paths else _one(splits, "splits", list(inputs.files))
    return XacleContext(systems, unscored, split, synthetic, list(map(Path, inputs.files)),
                        label_paths[0] if label_paths else None, inputs.n_boot, inputs.seed,
                        dict(inputs.extra_inputs))


def make_context(inputs: ReportInputs) -> XacleContext:
    try:
        return _load(inputs)
    except XacleError as error:
        raise ReportInputError(str(error)) from None


class AlignmentSection:
    key = "alignment"
    title = "Text-audio alignment against the labels"
    extra_inputs: ClassVar[dict[str, str]] = {"labels": "the official *_average.csv labels (also --labels)"}

    def build(self, context: XacleContext) -> Any:
        from jasco.tasks.xacle.metrics import XacleMetricsError
        from jasco.tasks.xacle.report import Unevaluated, evaluation_payload
        from jasco.tasks.xacle.scoring import XacleEvaluation, evaluate_predictions, join_pairs

        evaluations: dict[str, XacleEvaluation | Unevaluated] = {}
        for system, (predictions, labels) in context.systems.items():
            try:
                evaluations[system] = evaluate_predictions(labels, predictions, context.n_boot, context.seed, system)
            except XacleMetricsError as error:
                evaluations[system] = Unevaluated(join_pairs(labels, predictions)[2], f"no metric: {error}")
        return evaluation_payload(evaluations, context.split, context.synthetic)

    def tables(self, payload: Any) -> list[Table]:
        from jasco.tasks.xacle.report import evaluation_tables

        return evaluation_tables(payload)


class UnscoredSection:
    key = "unscored"
    title = "Why answers were unscored"

    def build(self, context: XacleContext) -> Any:
        if not context.unscored:
            return None
        return [{"system": system, "reasons": dict(counts.most_common())}
                for system, counts in context.unscored.items()]

    def tables(self, payload: Any) -> list[Table]:
        rows = [(entry["system"], reason, count) for entry in payload for reason, count in entry["reasons"].items()]
        rows += [(entry["system"], "(none)", 0) for entry in payload if not entry["reasons"]]
        return [Table(self.title, ("system", "reason", "answers"), rows,
                      "Reason codes of score_status (the scored table keeps each raw answer and the full reason).")]


class InputsSection:
    key = "inputs"
    title = "Inputs"

    def build(self, context: XacleContext) -> Any:
        return {"files": [str(p) for p in context.files],
                "labels": str(context.labels_file) if context.labels_file else "the scored tables' average_score",
                "split": context.split, "synthetic": context.synthetic}

    def tables(self, payload: Any) -> list[Table]:
        rows = [("predictions", path) for path in payload["files"]] + [("labels", payload["labels"])]
        return [Table(self.title, ("input", "file"), rows)]


def evaluation_result_csv(report: dict[str, Any]) -> str:
    """The official ``evaluation_result.csv`` for one system; ``system,metric,value`` rows for several."""
    results = report["alignment"]["results"]
    missing = [r["model"] for r in results if r["SRCC"] is None]
    if missing:
        raise ReportInputError(f"no metrics for {', '.join(missing)} (fewer than 2 scorable pairs): "
                               "no evaluation_result.csv")
    if len(results) == 1:
        return format_evaluation_result(results[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["system", "metric", "value"])
    for result in results:
        for key in OFFICIAL_METRIC_ORDER:
            writer.writerow([result["model"], key, int(result[key]) if key == "N" else float(result[key])])
    return buffer.getvalue()


ALIGNMENT = AlignmentSection()
UNSCORED = UnscoredSection()
INPUTS = InputsSection()
SECTIONS = SectionRegistry("xacle report section")
SECTIONS.register("alignment", "jasco.tasks.xacle.report_sections:ALIGNMENT", "official metrics, CIs, published rows")
SECTIONS.register("unscored", "jasco.tasks.xacle.report_sections:UNSCORED", "why answers were unscored")
SECTIONS.register("inputs", "jasco.tasks.xacle.report_sections:INPUTS", "the files read")

REPORT = ReportSpec(title="XACLE report", note="How well captions describe clips: predicted scores against the labels "
                    "(official evaluate.py metrics).", sections=SECTIONS, make_context=make_context,
                    csv=evaluation_result_csv)
