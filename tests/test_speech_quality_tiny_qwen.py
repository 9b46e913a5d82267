"""The speech-quality task end to end on the tiny random-weight Qwen2-Audio, single- and double-ended,
through ``jasco run`` on transformers (in this process), the in-process vLLM engine (a ``jasco run``
process of its own: numba from the quality tests before this module would break an in-process
engine here) and a real vLLM OpenAI-compatible server; ``--score-mode expected`` reads the top
logprobs on vLLM and on the server.

The corpus is the demo corpus's builder (``jasco.quality.demo_corpus``) on three short real
recordings from ../shared/speech/clean, one file per condition for three conditions. Random weights
answer garbage: the tests check what every run must hold (every item asked and answered, one
scored row per asked quantity with a status, coverage in the report, the fingerprint in the
manifests) and that the three backends give the same greedy answers.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from tests.server_helpers import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

REPO = Path(__file__).resolve().parents[1]
CLEAN = REPO.parent / "shared" / "speech" / "clean"
MAX_MODEL_LEN = 1024
N_FILES = 3
TEXT = ["--task-option", "families=mos", "--task-option", "families=multi"]  # 1 + 5 quantities per file
EXPECTED = ["--task-option", "families=mos", "--score-mode", "expected"]
COMMON = ["--split", "DEMO_SIM", "--max-new-tokens", "8", "--accept-truncated", "--bootstrap", "20", "--no-progress",
          "--max-unscored", "1"]  # random weights rarely write a number: the plumbing is tested, not scores
VLLM_ENV = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jasco.quality.demo_corpus import CONDITIONS, build_demo_corpus

    sources = sorted(CLEAN.glob("arctic_a*_a000[1-3].wav"))
    assert len(sources) == N_FILES, f"clean recordings not found under {CLEAN}"
    root = tmp_path_factory.mktemp("sq-corpus")
    build_demo_corpus(sources, root, files_per_condition=1, seed=0,
                      conditions=[CONDITIONS[0], CONDITIONS[6], CONDITIONS[21]])  # clean, white 0 dB, dropouts
    return root


@pytest.fixture(scope="module")
def tiny_model(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def server(qwen2_audio_server: tuple[subprocess.Popen[bytes], str]) -> tuple[subprocess.Popen[bytes], str]:
    """The session's server (conftest; two audios per prompt), asked for first to warm up meanwhile."""
    return qwen2_audio_server


@pytest.fixture(scope="module")
def vllm_runs(server: object, corpus: Path, tiny_model: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[dict[str, tuple[Path, subprocess.Popen[str]]]]:
    """The two in-process-vLLM ``jasco run`` processes (single-ended text, double-ended expected), started
    together in the background; a test waits for the one it reads."""
    root = tmp_path_factory.mktemp("sq-vllm")
    env = {**os.environ, **VLLM_ENV, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    engine = ["--backend", "vllm", "--model-id", str(tiny_model), "--option", "enforce_eager=true",
              "--option", f"max_model_len={MAX_MODEL_LEN}", "--option", "dtype=float32"]
    started = {}
    for name, extra in (("single", TEXT), ("double", [*EXPECTED, "--with-reference"])):
        out = root / name
        command = [sys.executable, "-c", "from jasco.cli import cli; cli.main(prog_name='jasco')", "run", "--task",
                   "speech-quality", "--data-dir", str(corpus), "--model", "qwen2-audio", *engine, *COMMON, *extra,
                   "--out", str(out)]
        started[name] = (out, subprocess.Popen(command, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT))
    yield started
    for _out, process in started.values():
        if process.poll() is None:
            process.kill()
        process.wait()


def _vllm(vllm_runs: dict[str, tuple[Path, subprocess.Popen[str]]], name: str) -> Path:
    out, process = vllm_runs[name]
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-4000:]
    assert "Traceback" not in output
    return out


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, ["run", "--task", "speech-quality", *args, *COMMON])
    assert result.exit_code == 0, result.output
    return result.output


def _check_run(out: Path, answers_name: str, *, double: bool, mode: str) -> list[dict[str, str]]:
    """What every run must hold; returns the answers."""
    items = _rows(out / "items.csv")
    families = {"mos"} if mode == "expected" else {"mos", "multi"}
    assert len(items) == N_FILES * len(families) and {row["family"] for row in items} == families
    assert all(bool(row["ref_path"]) == double for row in items) and {row["excluded"] for row in items} == {""}
    answers = _rows(out / "answers" / f"{answers_name}.csv")
    assert [row["id"] for row in answers] == [row["id"] for row in items]
    assert all(row["answer"] and not row["infer_error"] for row in answers), answers
    scored = _rows(out / "scored" / f"{answers_name}.csv")
    n_quantities = N_FILES * (1 if mode == "expected" else 6)
    assert len(scored) == n_quantities and {row["score_mode"] for row in scored} == {mode}
    by_id = {row["id"]: row["answer"] for row in answers}
    for row in scored:  # a value with its status, or none with the reason; the raw text kept
        assert row["status"] and (row["y_pred"] != "" or row["reason"]), row
        assert row["raw"] == by_id[row["item_id"]], row
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    entries = [entry for entry in report["results"] if entry["n_total"]]
    assert entries and all(entry["n"] <= entry["n_total"] == N_FILES for entry in entries)
    assert {entry["dimension"] for entry in report["results"]} >= ({"mos"} if mode == "expected" else
                                                                   {"mos", "noi", "col", "dis", "loud"})
    for name in ("report.txt", "report.html"):
        assert (out / name).stat().st_size > 0
    manifest = json.loads((out / "answers" / f"{answers_name}.csv.manifest.json").read_text(encoding="utf-8"))
    flat = json.dumps(manifest)
    assert "bank_sha256" in flat and "scale_sha256" in flat
    assert manifest["arguments"]["task_options"]["with_reference"] is double
    assert manifest["arguments"]["task_options"]["score_mode"] == mode
    return answers


