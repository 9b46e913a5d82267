"""``jasco captions`` end to end on a 6-file demo corpus with the deterministic fake text LLM.

The store (a rerun asks nothing; a run killed mid-batch resumes with exactly the missing
requests), the manifest, the three outputs (JSONL, ms-swift, ALLD's per-pair files), the summary
re-ask, ``--dry-run`` loading nothing, ``--meta-from signal``, and bad input as one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from jasco.tasks.alld.meta import read_nisqa_csv
from jasco.tasks.alld.plan import request_seed
from jasco.tasks.alld.prompts import allm_ab_query, allm_describe_query, mos_prompt, pass_settings, prompt_hashes
from jasco.tasks.alld.verdict import parse_summary
from tests.alld_helpers import build_small_demo, invoke, one_error_line, read_jsonl
from tests.conftest import REPO
from tests.judge_helpers import log_events, store_keys

FAKE = ("--judge", "fake-captioner", "--no-progress")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_demo(tmp_path_factory.mktemp("alld-demo"))


@pytest.fixture(scope="module")
def meta_csv(corpus: Path) -> Path:
    return corpus / "NISQA_corpus_file.csv"


@pytest.fixture(scope="module")
def first_run(meta_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("captions") / "out"
    result = invoke("captions", "--meta", meta_csv, *FAKE, "--backend-option", "sloppy_every=2", "--pairs", "5",
                    "--seed", "3", "--out", out)
    return out, result


def test_records_carry_every_request_with_its_pass_sampling_and_seed(first_run: tuple[Path, Any]) -> None:
    out, result = first_run
    assert result.exit_code == 0, result.output
    records = read_jsonl(out / "captions.jsonl")
    settings = pass_settings()
    by_pass: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_pass.setdefault(record["pass"], []).append(record)
        expected = settings[record["pass"]]
        assert (record["temperature"], record["top_p"], record["max_tokens"]) == (
            expected.temperature, expected.top_p, expected.max_tokens)
        assert record["seed"] == request_seed(3, record["request_id"])
        assert record["status"] == "ok" and record["meta_source"] == "human"
    assert {name: len(rows) for name, rows in by_pass.items() if name != "summary"} == {
        "mos": 6, "mos_diverse": 6, "ab": 5}
    assert (settings["mos"].temperature, settings["mos_diverse"].temperature, settings["summary"].top_p) == (
        1.0, 1.1, 1.0)
    # the pairs are balanced: SpeechA is the better file in 2 or 3 of 5
    expected_a = sum(1 for record in by_pass["ab"] if record["expected"] == "SpeechA")
    assert expected_a in (2, 3)


def test_an_unparsed_summary_is_reasked_once_and_counted(first_run: tuple[Path, Any]) -> None:
    out, _ = first_run
    summaries = [record for record in read_jsonl(out / "captions.jsonl") if record["pass"] == "summary"]
    first = {r["subject"]: r for r in summaries if r["attempt"] == 1}
    retries = {r["subject"]: r for r in summaries if r["attempt"] == 2}
    assert len(first) == 5
    unparsed_first = {pair for pair, record in first.items() if parse_summary(record["text"]).choice is None}
    assert unparsed_first and set(retries) == unparsed_first  # exactly the unparsed ones, once
    assert all(retry["request_id"].endswith(":retry") and retry["seed"] != first[pair]["seed"]
               for pair, retry in retries.items())
    final = {pair: retries.get(pair, record) for pair, record in first.items()}
    manifest = json.loads((out / "captions.jsonl.manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["summaries_reasked"] == len(retries)
    assert counts["summaries_parsed"] == sum(1 for r in final.values() if r["verdict"])
    assert counts["summaries_unparsed"] == 5 - counts["summaries_parsed"]
    # the fake's comparisons prefer the higher MOS, so every parsed verdict is right
    assert all(r["correct"] for r in final.values() if r["verdict"])


def test_swift_export_and_manifest(first_run: tuple[Path, Any], meta_csv: Path) -> None:
    out, _ = first_run
    records = {r["request_id"]: r for r in read_jsonl(out / "captions.jsonl")}
    examples = read_jsonl(out / "swift.jsonl")
    assert len(examples) == 6 + 6 + 5
    for example in examples:
        user, assistant = example["messages"]
        audios = example["audios"]
        assert all(Path(audio).is_absolute() and Path(audio).is_file() for audio in audios)
        query = allm_ab_query() if len(audios) == 2 else allm_describe_query()
        assert user == {"role": "user", "content": "<audio>" * len(audios) + query}
        assert assistant["content"] in {r["text"] for r in records.values()}
    manifest = json.loads((out / "captions.jsonl.manifest.json").read_text())
    assert manifest["stage"] == "captions" and manifest["prompt_hashes"] == prompt_hashes()
    assert manifest["meta_source"]["kind"] == "human" and manifest["meta_source"]["n_files"] == 6
    assert manifest["passes"]["mos_diverse"]["temperature"] == 1.1 and manifest["seeds"]["run_seed"] == 3
    assert manifest["judge"]["backend"] == "fake-captioner" and manifest["arguments"]["pairs"] == 5
    assert manifest["counts"]["generated_now"] == len(records) and manifest["counts"]["from_store"] == 0


def test_a_rerun_costs_no_model_call(first_run: tuple[Path, Any], meta_csv: Path) -> None:
    out, _ = first_run
    before = (out / "captions.jsonl").read_text()
    log = out.parent / "rerun.jsonl"
    result = invoke("captions", "--meta", meta_csv, *FAKE, "--backend-option", "sloppy_every=2", "--pairs", "5",
                    "--seed", "3", "--out", out, "--backend-option", f"log_path={log}")
    assert result.exit_code == 0, result.output
    assert log_events(log, "load") and not log_events(log, "call")
    assert (out / "captions.jsonl").read_text() == before
    counts = json.loads((out / "captions.jsonl.manifest.json").read_text())["counts"]
    assert (counts["generated_now"], counts["model_calls"]) == (0, 0)


KILL_SCRIPT = """
import sys
from jasco.cli import cli
cli(["captions", "--meta", sys.argv[1], "--judge", "fake-captioner", "--no-progress", "--out", sys.argv[2],
     "--backend-option", "log_path=" + sys.argv[3], "--backend-option", "stall_after=" + sys.argv[4]])
