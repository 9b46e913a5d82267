"""The core report sections: inputs, bootstrap settings, per-pair results and the paper's tables.

``results``: one entry per (ALLM, judge) with the JSON contract's keys (best_mean on 0-2,
dependence shares as fractions) plus CIs, mean-over-variants, the scored-only best-mean
(secondary), and beside them their coverage: scored rows / rows and clips with a scored row /
clips, the counts of unscored and no-answer rows, and ``flagged`` when (unscored + no-answer) /
rows exceeds ``--max-unscored`` (each flag is also a line in ``report["flags"]``, which makes
``jasco report`` and ``jasco run`` exit with status 3). ``averages``: per ALLM, the mean over its
judges of each number (the paper's two tables) with the summed coverage; its CIs average the
judges' bootstrap replicates, which share the same clip resamples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jasco import __version__
from jasco.report import formatting as f
from jasco.report.bootstrap import CONFIDENCE, percentile_ci, replicate_means, replicate_shares
from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext
from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS, clip_best, clip_counts, clip_mean, pair_metrics


class InputsSection:
    key = "inputs"
    title = "Inputs"

    def build(self, context: JascoContext) -> Any:
        from jasco.core.runinfo import file_sha256

        rows = context.rows
        files = []
        for path, group in rows.groupby("file", sort=False):
            files.append({
                "path": str(path), "sha256": file_sha256(str(path)), "format": group["format"].iloc[0],
                "n_rows": len(group), "models": sorted(set(group["model"])), "judges": sorted(set(group["judge"])),
            })
        return {"jasco_version": __version__, "files": files, "n_clips": len(context.clips)}

    def tables(self, payload: Any) -> list[Table]:
        rows = [(item["path"], item["format"], item["n_rows"], ", ".join(item["models"]), ", ".join(item["judges"]))
                for item in payload["files"]]
        return [Table("Inputs", ("file", "format", "rows", "model", "judge"), rows)]


class BootstrapSection:
    key = "bootstrap"
    title = "Bootstrap"

    def build(self, context: JascoContext) -> Any:
        return {
            "n_boot": context.n_boot, "seed": context.seed, "confidence": CONFIDENCE,
            "unit": "clip", "method": "percentile", "rng": "numpy.random.default_rng(seed) (PCG64)",
            "n_clips": len(context.clips),
        }

    def tables(self, payload: Any) -> list[Table]:
        note = (f"{int(payload['confidence'] * 100)}% percentile intervals from {payload['n_boot']} resamples "
                f"of the {payload['n_clips']} clips (seed {payload['seed']}).")
        return [Table("Bootstrap", ("setting", "value"), [(k, v) for k, v in payload.items()], note)]


class ResultsSection:
    key = "results"
    title = "Results per ALLM and judge"

    def build(self, context: JascoContext) -> Any:
        results = []
        replicates: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        for grid in context.grids:
            metrics = pair_metrics(grid)
            best = replicate_means(clip_best(grid), context.indices)
            mean_variants = replicate_means(clip_mean(grid), context.indices)
            shares = replicate_shares(clip_counts(grid), context.indices)
            replicates[(grid.model, grid.judge)] = {"best_mean": best, "mean_over_variants": mean_variants, **shares}
            flagged = metrics.failed_share > context.max_unscored
            if flagged:
                context.flags.append(
                    f"model {grid.model!r}, judge {grid.judge!r}: {metrics.n_unscored} unscored + "
                    f"{metrics.n_no_answer} without an answer of {metrics.n_rows} rows "
                    f"({metrics.failed_share:.1%}) exceeds --max-unscored {context.max_unscored:.1%}")
            results.append({
                "model": grid.model, "judge": grid.judge,
                "n_rows": metrics.n_rows, "n_scored": metrics.n_scored, "n_unscored": metrics.n_unscored,
                "n_no_answer": metrics.n_no_answer,
                "n_clips": metrics.n_clips, "n_clips_unscored": metrics.n_clips_unscored,
                "n_clips_scored": metrics.n_clips_scored, "n_clips_total": metrics.n_clips_total,
                "n_neither": metrics.n_neither,
                "coverage_rows": metrics.coverage_rows, "coverage_clips": metrics.coverage_clips,
                "failed_share": metrics.failed_share, "max_unscored": context.max_unscored, "flagged": flagged,
                "best_mean": metrics.best_mean, "best_mean_ci": percentile_ci(best),
                "best_mean_scored_only": metrics.best_mean_scored_only,
                "mean_over_variants": metrics.mean_over_variants,
                "mean_over_variants_ci": percentile_ci(mean_variants),
                "dependence": metrics.dependence,
                "dependence_ci": {key: percentile_ci(shares[key]) for key in DEPENDENCE_KEYS},
            })
        context.scratch["replicates"] = replicates
        return results

    def tables(self, payload: Any) -> list[Table]:
        rows = [(
            r["model"], r["judge"], f.num(r["best_mean"]), f.ci(r["best_mean_ci"]), f.num(r["mean_over_variants"]),
            f.pct(r["dependence"]["audio"]), f.pct(r["dependence"]["both"]), f.pct(r["dependence"]["speech"]),
            coverage(r["n_scored"], r["n_rows"]), coverage(r["n_clips_scored"], r["n_clips_total"]),
            r["n_unscored"], r["n_no_answer"], f.num(r["best_mean_scored_only"]), flag(r["flagged"]),
        ) for r in payload]
        columns = ("model", "judge", "best-mean", "95% CI", "mean-over-variants", "Audio%", "Both%", "Speech%",
                   "scored rows", "clips scored", "unscored", "no answer", "best-mean (scored only)", "flag")
        note = ("best-mean: mean over clips of the best variant's (rating if Both else 0), 0-2; a row without an "
                "answer (rating 0, Neither) and a row whose judge verdict did not parse (upstream's '?') count 0. "
                "Coverage: scored rows / rows, clips with a scored row / clips. best-mean (scored only) leaves out "
                "every row the judge did not score (secondary). Dependence shares exclude Neither. "
                f"FLAGGED: unscored + no-answer rows above --max-unscored ({_threshold(payload)}).")
        return [Table(self.title, columns, rows, note)]


SUMMED = ("n_rows", "n_scored", "n_unscored", "n_no_answer")  # averages: coverage counts summed over judges


def coverage(part: int, whole: int) -> str:
    """'612/640 (95.6%)'."""
    return f"{part}/{whole} ({f.pct(part / whole) if whole else '-'})"


def flag(flagged: bool) -> str:
    return "FLAGGED" if flagged else ""


def _threshold(payload: list[dict[str, Any]]) -> str:
    return f.pct(payload[0]["max_unscored"]) if payload else "-"


def _coverage_cells(entry: dict[str, Any]) -> tuple[str, str, int, int]:
    return (coverage(entry["n_scored"], entry["n_rows"]), coverage(entry["n_clips_scored"], entry["n_clips_total"]),
            entry["n_unscored"], entry["n_no_answer"])


def _flags(entry: dict[str, Any]) -> str:
    return f"FLAGGED ({', '.join(entry['flagged_judges'])})" if entry["flagged_judges"] else ""


def _mean(values: list[float]) -> float:
    kept = [value for value in values if value is not None and not np.isnan(value)]
    return float(np.mean(kept)) if kept else float("nan")


def _mean_replicates(arrays: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(arrays)
    kept = np.isfinite(stacked)
    totals = np.where(kept, stacked, 0.0).sum(axis=0)
    counts = kept.sum(axis=0)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


class AveragesSection:
    key = "averages"
    title = "Per ALLM, averaged over judges"

    def html(self, report: dict[str, Any], options: Any) -> str:
        """The stacked bar chart of modality dependence, after the tables."""
        from jasco.tasks.jasco.report.html import dependence_chart

        return dependence_chart(report, options)

    def build(self, context: JascoContext) -> Any:
        results = context.built["results"]
        replicates = context.scratch["replicates"]
        averages = []
        for model in context.models:
            mine = [r for r in results if r["model"] == model]
            reps = [replicates[(model, r["judge"])] for r in mine]
            averages.append({
                "model": model, "judges": [r["judge"] for r in mine], "n_judges": len(mine),
                **{key: sum(r[key] for r in mine) for key in SUMMED},
                "n_clips_total": len(context.clips),
                "n_clips_scored": int(np.logical_and.reduce([grid.judged.any(axis=1) for grid in context.grids
                                                             if grid.model == model]).sum()),
                "flagged_judges": [r["judge"] for r in mine if r["flagged"]],
                "best_mean": _mean([r["best_mean"] for r in mine]),
                "best_mean_scored_only": _mean([r["best_mean_scored_only"] for r in mine]),
                "best_mean_ci": percentile_ci(_mean_replicates([rep["best_mean"] for rep in reps])),
                "mean_over_variants": _mean([r["mean_over_variants"] for r in mine]),
                "dependence": {key: _mean([r["dependence"][key] for r in mine]) for key in DEPENDENCE_KEYS},
                "dependence_ci": {
                    key: percentile_ci(_mean_replicates([rep[key] for rep in reps])) for key in DEPENDENCE_KEYS
                },
            })
        return averages

    def tables(self, payload: Any) -> list[Table]:
        best = [(a["model"], f.num(a["best_mean"]), f.ci(a["best_mean_ci"]), f.num(a["mean_over_variants"]),
                 a["n_judges"], *_coverage_cells(a), f.num(a["best_mean_scored_only"]), _flags(a))
                for a in payload]
        dependence = [(a["model"], *(f"{f.pct(a['dependence'][k])} {f.ci(a['dependence_ci'][k], 1, True)}"
                                     for k in DEPENDENCE_KEYS), *_coverage_cells(a), _flags(a)) for a in payload]
        coverage_columns = ("scored rows", "clips scored", "unscored", "no answer")
        note = ("Coverage summed over judges: scored rows / rows; clips scored by every judge / clips. "
                "Unscored and no-answer rows count 0 in best-mean.")
        return [
            Table("best-mean (average over judges)",
                  ("model", "best-mean", "95% CI", "mean-over-variants", "judges", *coverage_columns,
                   "best-mean (scored only)", "flag"),
                  best, "The paper's first table, with bootstrap CIs. " + note),
            Table("Modality dependence (average over judges)",
                  ("model", "Audio-Dependence%", "Both-Dependence%", "Speech-Dependence%", *coverage_columns, "flag"),
                  dependence,
                  "The paper's second table; [95% CI]. Shares of Audio/Both/Speech-oriented answers, "
                  "Neither excluded. " + note),
        ]


INPUTS = InputsSection()
BOOTSTRAP = BootstrapSection()
RESULTS = ResultsSection()
AVERAGES = AveragesSection()
