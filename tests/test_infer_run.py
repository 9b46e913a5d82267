"""The infer stage's plumbing with the model-free ``fake-allm`` adapter: table, store, resume,
per-row errors, the audio check and the command line (real files, a real killed subprocess)."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.models.check import AudioCheckError
from jasco.stages.decoding import GenerationSettings
from jasco.stages.infer import run_infer
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS
from jasco.testing.fake_allm import FakeAllm


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def store_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture()
def items_csv(tmp_path: Path, upstream_dir: Path) -> Path:
    """The first 16 items (clips 1 and 2) plus the 8 items of the 48 kHz clip 47."""
    result = CliRunner().invoke(cli, ["expand", "--out", str(tmp_path / "all.csv"), "--data-dir", str(upstream_dir)])
    assert result.exit_code == 0, result.output
    rows = read_rows(tmp_path / "all.csv")
    chosen = rows[:16] + [row for row in rows if row["id"] == "47"]
    path = tmp_path / "items.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)
    return path


def test_run_fills_answers_and_rerun_costs_no_call(tmp_path: Path, items_csv: Path) -> None:
    out = tmp_path / "answers.csv"
    before = FakeAllm.calls
    summary = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False)
    assert (summary.n_rows, summary.n_generated_now, summary.n_from_store, summary.n_errors) == (24, 24, 0, 0)
    assert FakeAllm.calls - before == 24
    rows = read_rows(out)
    assert list(rows[0]) == [*EXAMPLE_COLUMNS, "model", "infer_error"]
    assert all(row["allm_output"].startswith("fake answer ") and row["model"] == "fake/allm" for row in rows)
    assert len({row["allm_output"] for row in rows}) == 24  # audio and instruction both matter
    manifest = json.loads(summary.manifest_path.read_text(encoding="utf-8"))
    assert manifest["stage"] == "infer" and manifest["model_id"] == "fake/allm" and manifest["revision"] == "0"
    assert manifest["decoding"] == GenerationSettings().as_dict() and manifest["counts"]["generated_now"] == 24

    calls = FakeAllm.calls
    again = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False)
    assert (again.n_generated_now, again.n_from_store) == (0, 24) and FakeAllm.calls == calls
    assert read_rows(out) == rows

    # Different decoding settings are different results: nothing comes from the store.
    other = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False,
                      settings=GenerationSettings(max_new_tokens=17))
    assert (other.n_generated_now, other.n_from_store) == (24, 0)


def test_bad_clip_and_failed_item_are_row_errors_and_the_run_goes_on(tmp_path: Path, items_csv: Path) -> None:
    rows = read_rows(items_csv)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEthis is not audio")
    for row in rows[:8]:
        row["audio"] = str(corrupt)
    with open(items_csv, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "answers.csv"
    messages: list[str] = []
    summary = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False,
                        options={"fail_items": ["2-v3"]}, echo=messages.append)
    assert (summary.n_errors, summary.n_generated_now) == (9, 15)
    written = read_rows(out)
    for position, row in enumerate(written[:8]):
        assert row["allm_output"] == "" and str(corrupt) in row["infer_error"] and str(items_csv) in row["infer_error"]
        # each row's message cites its own row and item, not the first row that used the file
        assert f"row {position + 2} (item 1-v{position + 1})" in row["infer_error"]
    failed = written[10]
    assert failed["allm_output"] == "" and failed["infer_error"] == "fake failure for 2-v3"
    assert all(row["allm_output"] and not row["infer_error"] for row in written[8:] if row is not failed)
    assert len(messages) == 9 and messages[0].startswith("error: row 2 (1):")
    # Errors are not stored: a rerun retries them (and only them).
    retry = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False)
    assert (retry.n_from_store, retry.n_generated_now, retry.n_errors) == (15, 1, 8)


def test_check_audio_passes_for_a_listening_model_and_fails_for_a_deaf_one(tmp_path: Path, items_csv: Path) -> None:
    out = tmp_path / "answers.csv"
    messages: list[str] = []
    run_infer(out, model="fake-allm", items_csv=items_csv, progress=False, check_audio_items=3,
              echo=messages.append)
    assert messages == ["audio check passed for fake-allm: 3/3 answers change with silence"]
    with pytest.raises(AudioCheckError, match="identical with the real audio and with silence"):
        run_infer(tmp_path / "deaf.csv", model="fake-allm", items_csv=items_csv, progress=False,
                  options={"hears_audio": False}, check_audio_items=3)
    assert not (tmp_path / "deaf.csv").exists()


def test_cli_infer_check_audio_options_and_errors(tmp_path: Path, items_csv: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.csv"
    base = ["infer", "--model", "fake-allm", "--items", str(items_csv), "--out", str(out), "--no-progress"]
    result = runner.invoke(cli, [*base, "--limit", "5", "--check-audio", "--option", "model_id=fake/other"])
    assert result.exit_code == 0, result.output
    assert "5 rows written" in result.output and "5 generated now" in result.output
    assert "audio check passed" in result.output
    assert {row["model"] for row in read_rows(out)} == {"fake/other"}

    deaf = runner.invoke(cli, [*base, "--check-audio", "--option", "hears_audio=false"])
    assert deaf.exit_code == 1 and "audio check FAILED for fake-allm" in deaf.output

    unknown = runner.invoke(cli, [*base, "--backend", "vllm"])
    assert unknown.exit_code == 2 and "does not take option(s) backend" in unknown.output
    bad = runner.invoke(cli, [*base, "--option", "no-equals-sign"])
    assert bad.exit_code == 2 and "expected key=value" in bad.output
    nomodel = runner.invoke(cli, ["infer", "--model", "nope", "--items", str(items_csv), "--out", str(out)])
    assert nomodel.exit_code == 2 and "unknown model 'nope'" in nomodel.output
    listed = runner.invoke(cli, ["infer", "--list-models"])
    assert listed.exit_code == 0 and "qwen2-audio" in listed.output and "openai" in listed.output


def test_a_run_killed_with_sigkill_resumes(tmp_path: Path, items_csv: Path) -> None:
    out = tmp_path / "killed.csv"
    store = tmp_path / "killed.csv.store.jsonl"
    code = (
        "from pathlib import Path\nfrom jasco.stages.infer import run_infer\n"
        f"run_infer(Path({str(out)!r}), model='fake-allm', items_csv=Path({str(items_csv)!r}), "
        "options={'delay_s': 0.2}, progress=False)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
    deadline = time.monotonic() + 60
    while store_lines(store) < 5 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    done = store_lines(store)
    assert 5 <= done < 24 and not out.exists()

    before = FakeAllm.calls
    summary = run_infer(out, model="fake-allm", items_csv=items_csv, progress=False)
    assert summary.n_from_store == done and summary.n_generated_now == 24 - done
    assert FakeAllm.calls - before == 24 - done
    reference = run_infer(tmp_path / "clean.csv", model="fake-allm", items_csv=items_csv, progress=False)
    assert reference.n_generated_now == 24
    assert [r["allm_output"] for r in read_rows(out)] == [r["allm_output"] for r in read_rows(tmp_path / "clean.csv")]


def test_openai_adapter_unreachable_endpoint_gives_row_errors(tmp_path: Path, items_csv: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    summary = run_infer(
        tmp_path / "openai.csv", model="openai", items_csv=items_csv, progress=False, limit=3, echo=lambda m: None,
        options={"model_id": "served-model", "base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0},
    )
    assert (summary.n_errors, summary.n_generated_now) == (3, 0)
    rows = read_rows(tmp_path / "openai.csv")
    assert all(f"127.0.0.1:{port}" in row["infer_error"] and row["allm_output"] == "" for row in rows)
    assert {row["model"] for row in rows} == {"served-model"}


def test_input_audio_wav_keeps_the_float_samples_exactly(upstream_dir: Path) -> None:
    import base64
    import io

    import numpy as np
    import soundfile

    from jasco.core.audio import load_audio, wav_base64

    audio = load_audio(upstream_dir / "dataset/v0/47.wav", clip_id=47)  # resampled from 48 kHz
    decoded, rate = soundfile.read(io.BytesIO(base64.b64decode(wav_base64(audio.samples, 16_000))), dtype="float32")
    assert rate == 16_000 and np.array_equal(decoded, audio.samples)


def test_model_defaults_table_matches_the_adapters() -> None:
    from jasco.models import qwen25_omni, voxtral
    from jasco.models.defaults import ALLM_DEFAULTS, defaults_for

    assert defaults_for("qwen2-audio").model_id == "Qwen/Qwen2-Audio-7B-Instruct"
    assert ALLM_DEFAULTS["qwen2.5-omni"].model_id == qwen25_omni.DEFAULT_MODEL
    assert ALLM_DEFAULTS["voxtral"].model_id == voxtral.DEFAULT_MODEL
    with pytest.raises(KeyError, match="known: qwen2-audio"):
        defaults_for("nope")
