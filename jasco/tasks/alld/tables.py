"""Report tables of the ALLD evaluation payloads (``payload -> list[Table]``), for every renderer.

Each headline figure stands beside its denominator and the count of unscored answers. The
integrator registers these as report sections; the page's confusion table is ``ab_tables``'s
second table per model and example descriptions come from ``example_rows``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from jasco.core.paths import resource_dir
from jasco.report.formatting import ci, num, pct
from jasco.report.sections import Table
from jasco.tasks.alld.ab import UNPARSED_COLUMN
from jasco.tasks.alld.pairs import CHOICES, ORDERS

PUBLISHED_FILE = "alld_published.json"


@cache
def published_note() -> str:
    """One sentence with ALLD's published numbers, from ``evaluation/alld_published.json``."""
    data = json.loads((resource_dir("evaluation") / PUBLISHED_FILE).read_text(encoding="utf-8"))
    describe, ab = data["describe"], data["ab"]
    return (f"ALLD (ICLR 2025) reports MOS MSE {describe['mos_mse']:g}, A/B accuracy {ab['accuracy_percent']:g}%, "
            f"BLEU {describe['bleu']:g} (descriptions) and {ab['bleu']:g} (A/B).")


def _unscored(counts: Mapping[str, int]) -> str:
    return "; ".join(f"{reason}: {count}" for reason, count in counts.items()) or "-"


def describe_tables(payload: Mapping[str, Any]) -> list[Table]:
    """One row per model and quantity: coverage, MSE, MAE, Pearson, Spearman with 95% CIs."""
    rows = [
        (entry["model"], entry["quantity"], f"{entry['n']}/{entry['n_total']}", pct(entry["coverage"]),
         num(entry["mse"]), ci(entry["ci"]["mse"]), num(entry["mae"]), num(entry["pearson"]),
         ci(entry["ci"]["pearson"]), num(entry["spearman"]), ci(entry["ci"]["spearman"]), _unscored(entry["unscored"]))
        for entry in payload["results"]
    ]
    return [Table(
        "Describe: extracted ratings vs human ratings",
        ("model", "quantity", "scored", "coverage", "MSE", "MSE 95% CI", "MAE", "Pearson", "Pearson 95% CI",
         "Spearman", "Spearman 95% CI", "unscored"),
        rows,
        note=f"Metrics over scored files; bootstrap over files ({payload['n_boot']} resamples). {published_note()}",
    )]


def text_quality_tables(payload: Mapping[str, Any]) -> list[Table]:
    """BLEU (with sacrebleu's signature) and embedding similarity per model."""
    rows = []
    for entry in payload["results"]:
        bleu, similarity = entry["bleu"], entry.get("similarity")
        rows.append((
            entry["model"], bleu["n"], bleu.get("n_empty", 0), num(bleu["bleu"], 1),
            num(similarity["mean"]) if similarity else "n/a",
            f"{similarity['n']}/{similarity['n_total']}" if similarity else "n/a", bleu.get("signature", ""),
        ))
    return [Table(
        "Describe: descriptions vs the LLM-generated references",
        ("model", "descriptions", "empty", "BLEU", "similarity", "similarity scored", "BLEU signature"),
        rows,
        note="Corpus BLEU (sacrebleu, 0-100; empty descriptions stay in as empty outputs); cosine similarity "
             "of all-MiniLM-L6-v2 embeddings to the first reference, mean over non-empty descriptions.",
    )]


def ab_tables(payload: Mapping[str, Any]) -> list[Table]:
    """A summary row per model, then each model's confusion table (expected x answered)."""
    summary_rows = []
    for entry in payload["results"]:
        by_order = entry["by_order"]
        summary_rows.append((
            entry["model"], f"{entry['n_scored']}/{entry['n_total']}", pct(entry["accuracy"]),
            ci(entry["ci"], digits=1, percent=True), pct(entry["accuracy_all"]),
            *(pct(by_order[order]["accuracy"]) for order in ORDERS),
            f"{pct(entry['consistency'])} of {entry['n_pairs_both_orders']}", pct(entry["first_position_share"]),
            _unscored(entry["unscored"]),
        ))
    tables = [Table(
        "A/B: which file sounds better, both orders",
        ("model", "scored", "accuracy", "95% CI", "accuracy (unscored wrong)", "accuracy AB", "accuracy BA",
         "order-consistency (pairs)", "first-position share", "unscored"),
        summary_rows,
        note="Accuracy over scored answers against the higher human MOS; CI by bootstrap over pairs. "
             "Order-consistency: same file chosen in both orders. First-position share 50% = no position bias. "
             + published_note(),
    )]
    for entry in payload["results"]:
        confusion = entry["confusion"]
        tables.append(Table(
            f"A/B confusion: {entry['model']}", ("expected \\ answered", *CHOICES, UNPARSED_COLUMN),
            [(expected, *(confusion[expected][column] for column in (*CHOICES, UNPARSED_COLUMN)))
             for expected in CHOICES],
        ))
    return tables


def example_rows(
    descriptions: Mapping[str, str], references: Mapping[str, Sequence[str]], *, limit: int = 3,
) -> Table:
    """The first ``limit`` described files (by id) with the description next to its reference."""
    files = sorted(file for file in descriptions if file in references)[:limit]
    return Table("Example descriptions and their references", ("file", "description", "reference"),
                 [(file, descriptions[file], next(iter(references[file]), "")) for file in files])
