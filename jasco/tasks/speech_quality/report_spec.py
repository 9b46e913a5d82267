"""The speech-quality report: its sections, in order, and its CSV form (``REPORT``).

- ``results``: the JSON contract, a list of ``{model, family, dimension, n, n_total, mae, rmse,
  pearson, spearman, kendall, ci, per_condition, coverage, flagged, ...}`` (``metrics.score_table``);
  shown as the agreement table (coverage n/total beside every row, 95% file-level bootstrap CIs,
  the ``--max-unscored`` flag), per condition, and the unscored answers by reason.
- ``not_asked``: rows left out before asking, per model, family and reason (e.g. NISQA_TEST_LIVETALK
  under ``--with-reference``, audio over a model's window), with their file counts.
- ``reparse``: SpeechQualityLLM files re-extracted with jasco's extractor (``--reparse``).
- ``reference``: SpeechQualityLLM's published numbers, and beside them this report's results for
  the same family, dimension and setting when the files are the NISQA test sets.
- ``scatter``: predicted vs human per (model, family, dimension), drawn on the HTML page.
- ``inputs``: the files read, the bootstrap, the unscored limit and what was flagged.

The CSV form is one raw row per result (``report.results_csv``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from jasco.report import formatting as f
from jasco.report.sections import ReportSpec, SectionRegistry, Table
from jasco.tasks.speech_quality.corpus import TEST_SPLITS
from jasco.tasks.speech_quality.report_context import SpeechQualityContext, make_context

# this task's family / setting -> SpeechQualityLLM's task / setting in evaluation/speech_quality/
PUBLISHED_FAMILY = {"mos": "mos_numeric", "multi": "multi_dim", "explanatory": "explanatory"}
PUBLISHED_SETTING = {"single": "NoReference", "double": "Reference"}


class ResultsSection:
    key = "results"
    title = "Agreement with human ratings"

    def build(self, context: SpeechQualityContext) -> Any:
        from jasco.report.sections import ReportInputError
        from jasco.tasks.speech_quality.metrics import ScoresError, score_table

        if context.scores.empty:
            return []
        try:
            payload = score_table(context.scores, n_boot=context.n_boot, seed=context.seed,
                                  max_unscored=context.max_unscored)
        except ScoresError as error:
            raise ReportInputError(str(error)) from None
        context.built["_method"] = {k: payload[k] for k in ("bootstrap", "n_files", "max_unscored", "flagged")}
        for entry in payload["results"]:
            entry["max_unscored"] = payload["max_unscored"]
            entry["bootstrap"] = payload["bootstrap"]
            if entry["flagged"]:
                context.flags.append(f"{entry['model']} / {entry['family']} / {entry['dimension']}: "
                                     f"{f.pct(entry['unscored_share'])} unscored, over --max-unscored "
                                     f"{f.pct(entry['max_unscored'])}")
        return payload["results"]

    def tables(self, payload: Any) -> list[Table]:
        from jasco.tasks.speech_quality.report import result_tables

        if not payload:
            return [Table(self.title, ("",), [("no asked rows in the input files",)])]
        return result_tables({"results": payload, "bootstrap": payload[0]["bootstrap"],
                              "max_unscored": payload[0]["max_unscored"]})


class NotAskedSection:
    key = "not_asked"
    title = "Not asked"

    def build(self, context: SpeechQualityContext) -> Any:
        if context.excluded.empty:
            return None
        rows = []
        for (model, family, reason), group in context.excluded.groupby(["model", "family", "reason"], sort=True):
            rows.append({"model": str(model), "family": str(family), "reason": str(reason),
                         "n_files": int(group["file"].nunique()), "n_rows": len(group)})
        return rows

    def tables(self, payload: Any) -> list[Table]:
        rows = [(r["model"], r["family"], r["n_files"], r["reason"]) for r in payload]
        return [Table(self.title, ("model", "family", "files", "reason"), rows,
                      note="Left out before asking, never counted as unscored: in no metric and no denominator.")]


class ReparseSection:
    key = "reparse"
    title = "SpeechQualityLLM's parse and jasco's"

    def build(self, context: SpeechQualityContext) -> Any:
        return context.reparse or None

    def tables(self, payload: Any) -> list[Table]:
        from jasco.tasks.speech_quality.report import _reparse_table

        return [_reparse_table(summary) for summary in payload]


class ReferenceSection:
    key = "reference"
    title = "Published reference results"

    def build(self, context: SpeechQualityContext) -> Any:
        from jasco.tasks.speech_quality.report import load_reference_results

        reference = load_reference_results()
        nisqa_test = bool(len(context.scores)) and (
            set(context.scores["db"].dropna().astype(str)) <= set(TEST_SPLITS) if "db" in context.scores else False)
        beside = []
        for entry in context.built.get("results", []) if nisqa_test else []:
            settings = context.settings.get(entry["model"], set())
            setting = PUBLISHED_SETTING.get(next(iter(settings)), "") if len(settings) == 1 else ""
            family = PUBLISHED_FAMILY.get(entry["family"], entry["family"])
            for published in reference["results"]:
                if (published["setting"], published["family"], published["dimension"]) == (
                        setting, family, entry["dimension"]):
                    beside.append({"model": entry["model"], "family": entry["family"], "dimension": entry["dimension"],
                                   "setting": setting, "n": entry["n"], "n_total": entry["n_total"],
                                   "mae": entry["mae"], "pearson": entry["pearson"], "published": published})
        return {"published": reference, "beside": beside, "comparable": nisqa_test}

    def tables(self, payload: Any) -> list[Table]:
        from jasco.tasks.speech_quality.report import reference_table

        tables = [reference_table(payload["published"])]
        if payload["beside"]:
            rows = [(b["model"], b["family"], b["dimension"], b["setting"], f"{b['n']}/{b['n_total']}", f.num(b["mae"]),
                     f.num(b["pearson"]), f"{b['published']['n']}/{b['published']['n_total']}",
                     f.num(b["published"]["mae"]), f.num(b["published"]["pearson"])) for b in payload["beside"]]
            tables.append(Table("This report beside SpeechQualityLLM", (
                "model", "family", "dimension", "setting", "scored/total", "MAE", "Pearson", "theirs scored/total",
                "their MAE", "their Pearson"), rows, note="Same NISQA test sets, family and setting; theirs from "
                                                         "evaluation/speech_quality/reference_results.json."))
        elif not payload["comparable"]:
            tables[0] = Table(tables[0].title, tables[0].columns, tables[0].rows,
                              note=tables[0].note + " Not comparable with this report's numbers: these files are not "
                                                    "(all) the NISQA test sets.")
        return tables


class ScatterSection:
    key = "scatter"
    title = "Predicted vs human ratings"

    def build(self, context: SpeechQualityContext) -> Any:
        from jasco.tasks.speech_quality.plot import scatter_points

        return scatter_points(context.scores) if not context.scores.empty else None

    def tables(self, payload: Any) -> list[Table]:
        return []

    def html(self, report: dict[str, Any], options: Any) -> str:
        from jasco.tasks.speech_quality.plot import scatter_html

        return scatter_html(report[self.key])


class InputsSection:
    key = "inputs"
    title = "Inputs and method"

    def build(self, context: SpeechQualityContext) -> Any:
        method = context.built.get("_method", {})
        statuses = Counter(context.scores["status"].astype(str)) if not context.scores.empty else Counter()
        return {"files": context.sources, "n_files_rated": method.get("n_files", 0),
                "bootstrap": method.get("bootstrap"), "max_unscored": context.max_unscored,
                "flagged": context.flags, "statuses": dict(sorted(statuses.items()))}

    def tables(self, payload: Any) -> list[Table]:
        files = Table("Input files", ("file", "layout", "models", "rows"),
                      [(s["path"], s["layout"], ", ".join(s["models"]), s["rows"]) for s in payload["files"]])
        flagged = "; ".join(payload["flagged"]) or "none"
        method = Table("Method", ("setting", "value"), [
            ("rated audio files", payload["n_files_rated"]),
            ("--max-unscored", f.pct(payload["max_unscored"])), ("flagged", flagged),
            ("statuses", "; ".join(f"{k} {v}" for k, v in payload["statuses"].items()))])
        return [files, method]


RESULTS = ResultsSection()
NOT_ASKED = NotAskedSection()
REPARSE = ReparseSection()
REFERENCE = ReferenceSection()
SCATTER = ScatterSection()
INPUTS = InputsSection()
SECTIONS = SectionRegistry("speech-quality report section")
SECTIONS.register("results", "jasco.tasks.speech_quality.report_spec:RESULTS", "metrics per model x dimension")
SECTIONS.register("not_asked", "jasco.tasks.speech_quality.report_spec:NOT_ASKED", "rows left out before asking")
SECTIONS.register("reparse", "jasco.tasks.speech_quality.report_spec:REPARSE", "their parse vs jasco's")
SECTIONS.register("reference", "jasco.tasks.speech_quality.report_spec:REFERENCE", "published numbers beside")
SECTIONS.register("scatter", "jasco.tasks.speech_quality.report_spec:SCATTER", "scatter plots (HTML)")
SECTIONS.register("inputs", "jasco.tasks.speech_quality.report_spec:INPUTS", "files, bootstrap, flags")


def results_csv(report: dict[str, Any]) -> str:
    from jasco.tasks.speech_quality.report import results_csv as payload_csv

    return payload_csv({"results": report.get("results", [])})


REPORT = ReportSpec(
    title="speech-quality report",
    note="Predicted vs human quality ratings (MOS, noisiness, coloration, discontinuity, loudness; 1-5, higher is "
         "better), per model, question family and dimension. Coverage beside every figure.",
    sections=SECTIONS, make_context=make_context, csv=results_csv,
)
