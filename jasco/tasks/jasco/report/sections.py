"""JASCO's report: its sections in order, the page title and the CSV form.

A new JASCO section is a module with a section object (``jasco.report.sections.Section``) and one
``SECTIONS.register(...)`` line below; files it needs arrive through ``jasco report --extra
NAME=PATH`` in ``context.extra_inputs[NAME]``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from jasco.report.sections import ReportSpec, SectionRegistry

SECTIONS = SectionRegistry("JASCO report section")
SECTIONS.register("results", "jasco.tasks.jasco.report.section_core:RESULTS", "per (ALLM, judge) metrics with CIs")
SECTIONS.register("averages", "jasco.tasks.jasco.report.section_core:AVERAGES", "per ALLM, averaged over judges")
SECTIONS.register("variants", "jasco.tasks.jasco.report.section_variants:VARIANTS", "per instruction variant")
SECTIONS.register("paired", "jasco.tasks.jasco.report.section_paired:PAIRED", "paired bootstrap ALLM differences")
SECTIONS.register("agreement", "jasco.tasks.jasco.report.section_agreement:AGREEMENT", "agreement between judges")
SECTIONS.register("judge_validity", "jasco.tasks.jasco.report.section_validity:VALIDITY",
                  "judge accuracy on control answers")
SECTIONS.register("bootstrap", "jasco.tasks.jasco.report.section_core:BOOTSTRAP", "resampling settings")
SECTIONS.register("inputs", "jasco.tasks.jasco.report.section_core:INPUTS", "the judged files read")
SECTIONS.register("explorer", "jasco.tasks.jasco.report.section_explorer:EXPLORER", "every answer, per clip")

CSV_COLUMNS = ("model", "judge", "n_rows", "n_scored", "n_unscored", "n_no_answer", "n_clips_scored", "n_clips_total",
               "coverage_rows", "coverage_clips", "flagged", "best_mean", "best_mean_ci_lo", "best_mean_ci_hi",
               "best_mean_scored_only", "mean_over_variants", "audio", "both", "speech")


def register_section(key: str, target: str, summary: str = "") -> None:
    """Add a section to JASCO's report (it builds after the ones registered before it)."""
    SECTIONS.register(key, target, summary)


def unregister_section(key: str) -> None:
    """Remove a section (for tests and for callers that want a shorter report)."""
    SECTIONS.unregister(key)


def results_csv(report: dict[str, Any]) -> str:
    """The results (one row per (ALLM, judge)) then the averages (judge 'average'), raw fractions,
    each with its coverage and whether it is flagged (an average is flagged when one of its judges is)."""
    from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    averages = [{**a, "judge": "average", "flagged": bool(a["flagged_judges"]),
                 "coverage_rows": a["n_scored"] / a["n_rows"] if a["n_rows"] else None,
                 "coverage_clips": a["n_clips_scored"] / a["n_clips_total"] if a["n_clips_total"] else None}
                for a in report["averages"]]
    for entry in [*report["results"], *averages]:
        lo, hi = entry.get("best_mean_ci") or (None, None)
        writer.writerow({**entry, "best_mean_ci_lo": lo, "best_mean_ci_hi": hi,
                         **{key: entry["dependence"][key] for key in DEPENDENCE_KEYS}})
    return buffer.getvalue()


def _make_context(inputs: Any) -> Any:
    from jasco.tasks.jasco.report.context import make_context

    return make_context(inputs)


REPORT = ReportSpec(
    title="JASCO report",
    note=("What Are They Doing (arXiv 2409.14526): joint audio-speech co-reasoning. best-mean on a 0-2 scale; "
          "dependence shares exclude Neither."),
    sections=SECTIONS, make_context=_make_context, csv=results_csv,
)
