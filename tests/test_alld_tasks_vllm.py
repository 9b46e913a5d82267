"""The ALLD tasks end to end on the demo corpus with the tiny random-weight Qwen2-Audio on in-process vLLM.

Describe (one audio per request) and A/B (two audios per request, both orders), the A/B summary
by a tiny random text judge on vLLM, then the rule-scored A/B from the same answers store (no
engine, no call). Random weights write garbage: the tests check the plumbing, the counts and
the explicit unscored rows, never content.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from jasco.tasks.alld.prompts import summary_prompt
from tests.alld_helpers import build_small_demo, invoke

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
ALLM = ("--model", "qwen2-audio", "--backend", "vllm", "--option", "enforce_eager=true", "--option",
        "max_model_len=1024", "--option", "dtype=float32", "--max-new-tokens", "8", "--accept-truncated")
COMMON = ("--split", "DEMO_SIM", "--no-progress", "--bootstrap", "20", "--max-unscored", "1")  # random weights


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_demo(tmp_path_factory.mktemp("alld-demo"))


@pytest.fixture(scope="module")
def tiny_allm(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def tiny_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jasco.testing.tiny_text import build_tiny_chat_model

    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-summariser"), vocab_size=1000,
                                 corpus=[summary_prompt("SpeechA is better than SpeechB.")], tie_word_embeddings=False)


def run(task: str, corpus: Path, model: Path, out: Path, *args: Any) -> dict[str, Any]:
    result = invoke("run", "--task", task, "--data-dir", corpus, *COMMON, *ALLM, "--model-id", model, "--out", out,
                    *args)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def test_describe_on_vllm(corpus: Path, tiny_allm: Path, tmp_path: Path) -> None:
    report = run("alld-describe", corpus, tiny_allm, tmp_path)
    mos = next(entry for entry in report["results"]["results"] if entry["quantity"] == "mos")
    assert mos["model"] == str(tiny_allm) and mos["n_total"] == 6
    assert mos["n"] + sum(mos["unscored"].values()) == 6  # every description scored or unscored with a reason
    manifest = json.loads((tmp_path / "answers" / "qwen2-audio.csv.manifest.json").read_text())
    assert manifest["counts"]["generated_now"] == 6 and manifest["adapter"]["backend"] == "vllm"
    rows = list(csv.DictReader((tmp_path / "scored" / "qwen2-audio.csv").open()))
    assert len(rows) == 6 and all(row["infer_error"] == "" for row in rows)
    assert all(row["score_status"] == "ok" or row["score_status"].startswith("unscored: ") for row in rows)


def test_ab_two_audios_on_vllm_summarised_by_a_text_llm_then_scored_by_rule(
    corpus: Path, tiny_allm: Path, tiny_judge: Path, tmp_path: Path,
) -> None:
    judge = ("--judges", str(tiny_judge), "--judge-backend", "vllm", "--judge-option", "enforce_eager=true",
             "--judge-option", "max_model_len=2048", "--judge-option", "dtype=float32", "--judge-max-tokens", "6")
    report = run("alld-ab-summary", corpus, tiny_allm, tmp_path, "--pairs", "2", *judge)
    entries = {entry["model"]: entry for entry in report["results"]["results"]}
    assert set(entries) == {f"{tiny_allm} (own verdict)", f"{tiny_allm} (summary by {tiny_judge})"}
    assert all(entry["n_total"] == 4 for entry in entries.values())
    answers = list(csv.DictReader((tmp_path / "answers" / "qwen2-audio.csv").open()))
    assert [row["order"] for row in answers] == ["AB", "BA", "AB", "BA"]
    assert all(row["audio_a"] != row["audio_b"] and row["infer_error"] == "" for row in answers)
    (judged_csv,) = (tmp_path / "judged" / "qwen2-audio").glob("*.csv")
    judged = list(csv.DictReader(judged_csv.open()))
    assert all(row["summary_status"] in ("parsed", "unparsed") for row in judged) and len(judged) == 4

    # the rule-scored task on the same items reuses every stored answer: no engine, no call
    report = run("alld-ab", corpus, tiny_allm, tmp_path, "--pairs", "2")
    (entry,) = report["results"]["results"]
    assert entry["model"] == str(tiny_allm) and entry["n_total"] == 4
    assert entry["n_scored"] + sum(entry["unscored"].values()) == 4
    manifest = json.loads((tmp_path / "answers" / "qwen2-audio.csv.manifest.json").read_text())
    assert (manifest["counts"]["generated_now"], manifest["counts"]["from_store"]) == (0, 4)