"""


def test_a_run_killed_mid_batch_resumes_with_exactly_the_missing_requests(meta_csv: Path, tmp_path: Path) -> None:
    out, log = tmp_path / "out", tmp_path / "calls.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(meta_csv), str(out), str(log), "7"], env=env)
    deadline = time.monotonic() + 120
    while not log_events(log, "stalled"):  # the fake stalls for good after 7 answers
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    assert not (out / "captions.jsonl").exists()
    assert len(store_keys(out / "captions.jsonl.store.jsonl")) == 7
    result = invoke("captions", "--meta", meta_csv, *FAKE, "--out", out, "--backend-option", f"log_path={log}")
    assert result.exit_code == 0, result.output
    records = read_jsonl(out / "captions.jsonl")
    calls = log_events(log)
    assert len(calls) == len(records)  # over both runs, every request was asked exactly once
    keys = store_keys(out / "captions.jsonl.store.jsonl")
    assert len(keys) == len(set(keys)) == len(records)
    fresh = tmp_path / "fresh"
    assert invoke("captions", "--meta", meta_csv, *FAKE, "--out", fresh).exit_code == 0
    assert [r["text"] for r in read_jsonl(fresh / "captions.jsonl")] == [r["text"] for r in records]


def test_alld_layout_writes_alld_s_files(meta_csv: Path, tmp_path: Path) -> None:
    a, b = "DEMO_SIM/deg/arctic_axb_a0004_c04.wav", "DEMO_SIM/deg/ljspeech_LJ001-0028_c01.wav"
    result = invoke("captions", "--meta", meta_csv, *FAKE, "--backend-option", "sloppy_every=1", "--out", tmp_path,
                    "--layout", "alld", "--audio1", a, "--audio2", meta_csv.parent / b)
    assert result.exit_code == 0, result.output
    records = {r["request_id"]: r for r in read_jsonl(tmp_path / "captions.jsonl")}
    metas = {meta.file_id: meta for meta in read_nisqa_csv(meta_csv)}
    assert json.loads((tmp_path / "audio1_metrics.json").read_text()) == metas[a].values()
    assert (tmp_path / "audio2_metrics.json").read_text() == json.dumps(metas[b].values(), indent=2)
    assert (tmp_path / "audio1_mos.txt").read_text() == records[f"mos:{a}"]["text"]
    assert (tmp_path / "audio2_mos_diverse.txt").read_text() == records[f"mos_diverse:{b}"]["text"]
    (ab,) = [r for r in records.values() if r["pass"] == "ab"]
    assert ab["files"] == [a, b] and ab["expected"] == "SpeechB"
    assert (tmp_path / "ab_test.txt").read_text() == ab["text"]
    # sloppy_every=1: every summary comes back with extra text, so the re-asked one is the file
    retry = records[f"summary:{ab['subject']}:retry"]
    assert (tmp_path / "ab_test_summary.txt").read_text() == retry["text"].strip() == "[SpeechB]."


def test_dry_run_prints_the_prompts_and_loads_nothing(meta_csv: Path, tmp_path: Path) -> None:
    code = ("import sys\nfrom jasco.cli import cli\n"
            f"try:\n    cli(['captions', '--meta', {str(meta_csv)!r}, '--dry-run', '--pairs', '2', '--judge', "
            f"'fake-captioner', '--backend-option', 'log_path={tmp_path / 'log.jsonl'}'])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
            "print('LOADED', sorted(m for m in ('torch', 'vllm', 'transformers', 'librosa') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip().splitlines()[-1] == "LOADED []"
    assert not (tmp_path / "log.jsonl").exists()  # the judge was never even built
    first = read_nisqa_csv(meta_csv)[0]
    assert mos_prompt(first) in result.stdout
    assert result.stdout.count("=== ") == 3 and "SpeechA: {" in result.stdout and "Context:\n" in result.stdout


def test_meta_from_signal_rates_the_files_with_the_analyzer(meta_csv: Path, tmp_path: Path) -> None:
    result = invoke("captions", "--meta", meta_csv, "--meta-from", "signal", *FAKE, "--pairs", "2",
                    "--out", tmp_path, "--workers", "2")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "captions.jsonl.manifest.json").read_text())
    assert manifest["meta_source"]["kind"] == "signal" and manifest["meta_source"]["predictor_version"]
    metas = {r["subject"]: r["meta"][0] for r in read_jsonl(tmp_path / "captions.jsonl") if r["pass"] == "mos"}
    human = {meta.file_id: meta for meta in read_nisqa_csv(meta_csv)}
    assert set(metas) == set(human) and metas != {k: v.values() for k, v in human.items()}
    for values in metas.values():
        assert all(1.0 <= value <= 5.0 and round(value, 2) == value for value in values.values())
    clean, noisy = "DEMO_SIM/deg/ljspeech_LJ001-0028_c01.wav", "DEMO_SIM/deg/vctk_p287_002_c06.wav"
    assert metas[clean]["noi"] > metas[noisy]["noi"] and metas[clean]["mos"] > metas[noisy]["mos"]


def test_an_empty_generation_is_an_explicit_record_and_blocks_the_alld_layout(meta_csv: Path, tmp_path: Path) -> None:
    a, b = "DEMO_SIM/deg/vctk_p287_002_c06.wav", "DEMO_SIM/deg/ljspeech_LJ001-0028_c01.wav"
    result = invoke("captions", "--meta", meta_csv, *FAKE, "--out", tmp_path, "--layout", "alld", "--audio1", a,
                    "--audio2", b, "--backend-option", 'empty_marker=input is {"mos": 2.0,')
    line = one_error_line(result)
    assert line == f"Error: ALLD layout: generation mos:{a} is empty (empty generation)"
    records = {r["request_id"]: r for r in read_jsonl(tmp_path / "captions.jsonl")}
    assert records[f"mos:{a}"]["status"] == "empty" and records[f"mos:{a}"]["text"] == ""
    assert records[f"mos:{b}"]["status"] == "ok"
    assert len(read_jsonl(tmp_path / "swift.jsonl")) == 3  # b's two descriptions and the comparison
    assert "2 empty generation(s)" in result.output


@pytest.mark.parametrize(("change", "message"), [
    ({"col": "5.5"}, "line 3 (DEMO_SIM/deg/arctic_axb_a0004_c04.wav): factor 'col' = 5.5 is outside 1-5"),
    ({"noi": ""}, "line 3 (DEMO_SIM/deg/arctic_axb_a0004_c04.wav): factor 'noi' is missing (empty)"),
    ({"loud": None}, "missing column(s) loud"),
])
def test_bad_meta_info_is_one_line(meta_csv: Path, tmp_path: Path, change: dict[str, str | None],
                                   message: str) -> None:
    import csv

    rows = list(csv.DictReader(meta_csv.open()))
    for column, value in change.items():
        for row in rows:
            if value is None:
                row.pop(column)
            elif row["filepath_deg"].endswith("c04.wav"):
                row[column] = value
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    line = one_error_line(invoke("captions", "--meta", bad, "--audio-root", meta_csv.parent, *FAKE, "--out",
                                 tmp_path / "out"))
    assert message in line and str(bad) in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--layout", "alld", "--audio1", "DEMO_SIM/deg/libri_4340-15220-0000_c15.wav", "--audio2",
      "DEMO_SIM/deg/libri_5339-14133-0000_c19.wav"), "identical MOS 2.7, so neither is better"),
    (("--pairs", "10"), "asked for 10 pairs but only 9 pairs of the 6 files differ in MOS by at least 0.5"),
    (("--audio1", "x.wav"), "--audio1 / --audio2 need --layout alld"),
    (("--layout", "alld", "--audio1", "nope.wav", "--audio2", "x"), "--audio1 nope.wav: not a file of the meta CSV"),
    (("--min-gap", "0"), "--min-gap must be above 0"),
])
def test_bad_pairs_are_one_line(meta_csv: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    line = one_error_line(invoke("captions", "--meta", meta_csv, *FAKE, "--out", tmp_path / "out", *args))
    assert message in line
