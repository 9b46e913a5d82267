"""The speech-quality payload as tables (text, markdown, html via the report engine) and CSV.

``result_tables(payload)`` turns ``metrics.score_table``'s payload into ``Table`` objects: the
agreement with human ratings (coverage n/total beside every row, 95% CIs), per condition, the
unscored answers by reason, and, for ``sqllm.reparse_report``, how their parse and jasco's differ.
``reference_table()`` shows the published reference numbers in ``evaluation/speech_quality/``.
``results_csv(payload)`` is one raw row per result with the CI bounds as columns.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jasco.core.paths import resource_dir
from jasco.report.formatting import ci, num, pct
from jasco.report.sections import Table

REFERENCE_FILE = "speech_quality/reference_results.json"
METRICS = ("mae", "rmse", "pearson", "spearman", "kendall")


def _keys(entry: dict[str, Any]) -> tuple[str, ...]:
    return (entry["model"], entry["family"], entry["dimension"]) if "family" in entry else (
        entry["model"], entry["dimension"])


def _key_columns(payload: dict[str, Any]) -> tuple[str, ...]:
    results = payload["results"]
    return ("model", "family", "dimension") if results and "family" in results[0] else ("model", "dimension")


def result_tables(payload: dict[str, Any]) -> list[Table]:
    keys = _key_columns(payload)
    boot = payload["bootstrap"]
    limit = payload["max_unscored"]
    rows = []
    for entry in payload["results"]:
        flag = f"unscored > {pct(limit, 0)}" if entry["flagged"] else ""
        rows.append((*_keys(entry), f"{entry['n']}/{entry['n_total']}",
                     *(f"{num(entry[m])} {ci(entry['ci'].get(m))}" for m in METRICS), flag))
    main = Table(
        "Agreement with human ratings", (*keys, "scored/total", "MAE", "RMSE", "Pearson", "Spearman", "Kendall tau-b",
                                         "flag"), rows,
        note=(f"Over the scored files of each row. [lo, hi]: {pct(boot['confidence'], 0)} file-level bootstrap "
              f"intervals ({boot['n_boot']} resamples, seed {boot['seed']}; Kendall: "
              f"{'bootstrap' if boot['kendall_ci'] == 'bootstrap' else 'Fisher-z, Fieller-Hartley-Pearson variance'})."
              f" Flagged: more than {pct(limit, 0)} of the answers unscored."),
    )
    tables = [main]
    condition_rows = [
        (*_keys(e), f"{c['n_conditions']}/{c['n_conditions_total']}", num(c["pearson"]), num(c["spearman"]),
         num(c["kendall"]), num(c["rmse"]), num(c["mae"]))
        for e in payload["results"] if (c := e.get("per_condition"))
    ]
    if condition_rows:
        tables.append(Table("Per condition", (*keys, "conditions", "Pearson", "Spearman", "Kendall tau-b", "RMSE",
                                              "MAE"), condition_rows,
                            note="Per condition (con): mean human and mean predicted value over its scored files; "
                                 "metrics across conditions, as NISQA reports."))
    unscored_rows = [
        (*_keys(e), e["n_unscored"], pct(e["unscored_share"]),
         "; ".join(f"{k} {v}" for k, v in e.get("unscored_by_status", {}).items()))
        for e in payload["results"] if e["n_unscored"]
    ]
    if unscored_rows:
        tables.append(Table("Unscored answers", (*keys, "unscored", "share", "by status"), unscored_rows,
                            note="Unscored answers are left out of the metrics, never counted as a score."))
    if "reparse" in payload:
        tables.append(_reparse_table(payload["reparse"]))
    return tables


def _reparse_table(reparse: dict[str, Any]) -> Table:
    rows = [("rows", reparse["n_rows"]), ("rows where the two differ", reparse["n_differ"]),
            ("scored by their parse only", reparse["n_only_theirs"]),
            ("scored by jasco's extractor only", reparse["n_only_jasco"]),
            ("scored by both, different values", reparse["n_both_different"])]
    return Table(f"Their y_pred and jasco's re-extraction: {reparse['model']}", ("", "count"), rows,
                 note="Both scorings are in the tables above, as '<model> (their y_pred)' and "
                      "'<model> (jasco extractor)'.")


def load_reference_results() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((resource_dir("evaluation") / REFERENCE_FILE).read_text("utf-8"))
    return data


def reference_table(reference: dict[str, Any] | None = None) -> Table:
    reference = reference or load_reference_results()
    rows = [(r["system"], r["setting"], r["family"], r["dimension"], f"{r['n']}/{r['n_total']}", num(r["mae"]),
             num(r["rmse"]), num(r["pearson"]), num(r["spearman"])) for r in reference["results"]]
    return Table("Published reference results", ("system", "setting", "family", "dimension", "scored/total", "MAE",
                                                 "RMSE", "Pearson", "Spearman"), rows,
                 note=f"{reference['note']} Source: {reference['source']}.")


CSV_COLUMNS = ("model", "family", "dimension", "n", "n_total", "n_unscored", "coverage", "flagged",
               *(f"{m}{suffix}" for m in METRICS for suffix in ("", "_ci_lo", "_ci_hi")),
               "conditions", "condition_pearson", "condition_spearman", "condition_rmse")


def results_csv(payload: dict[str, Any]) -> str:
    """One row per result, raw numbers (empty where undefined)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in payload["results"]:
        row = {key: _raw(value) for key, value in entry.items() if not isinstance(value, dict)}
        for metric in METRICS:
            lo, hi = entry["ci"].get(metric, (None, None))
            row[f"{metric}_ci_lo"], row[f"{metric}_ci_hi"] = _raw(lo), _raw(hi)
        condition = entry.get("per_condition") or {}
        row.update(conditions=condition.get("n_conditions", ""), condition_pearson=_raw(condition.get("pearson")),
                   condition_spearman=_raw(condition.get("spearman")), condition_rmse=_raw(condition.get("rmse")))
        writer.writerow(row)
    return buffer.getvalue()


def _raw(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value
