"""``jasco run`` end to end and ``jasco judge-check``: control answers with the offline
similarity judge, and the tiny random Qwen2-Audio with a tiny vLLM judge, killed and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli

REPO = Path(__file__).resolve().parents[1]
CONTROLS = ("reference", "audio-only", "speech-only", "describe-only")


def test_run_on_control_answers_with_the_similarity_judge(tmp_path: Path, upstream_dir: Path) -> None:
    args = ["run", "--model", ",".join(CONTROLS), "--judges", "similarity", "--out", str(tmp_path),
            "--data-dir", str(upstream_dir), "--limit", "40", "--bootstrap", "50", "--no-progress"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"report: {tmp_path / 'report.html'}" in first.output
    report = json.loads((tmp_path / "report.json").read_text())
    averages = {entry["model"]: entry for entry in report["averages"]}
    assert set(averages) == set(CONTROLS)
    # 40 items = 5 clips x 8 variants; the similarity proxy gets every control right on them.
    assert averages["reference"]["best_mean"] == 2.0
    assert averages["reference"]["dependence"] == {"audio": 0.0, "both": 1.0, "speech": 0.0}
    assert averages["audio-only"]["dependence"]["audio"] == 1.0
    assert averages["speech-only"]["dependence"]["speech"] == 1.0
    assert averages["describe-only"]["best_mean"] == 0.0
    assert all(r["n_rows"] == 40 and r["n_unscored"] == 0 for r in report["results"])
    manifest = json.loads((tmp_path / "run.manifest.json").read_text())
    assert manifest["arguments"]["judges"] == ["similarity"] and manifest["problems"] == []

    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("up to date, skipped") == 8  # 4 infer + 4 judge stages
    assert json.loads((tmp_path / "report.json").read_text())["averages"] == report["averages"]


def test_judge_check_on_the_similarity_proxy(tmp_path: Path, upstream_dir: Path) -> None:
    result = CliRunner().invoke(cli, [
        "judge-check", "--judge", "similarity", "--data-dir", str(upstream_dir), "--out", str(tmp_path),
        "--no-progress", "--format", "json", "--min-accuracy", "0.97",
    ])
    assert result.exit_code == 0, result.output
    check = json.loads((tmp_path / "check.json").read_text())
    # Measured 320/320 on both (thresholds were set on these controls): the floor leaves 3% slack.
    assert check["n"] == 320 and check["rating_accuracy"] >= 0.97 and check["orientation_accuracy"] >= 0.97
    assert sorted(check["per_control"]) == sorted(CONTROLS)
    judged = [Path(p) for p in check["judged_files"]]
    assert all(p.is_file() for p in judged)

    report = CliRunner().invoke(cli, ["report", str(judged[0]), "--format", "json", "--bootstrap", "20",
                                      *[arg for p in judged for arg in ("--extra", f"controls={p}")]])
    assert report.exit_code == 0, report.output
    validity = json.loads(report.output)["judge_validity"]
    assert validity[0]["judge"] == "similarity" and validity[0]["n"] == 320


def test_judge_check_fails_below_the_floor(tmp_path: Path, upstream_dir: Path) -> None:
    """The fake judge answers one fixed verdict, so at most one control can be right."""
    result = CliRunner().invoke(cli, [
        "judge-check", "--judge", "fake", "--backend", "fake", "--data-dir", str(upstream_dir),
        "--out", str(tmp_path), "--no-progress", "--min-accuracy", "0.5",
    ])
    assert result.exit_code == 1, result.output
    assert "below --min-accuracy 0.5" in result.output


@pytest.mark.slow
def test_run_tiny_qwen2_audio_with_tiny_vllm_judge_killed_and_resumed(tmp_path: Path, upstream_dir: Path,
                                                                    tiny_qwen2_audio: Path) -> None:
    from jasco.tasks.jasco.samples import load_items
    from jasco.tasks.jasco.table import items_to_frame
    from jasco.tasks.jasco.templates import TEMPLATES, judge_messages
    from jasco.testing.tiny_text import build_tiny_chat_model

    allm = tiny_qwen2_audio  # the session's (conftest); read-only here
    frame = items_to_frame(load_items(upstream_dir)[:16]).assign(allm_output="an answer")
    corpus = [judge_messages(TEMPLATES["eval_py"], row)[1]["content"] for row in frame.to_dict("records")]
    judge = build_tiny_chat_model(tmp_path / "tiny-judge", vocab_size=4000, corpus=corpus, tie_word_embeddings=False)
    out = tmp_path / "run"
    engine = ["--option", "enforce_eager=true", "--option", "max_model_len=2048", "--option", "dtype=float32"]
    judge_engine = ["--judge-option", "enforce_eager=true", "--judge-option", "max_model_len=2048",
                    "--judge-option", "dtype=float32"]
    command = [sys.executable, "-c", "from jasco.cli import main; main()", "run", "--model", "qwen2-audio",
               "--backend", "vllm", "--model-id", str(allm), *engine, "--judges", str(judge),
               "--judge-backend", "vllm", *judge_engine, "--judge-max-tokens", "160", "--max-new-tokens", "16",
               "--accept-truncated", "--structured",  # a random-weight judge scores rows only when constrained
               "--check-audio", "--limit", "16", "--bootstrap", "20", "--out", str(out),
               "--data-dir", str(upstream_dir), "--no-progress"]
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}

    # Kill the run once the infer stage has completed, while the judge engine starts.
    stamp = out / "answers" / "qwen2-audio.csv.stage.json"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not stamp.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed mid-way"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "report.json").exists()

    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "[infer] qwen2-audio: up to date, skipped" in resumed.stderr
    report = json.loads((out / "report.json").read_text())
    assert [(r["n_rows"], r["judge"]) for r in report["results"]] == [(16, str(judge))]
    judged_files = list((out / "judged" / "qwen2-audio").glob("*.csv"))
    assert len(judged_files) == 1
    store_lines = (judged_files[0].parent / (judged_files[0].name + ".store.jsonl")).read_text().splitlines()
    assert len({json.loads(line)["key"] for line in store_lines}) == len(store_lines) == 16  # each row judged once
