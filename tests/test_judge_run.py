"""run_judge / run_panel / the CLI with the deterministic fake backend (fast, no model)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.core.table import read_table, write_table
from jasco.models.conversation import messages_from_dicts
from jasco.stages.decoding import Decoding
from jasco.stages.judge.backends import JudgeInputError, choose_backend
from jasco.stages.judge.panels import panel_file_name, run_panel
from jasco.stages.judge.run import run_judge
from jasco.tasks.jasco.judging import OUT_COLUMNS
from jasco.testing.fake_judge import FakeJudge
from tests.judge_helpers import answers_frame, log_events, store_keys, write_answers

REPO = Path(__file__).resolve().parents[1]


def test_out_columns_rerun_and_manifest(upstream_dir: Path, tmp_path: Path) -> None:
    frame = answers_frame(upstream_dir, 24)
    frame.loc[3, "allm_output"] = "  "
    write_table(frame, tmp_path / "in.csv")
    log = tmp_path / "calls.jsonl"
    options = {"log_path": str(log)}
    first = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="fake-judge", backend="fake",
                      backend_options=options, progress=False)
    assert (first.n_rows, first.n_judged_now, first.n_from_store, first.n_unscored) == (24, 23, 0, 0)
    assert first.n_no_answer == 1
    assert len(log_events(log)) == 23
    out = read_table(tmp_path / "out.csv", required=())
    assert list(out.columns) == [*frame.columns, "model", *OUT_COLUMNS]
    assert set(out["model"]) == {"in"}  # no model column, no --model: the input's stem
    # a row without an answer is a failed answer, decided by rule: rating 0, Neither, never sent
    assert out.loc[3, "parse_status"] == "no answer: empty allm_output"
    assert (out.loc[3, "rating"], out.loc[3, "orientation"], out.loc[3, "judge_output"]) == ("0", "Neither", "")
    judge = FakeJudge("fake-judge")
    row = frame.iloc[0].to_dict()
    from jasco.tasks.jasco.templates import get_template, judge_messages

    expected = judge.answer(messages_from_dicts(judge_messages(get_template("eval_py"), row)))
    assert out.loc[0, "judge_output"] == expected
    assert out.loc[0, "rating"] == expected.split("Rating: ")[1][0]
    assert set(out["judge"]) == {"fake-judge"}
    assert set(out.drop(index=3)["parse_status"]) == {"ok"}
    # rerun: zero model calls, same file
    second = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="fake-judge", backend="fake",
                       backend_options=options, progress=False)
    assert (second.n_judged_now, second.n_from_store, second.n_model_calls) == (0, 23, 0)
    assert len(log_events(log)) == 23
    assert read_table(tmp_path / "out.csv", required=()).equals(out)
    manifest = json.loads(first.manifest_path.read_text())
    assert manifest["stage"] == "judge" and manifest["decoding"] == {**Decoding().as_dict(), "preset": "jasco",
                                                                 "accept_truncated": False}
    assert manifest["decoding"]["temperature"] == 0 and manifest["decoding"]["max_tokens"] == 1000
    assert manifest["judge"] == {"model": "fake-judge", "revision": None}
    assert set(manifest["template"]["files"]) == {
        "jasco/judge_eval_py.v1.j2", "jasco/judge_system.v1.txt", "jasco/judge_repair.v1.j2",
        "jasco/judge_rating_repair.v1.j2"}
    assert manifest["arguments"]["repair"] is True  # on by default, as upstream
    assert manifest["counts"]["judged_now"] == 0 and manifest["counts"]["from_store"] == 23  # the rerun's
    assert "packages" in manifest and "git" in manifest


def test_changing_template_or_decoding_rejudges(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 6)
    log = tmp_path / "calls.jsonl"
    kwargs = dict(judge="fake-judge", backend="fake", backend_options={"log_path": str(log)}, progress=False,
                  store_path=tmp_path / "store.jsonl")
    run_judge(tmp_path / "in.csv", tmp_path / "a.csv", **kwargs)
    run_judge(tmp_path / "in.csv", tmp_path / "b.csv", template="readme", **kwargs)
    run_judge(tmp_path / "in.csv", tmp_path / "c.csv", decoding=Decoding(seed=1), **kwargs)
    run_judge(tmp_path / "in.csv", tmp_path / "d.csv", **kwargs)
    assert len(log_events(log)) == 18
    assert len(set(store_keys(tmp_path / "store.jsonl"))) == 18


def test_backend_errors_leave_rows_unscored_and_are_counted(upstream_dir: Path, tmp_path: Path) -> None:
    frame = answers_frame(upstream_dir, 10)
    frame.loc[[2, 7], "allm_output"] = "POISON answer"
    write_table(frame, tmp_path / "in.csv")
    summary = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="fake-judge", backend="fake",
                        backend_options={"fail_marker": "POISON"}, progress=False)
    assert (summary.n_errors, summary.n_unscored, summary.n_judged_now) == (2, 2, 8)
    out = read_table(tmp_path / "out.csv", required=())
    assert out.loc[2, "parse_status"].startswith("unscored: judge error: fake judge failure")
    # errors are not stored: a rerun retries exactly those rows
    again = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="fake-judge", backend="fake",
                      backend_options={}, progress=False)
    assert (again.n_judged_now, again.n_from_store, again.n_errors) == (2, 8, 0)


def test_repair_reasks_once_and_is_stored(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 40)
    log = tmp_path / "calls.jsonl"
    options = {"log_path": str(log), "unclear_every": 2}
    plain = run_judge(tmp_path / "in.csv", tmp_path / "plain.csv", judge="fake-judge", backend="fake",
                      backend_options=options, repair=False, progress=False)
    unclear = plain.n_unscored
    assert unclear > 0
    statuses = read_table(tmp_path / "plain.csv", required=())["parse_status"]
    assert all(s.startswith("unscored: invalid orientation") for s in statuses if s != "ok")
    repaired = run_judge(tmp_path / "in.csv", tmp_path / "plain.csv", judge="fake-judge", backend="fake",
                         backend_options=options, repair=True, progress=False)
    assert repaired.n_repaired == unclear and repaired.n_unscored == 0
    out = read_table(tmp_path / "plain.csv", required=())
    assert (out["parse_status"] == "repaired").sum() == unclear
    assert set(out.loc[out["parse_status"] == "repaired", "orientation"]) <= {
        "Audio-Oriented", "Speech-Oriented", "Both", "Neither"}
    calls = len(log_events(log))
    again = run_judge(tmp_path / "in.csv", tmp_path / "plain.csv", judge="fake-judge", backend="fake",
                      backend_options=options, repair=True, progress=False)
    assert again.n_model_calls == 0 and len(log_events(log)) == calls and again.n_repaired == unclear


def test_bad_input_names_file_and_columns(upstream_dir: Path, tmp_path: Path) -> None:
    frame = answers_frame(upstream_dir, 4)
    write_table(frame.drop(columns=["tgt_text", "allm_output"]), tmp_path / "missing.csv")
    with pytest.raises(JudgeInputError, match=r"missing\.csv: missing required columns \['tgt_text', 'allm_output'\]"):
        run_judge(tmp_path / "missing.csv", tmp_path / "o.csv", judge="x", backend="fake", progress=False)
    write_table(pd.concat([frame, frame.iloc[[1]]]), tmp_path / "dup.csv")
    with pytest.raises(JudgeInputError, match=r"dup\.csv: 2 rows share a \(id, prompt\) key"):
        run_judge(tmp_path / "dup.csv", tmp_path / "o.csv", judge="x", backend="fake", progress=False)


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_backend("fake", None) == "fake"  # a backend registered under the judge's name
    assert choose_backend("Qwen/Qwen2.5-72B-Instruct", None) == "vllm"  # vllm(-cpu) is installed here
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(JudgeInputError, match="vllm is not installed; pass --backend"):
        choose_backend("Qwen/Qwen2.5-72B-Instruct", None)


def test_panel_runs_judges_in_turn_and_closes_each(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 5)
    log = tmp_path / "events.jsonl"
    panel = tmp_path / "trio.json"
    panel.write_text(json.dumps({"name": "trio", "judges": [
        {"model": "org/judge-a"}, {"model": "org/judge-b", "backend_options": {"unclear_every": 1}},
        {"model": "judge-c"}]}))
    summaries = run_panel(tmp_path / "in.csv", tmp_path / "outdir", panel=panel, backend="fake",
                          backend_options={"log_path": str(log)}, progress=False)
    assert [s.out_csv.name for s in summaries] == ["org--judge-a.csv", "org--judge-b.csv", "judge-c.csv"]
    events = [(r["event"], r["model"]) for r in (json.loads(x) for x in log.read_text().splitlines())
              if r["event"] != "call"]
    assert events == [("load", "org/judge-a"), ("close", "org/judge-a"), ("load", "org/judge-b"),
                      ("close", "org/judge-b"), ("load", "judge-c"), ("close", "judge-c")]
    assert summaries[1].n_repaired == 5 and summaries[0].n_repaired == 0  # judge-b's own option reached it
    assert summaries[1].n_unscored == summaries[0].n_unscored == 0


def test_paper_panel_file() -> None:
    from jasco.stages.judge.panels import load_panel

    name, judges = load_panel("paper")
    assert name == "paper"
    assert [j.model for j in judges] == ["meta-llama/Llama-3.1-70B-Instruct", "Qwen/Qwen2.5-72B-Instruct",
                                        "mistralai/Mistral-Large-Instruct-2411"]
    assert panel_file_name(judges[0].model) == "meta-llama--Llama-3.1-70B-Instruct.csv"


def test_cli_judge_and_errors(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 8)
    runner = CliRunner()
    args = ["judge", "--judge", "fake-judge", "--backend", "fake", "--no-progress", "--template", "readme",
            "--backend-option", f"log_path={tmp_path / 'log.jsonl'}", str(tmp_path / "in.csv"),
            str(tmp_path / "out.csv")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "8 rows" in result.output and "8 judged now" in result.output
    assert len(read_table(tmp_path / "out.csv", required=OUT_COLUMNS)) == 8
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["arguments"]["template"] == "readme"
    result = runner.invoke(cli, args)
    assert "0 judged now, 8 from the store" in result.output
    result = runner.invoke(cli, ["judge", "--judge", "x", "--backend", "fake", "--base-url", "http://h",
                                 str(tmp_path / "in.csv"), str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "judge backend 'fake'" in result.output and "base_urls" in result.output
    result = runner.invoke(cli, ["judge", "--judge", "x", "--backend", "nope", str(tmp_path / "in.csv"),
                                 str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "unknown model 'nope'" in result.output
    result = runner.invoke(cli, ["judge", str(tmp_path / "in.csv"), str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "exactly one of --judge MODEL or --panel NAME" in result.output
    result = runner.invoke(cli, ["judge", "--judge", "x", "--backend", "fake", str(tmp_path / "none.csv"),
                                 str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "none.csv: file not found" in result.output


def test_cli_panel(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 3)
    result = CliRunner().invoke(cli, ["judge", "--panel", "paper", "--backend", "fake", "--no-progress",
                                      str(tmp_path / "in.csv"), str(tmp_path / "panel")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "panel").glob("*.csv")) == [
        "Qwen--Qwen2.5-72B-Instruct.csv", "meta-llama--Llama-3.1-70B-Instruct.csv",
        "mistralai--Mistral-Large-Instruct-2411.csv"]


KILL_SCRIPT = """
import sys
from pathlib import Path
from jasco.stages.judge.run import run_judge
run_judge(Path(sys.argv[1]), Path(sys.argv[2]), judge="fake-judge", backend="fake",
          backend_options={"log_path": sys.argv[3], "stall_after": int(sys.argv[4])}, progress=False)
