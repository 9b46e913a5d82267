"""XACLE end to end on the tiny random-weight Qwen2-Audio: the demo set through `jasco run` on the
in-process vLLM engine and on a real vLLM OpenAI-compatible server, in text and expected modes.

The answers are constrained to a whole number 0-10 (a random-weight model writes no number on its
own); the expected scores from the two backends must agree within float tolerance, each must be
the expectation over the digit tokens at the answer position, and every scored pair goes into the
official submission. One engine serves the whole module; the server is the session's (conftest).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from jasco.cli import cli
from tests.server_helpers import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

MAX_MODEL_LEN = 1024
N_ITEMS = 3

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


@pytest.fixture(scope="module")
def tiny_model(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def server(qwen2_audio_server: tuple[subprocess.Popen[bytes], str]) -> tuple[subprocess.Popen[bytes], str]:
    """The session's real vLLM OpenAI-compatible server (conftest), asked for first so it warms up meanwhile."""
    return qwen2_audio_server


@pytest.fixture(scope="module")
def demo(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory, server: object) -> Path:
    dest = tmp_path_factory.mktemp("xacle-models") / "demo"
    result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "xacle-demo", "--source", str(upstream_dir),
                                      "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    return dest


def run(out: Path, demo: Path, model_args: list[str], *task_args: str) -> Result:
    return CliRunner().invoke(cli, [
        "run", "--task", "xacle", *model_args, "--data-dir", str(demo), "--limit", str(N_ITEMS),
        "--max-new-tokens", "4", "--task-option", "constrain=true", "--bootstrap", "20", "--no-progress",
        "--out", str(out), *task_args])


EXPECTED = ("--score-mode", "expected", "--task-option", "max_ambiguous=1")


def scored(out: Path) -> pd.DataFrame:
    (path,) = (out / "scored").glob("*.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def vllm_expected(tiny_model: Path, demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xacle-vllm") / "run"
    result = run(out, demo, ["--model", "qwen2-audio", "--backend", "vllm", "--model-id", str(tiny_model),
                             "--option", "dtype=float32", "--option", f"max_model_len={MAX_MODEL_LEN}",
                             "--option", "enforce_eager=true"], *EXPECTED)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def server_args(tiny_model: Path, server: tuple[subprocess.Popen[bytes], str]) -> list[str]:
    process, base_url = server
    wait_healthy(process, base_url)
    return ["--model", "openai", "--model-id", str(tiny_model), "--option", f"base_url={base_url}",
            "--option", "max_retries=0"]


def expectation(positions_json: str) -> float:
    """The mean of the digits at the first position, weighted by their renormalised probabilities."""
    first = json.loads(positions_json)[0]
    digits: dict[int, float] = {}
    for token, logprob in [*first["top"], [first["token"], first["logprob"]]]:
        if token.strip().isdigit():
            digits[int(token.strip())] = math.exp(logprob)  # the generated token repeats one in the top-k
    return sum(score * p for score, p in digits.items()) / sum(digits.values())


def test_expected_mode_on_vllm_scores_every_pair_and_writes_the_submission(vllm_expected: Path) -> None:
    table = scored(vllm_expected)
    assert len(table) == N_ITEMS and set(table["score_status"]) == {"ok"}, table["score_status"].tolist()
    assert set(table["tokenization"]) == {"digits"}  # the Qwen2-style tokenizer has no multi-digit token
    for _, row in table.iterrows():
        assert row["answer"].strip().isdigit() and float(row["text_score"]) == int(row["answer"])
        assert float(row["score"]) == pytest.approx(expectation(row["answer_logprobs"]), abs=1e-9)
        assert float(row["score"]) != float(row["text_score"])  # continuous, not the integer answer
    (submission,) = (vllm_expected / "submissions").glob("*.csv")
    written = pd.read_csv(submission)
    assert written.columns.tolist() == ["wav_file_name", "pred_score"]
    assert written["pred_score"].tolist() == [round(float(s), 2) for s in table["score"]]
    report = json.loads((vllm_expected / "report.json").read_text())
    (result,) = report["alignment"]["results"]
    assert result["N"] == N_ITEMS and report["alignment"]["synthetic"] is True
    assert report["alignment"]["references"] == []  # synthetic labels: no published rows


def test_the_server_gives_the_same_expected_scores(
    vllm_expected: Path, server_args: list[str], demo: Path, tmp_path: Path
) -> None:
    result = run(tmp_path / "run", demo, server_args, *EXPECTED)
    assert result.exit_code == 0, result.output
    over_http, in_process = scored(tmp_path / "run"), scored(vllm_expected)
    assert over_http["answer"].tolist() == in_process["answer"].tolist()
    assert set(over_http["score_status"]) == {"ok"}
    assert over_http["score"].astype(float).tolist() == pytest.approx(
        in_process["score"].astype(float).tolist(), abs=1e-4)


def test_text_mode_through_the_server(server_args: list[str], demo: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "run", demo, server_args)
    assert result.exit_code == 0, result.output
    table = scored(tmp_path / "run")
    assert "answer_logprobs" not in table.columns and "tokenization" not in table.columns
    assert table["score"].tolist() == [f"{float(answer):.1f}" for answer in table["answer"]]
    assert set(table["score_status"]) == {"ok"}
    (submission,) = (tmp_path / "run" / "submissions").glob("*.csv")
    assert pd.read_csv(submission)["pred_score"].tolist() == table["score"].astype(float).tolist()
