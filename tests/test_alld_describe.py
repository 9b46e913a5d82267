"""The describe half: rule extraction through an injected extractor, metrics vs human ratings."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from jasco.tasks.alld.describe import EMPTY_ANSWER, describe_metrics, score_description
from jasco.tasks.alld.errors import EvaluationError
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping
from jasco.tasks.alld.stats import regression_cis, regression_metrics
from jasco.tasks.alld.tables import describe_tables


@dataclass(frozen=True)
class Extraction:
    value: float | None
    status: str
    reason: str


class LabelledNumberExtractor:
    """A tiny rule extractor for these tests: ``<quantity>: <number>``; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str, quantity: str) -> Extraction:
        self.calls += 1
        found = re.findall(rf"\b{quantity}\s*[:=]\s*(\d+(?:\.\d+)?)", text, flags=re.IGNORECASE)
        if len(found) != 1:
            return Extraction(None, "unscored", f"{len(found)} values for {quantity}")
        return Extraction(float(found[0]), "scored", "")


def meta(name: str, mos: float, noi: float = 3.0) -> QualityMeta:
    return meta_from_mapping(name, {"mos": mos, "noi": noi, "col": 3, "dis": 3, "loud": 3}, source="test")


HUMAN = {m.file_id: m for m in (meta("a", 1.0, 2.0), meta("b", 2.0), meta("c", 3.0), meta("d", 4.0), meta("e", 5.0))}


def test_regression_metrics_hand_worked_and_against_scipy() -> None:
    result = regression_metrics([1, 2, 3, 4], [1.5, 2, 2.5, 5])
    assert result["n"] == 4
    assert result["mse"] == pytest.approx((0.25 + 0 + 0.25 + 1) / 4)
    assert result["mae"] == pytest.approx((0.5 + 0 + 0.5 + 1) / 4)
    assert result["spearman"] == pytest.approx(1.0)
    assert result["pearson"] == pytest.approx(np.corrcoef([1, 2, 3, 4], [1.5, 2, 2.5, 5])[0, 1])
    rng = np.random.default_rng(4)
    true, pred = rng.uniform(1, 5, 40), rng.uniform(1, 5, 40)
    result = regression_metrics(true, pred)
    assert result["pearson"] == pytest.approx(stats.pearsonr(true, pred).statistic)
    assert result["spearman"] == pytest.approx(stats.spearmanr(true, pred).statistic)


def test_undefined_correlations_are_nan_not_warnings() -> None:
    assert math.isnan(regression_metrics([1, 2], [1, 2])["pearson"])
    assert math.isnan(regression_metrics([1, 2, 3], [2, 2, 2])["spearman"])
    assert regression_metrics([], [])["n"] == 0
    with pytest.raises(EvaluationError, match="differ in length"):
        regression_metrics([1, 2], [1])


def test_bootstrap_intervals_bracket_the_estimates() -> None:
    rng = np.random.default_rng(0)
    true = rng.uniform(1, 5, 60)
    pred = true + rng.normal(0, 0.4, 60)
    point, cis = regression_metrics(true, pred), regression_cis(true, pred, n_boot=400, seed=2)
    for metric in ("mse", "mae", "pearson", "spearman"):
        low, high = cis[metric]
        assert low < point[metric] < high, metric
    assert regression_cis(true, pred, n_boot=400, seed=2) == cis


def test_scoring_keeps_unscored_rows_with_reasons_and_skips_empty_answers() -> None:
    extract = LabelledNumberExtractor()
    empty = score_description("m", "a", "  ", extract)
    assert extract.calls == 0 and empty.text == "  "
    assert {q.reason for q in empty.quantities.values()} == {EMPTY_ANSWER}
    scored = score_description("m", "b", "Noisy. noi: 2.5. MOS: 2.2", extract)
    assert scored.quantities["mos"].value == 2.2 and scored.quantities["noi"].value == 2.5
    assert scored.quantities["col"].value is None and scored.quantities["col"].reason == "0 values for col"
    out_of_range = score_description("m", "c", "MOS: 7", extract)
    assert out_of_range.quantities["mos"].value is None
    assert out_of_range.quantities["mos"].reason == "extracted mos 7.0 is outside 1-5"


def test_describe_metrics_per_model_and_quantity() -> None:
    extract = LabelledNumberExtractor()
    texts = {"a": "mos: 1.5 noi: 2", "b": "mos: 2", "c": "mos: 2.5", "d": "", "e": "mos: 5"}
    scores = [score_description("m", file, text, extract) for file, text in texts.items()]
    payload = describe_metrics(scores, HUMAN, n_boot=100, seed=1)
    by_quantity = {entry["quantity"]: entry for entry in payload["results"]}
    mos = by_quantity["mos"]
    assert (mos["n"], mos["n_total"], mos["coverage"]) == (4, 5, 0.8)
    assert mos["mse"] == pytest.approx((0.25 + 0 + 0.25 + 0) / 4)
    assert mos["unscored"] == {EMPTY_ANSWER: 1}
    noi = by_quantity["noi"]
    assert (noi["n"], noi["mse"], math.isnan(noi["pearson"])) == (1, 0.0, True)
    assert noi["unscored"] == {"0 values for noi": 3, EMPTY_ANSWER: 1}
    (table,) = describe_tables(payload)
    assert table.rows[0][:5] == ("m", "mos", "4/5", "80.0%", "0.125")
    assert "0.17" in table.note


def test_describe_metrics_refuses_unknown_files_and_duplicates() -> None:
    extract = LabelledNumberExtractor()
    with pytest.raises(EvaluationError, match="description of zzz by m: no human rating"):
        describe_metrics([score_description("m", "zzz", "mos: 3", extract)], HUMAN)
    twice = [score_description("m", "a", "mos: 3", extract)] * 2
    with pytest.raises(EvaluationError, match="m described a twice"):
        describe_metrics(twice, HUMAN)