"""


def test_sigkill_mid_run_then_rerun_judges_each_row_exactly_once(upstream_dir: Path, tmp_path: Path) -> None:
    n = 30
    write_answers(upstream_dir, tmp_path / "in.csv", n)
    out, log = tmp_path / "out.csv", tmp_path / "calls.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path / "in.csv"), str(out), str(log),
                                "11"], env=env)
    deadline = time.monotonic() + 60
    while not log_events(log, "stalled"):  # the fake stalls for good after 11 answers
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    assert not out.exists()
    store = tmp_path / "out.csv.store.jsonl"
    assert len(store_keys(store)) == 11
    # the rerun (in this process, no stall) judges only the 19 missing rows
    summary = run_judge(tmp_path / "in.csv", out, judge="fake-judge", backend="fake",
                        backend_options={"log_path": str(log)}, progress=False)
    assert (summary.n_judged_now, summary.n_from_store, summary.n_unscored) == (19, 11, 0)
    calls = [r["key"] for r in log_events(log)]
    assert len(calls) == n and len(set(calls)) == n  # every row judged exactly once, over both runs
    keys = store_keys(store)
    assert len(keys) == n and len(set(keys)) == n


def test_judge_help_imports_no_heavy_module() -> None:
    heavy = ("torch", "transformers", "vllm", "pandas", "numpy", "jinja2", "httpx")
    code = (
        "import sys\nfrom jasco.cli import cli\n"
        "try:\n    cli(['judge', '--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert "--structured" in result.stdout and "--panel" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_an_unknown_vllm_engine_option_is_refused_before_any_engine(upstream_dir: Path, tmp_path: Path) -> None:
    write_answers(upstream_dir, tmp_path / "in.csv", 2)
    result = CliRunner().invoke(cli, ["judge", "--judge", "some/judge", "--backend", "vllm", "--backend-option",
                                      "tensor_paralel_size=2", str(tmp_path / "in.csv"), str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "judge backend 'vllm' for 'some/judge'" in result.output
    assert "unknown vLLM engine option(s) tensor_paralel_size" in result.output
    assert not (tmp_path / "o.csv").exists()
