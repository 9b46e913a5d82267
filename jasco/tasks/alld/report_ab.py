"""The A/B report (``alld-ab`` and ``alld-ab-summary``): accuracy in both orders, consistency, position bias.

Input: scored ``alld-ab`` files (the ALLM's own verdict: ``choice`` / ``score_status``) or judged
``alld-ab-summary`` files (the text LLM's summary: ``summary_verdict`` / ``summary_reason``, per
judge). A judged file gives two rows per model: "<model> (summary by <judge>)", ALLD's method, and
"<model> (own verdict)", the same answers read by ``verdict.parse_allm_verdict`` (once per model,
whatever the number of judges), so the two readings stand side by side.

Sections: ``results`` (``ab.ab_metrics`` -> ``tables.ab_tables``: per model the accuracy over
scored answers with a pair-bootstrap CI, accuracy counting unscored as wrong, accuracy per order,
order-consistency, first-position share, unscored reasons; then each model's confusion table,
expected x answered) and ``inputs``. The CSV form is one row per model.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.report.sections import ReportInputError, ReportInputs, ReportSpec, SectionRegistry, Table
from jasco.tasks.alld.ab import ABAnswer
from jasco.tasks.alld.errors import AlldError
from jasco.tasks.alld.items import AB_COLUMNS
from jasco.tasks.alld.report_describe import model_name
from jasco.tasks.alld.scoring import ab_answer, text_rows
from jasco.tasks.alld.tables import ab_tables

SCORED_COLUMNS = (*AB_COLUMNS, "answer", "choice", "score_status")
JUDGED_COLUMNS = (*AB_COLUMNS, "answer", "summary_verdict", "summary_reason")
OWN, SUMMARY = "own verdict", "summary by {judge}"


@dataclass
class ABContext:
    answers: list[ABAnswer]
    files: list[Path]
    n_boot: int
    seed: int
    extra_inputs: dict[str, Any] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)


def _scored(model: str, row: dict[str, str], where: str) -> ABAnswer:
    own = ab_answer(model, row, row["answer"], row.get("infer_error", ""), where)
    if (own.choice or "") != row["choice"]:
        raise ReportInputError(f"{where}: choice {row['choice']!r} is not what the answer says ({own.choice!r}); "
                               "rescore with `jasco score --task alld-ab`")
    return own


def _summarised(model: str, judge: str, row: dict[str, str], where: str) -> ABAnswer:
    own = ab_answer(model, row, row["answer"], row.get("infer_error", ""), where)
    choice = row["summary_verdict"] or None
    if choice not in (None, "SpeechA", "SpeechB"):
        raise ReportInputError(f"{where}: summary_verdict {choice!r} is not SpeechA, SpeechB or empty")
    label = f"{model} ({SUMMARY.format(judge=judge)})"
    return ABAnswer(label, own.item_id, own.pair_id, own.order, own.expected, choice,
                    "" if choice else row["summary_reason"] or "unparsed", row["answer"])


def make_context(inputs: ReportInputs) -> ABContext:
    from jasco.core.table import TableError, read_table

    answers: list[ABAnswer] = []
    own_seen: set[tuple[str, str]] = set()
    for path in inputs.files:
        try:
            frame = read_table(path, required=AB_COLUMNS)
            judged = "summary_verdict" in frame.columns
            frame = read_table(path, required=JUDGED_COLUMNS if judged else SCORED_COLUMNS)
        except TableError as error:
            raise ReportInputError(f"{error} (a scored alld-ab file, or a judged alld-ab-summary file)") from None
        for position, row in enumerate(text_rows(frame)):
            model, where = model_name(row, inputs, path), f"{path}, row {position + 2}"
            try:
                if not judged:
                    answers.append(_scored(model, row, where))
                    continue
                judge = str(row.get("judge") or inputs.judge or Path(path).stem)
                answers.append(_summarised(model, judge, row, where))
                if (model, row["id"]) not in own_seen:
                    own_seen.add((model, row["id"]))
                    own = ab_answer(f"{model} ({OWN})", row, row["answer"], row.get("infer_error", ""), where)
                    answers.append(own)
            except AlldError as error:
                raise ReportInputError(str(error)) from None
    return ABContext(answers, list(inputs.files), inputs.n_boot, inputs.seed, dict(inputs.extra_inputs))


class ResultsSection:
    key, title = "results", "A/B: which file sounds better, both orders"

    def build(self, context: ABContext) -> Any:
        from jasco.tasks.alld.ab import ab_metrics

        try:
            return ab_metrics(context.answers, n_boot=context.n_boot, seed=context.seed)
        except AlldError as error:
            raise ReportInputError(str(error)) from None

    def tables(self, payload: Any) -> list[Table]:
        return ab_tables(payload)


class InputsSection:
    key, title = "inputs", "Inputs"

    def build(self, context: ABContext) -> Any:
        return {"files": [str(path) for path in context.files], "n_answers": len(context.answers)}

    def tables(self, payload: Any) -> list[Table]:
        return [Table(self.title, ("file",), [(path,) for path in payload["files"]])]


RESULTS, INPUTS = ResultsSection(), InputsSection()
SECTIONS = SectionRegistry("alld A/B report section")
SECTIONS.register("results", "jasco.tasks.alld.report_ab:RESULTS", "accuracy, consistency, position bias, confusion")
SECTIONS.register("inputs", "jasco.tasks.alld.report_ab:INPUTS", "the files read")


def results_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    columns = ("model", "n_total", "n_scored", "coverage", "accuracy", "accuracy_ci_lo", "accuracy_ci_hi",
               "accuracy_all", "accuracy_AB", "accuracy_BA", "consistency", "n_pairs_both_orders",
               "first_position_share")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in report["results"]["results"]:
        low, high = entry["ci"]
        writer.writerow({**entry, "accuracy_ci_lo": low, "accuracy_ci_hi": high,
                         **{f"accuracy_{order}": entry["by_order"][order]["accuracy"] for order in ("AB", "BA")}})
    return buffer.getvalue()


REPORT = ReportSpec(
    title="ALLD A/B report",
    note="An audio LLM hears two files and says which sounds better (ALLD, arXiv 2501.17202); every pair is asked "
         "in both orders. Accuracy against the higher human MOS, order-consistency and position bias.",
    sections=SECTIONS, make_context=make_context, csv=results_csv,
)