@pytest.fixture(scope="module")
def transformers_single(corpus: Path, tiny_model: Path, vllm_runs: object, tmp_path_factory: pytest.TempPathFactory
                        ) -> Path:
    """Single-ended on transformers (in this process), run once for the module."""
    out = tmp_path_factory.mktemp("sq-hf") / "run"
    _cli("--data-dir", str(corpus), "--model", "qwen2-audio", "--backend", "transformers", "--model-id",
         str(tiny_model), "--option", "dtype=float32", *TEXT, "--out", str(out))
    return out


def _whole_characters(answers: list[dict[str, str]]) -> list[str]:
    """The answers without U+FFFD: a token ending inside a UTF-8 sequence decodes to it in transformers
    and to nothing in vLLM's incremental detokenizer (the token ids are the same)."""
    return [row["answer"].replace("\ufffd", "") for row in answers]


def test_transformers_single_ended(transformers_single: Path) -> None:
    answers = _check_run(transformers_single, "qwen2-audio", double=False, mode="text")
    assert len({row["answer"] for row in answers if row["family"] == "mos"}) > 1  # each file heard: answers differ


def test_transformers_double_ended_hears_both_audios(corpus: Path, tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    output = _cli("--data-dir", str(corpus), "--model", "qwen2-audio", "--backend", "transformers", "--model-id",
                  str(tiny_model), "--option", "dtype=float32", *TEXT, "--with-reference", "--check-audio",
                  "--out", str(out))
    assert "audio check passed" in output and "audio 2: " in output, output
    _check_run(out, "qwen2-audio", double=True, mode="text")


def test_vllm_single_ended_matches_transformers(
    vllm_runs: dict[str, tuple[Path, subprocess.Popen[str]]], transformers_single: Path
) -> None:
    out = _vllm(vllm_runs, "single")
    answers = _check_run(out, "qwen2-audio", double=False, mode="text")
    manifest = json.loads((out / "answers" / "qwen2-audio.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["adapter"]["backend"] == "vllm"
    reference = _rows(transformers_single / "answers" / "qwen2-audio.csv")
    assert _whole_characters(answers) == _whole_characters(reference)
    assert [row["status"] for row in _rows(out / "scored" / "qwen2-audio.csv")] == [
        row["status"] for row in _rows(transformers_single / "scored" / "qwen2-audio.csv")]


def test_vllm_double_ended_expected_mode(vllm_runs: dict[str, tuple[Path, subprocess.Popen[str]]]) -> None:
    out = _vllm(vllm_runs, "double")
    answers = _check_run(out, "qwen2-audio", double=True, mode="expected")
    for row in answers:
        positions = json.loads(row["answer_logprobs"])
        assert positions and all(len(position["top"]) == 20 for position in positions)
    manifest = json.loads((out / "answers" / "qwen2-audio.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["adapter"]["engine_options"]["limit_mm_per_prompt"] == {"audio": 2}


@pytest.mark.parametrize(("name", "extra"), [("single", TEXT), ("double", [*EXPECTED, "--with-reference"])])
def test_server_matches_the_in_process_engine(
    server: tuple[subprocess.Popen[bytes], str], corpus: Path, tiny_model: Path,
    vllm_runs: dict[str, tuple[Path, subprocess.Popen[str]]], tmp_path: Path, name: str, extra: list[str],
) -> None:
    process, base_url = server
    wait_healthy(process, base_url)
    out = tmp_path / "run"
    _cli("--data-dir", str(corpus), "--model", "openai", "--model-id", str(tiny_model), "--option",
         f"base_url={base_url}", *extra, "--out", str(out))
    double = name == "double"
    answers = _check_run(out, "openai", double=double, mode="expected" if double else "text")
    engine = _rows(_vllm(vllm_runs, name) / "answers" / "qwen2-audio.csv")
    assert [row["answer"] for row in answers] == [row["answer"] for row in engine]
    if double:  # the same top logprobs at every position, to float tolerance
        for mine, theirs in zip(answers, engine, strict=True):
            got, want = json.loads(mine["answer_logprobs"]), json.loads(theirs["answer_logprobs"])
            assert [p["token"] for p in got] == [p["token"] for p in want]
            assert all(abs(a["logprob"] - b["logprob"]) < 2e-3 for a, b in zip(got, want, strict=True))
