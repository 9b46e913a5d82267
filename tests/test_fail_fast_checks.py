"""Everything is checked before anything is spent, and no command destroys its input (issue 10,
sections 1 and 4): the judge's input rules are the report's, outputs are never inputs, ``jasco run``
resolves every model, judge and option up front, and a changed dataset is never read."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from tests.fail_fast_helpers import copy_dataset, error_lines, jasco


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory, upstream_dir: Path) -> Path:
    from jasco.stages.infer import run_infer

    root = tmp_path_factory.mktemp("answers")
    items = root / "items.csv"
    assert jasco("expand", "--data-dir", str(upstream_dir), "--out", str(items)).returncode == 0
    run_infer(root / "answers.csv", model="reference", items_csv=items, progress=False, limit=40)
    return root / "answers.csv"


def _set(row: int, column: str, value: str) -> Callable[[Any], Any]:
    def change(frame: Any) -> Any:
        frame.loc[row, column] = value
        return frame

    return change


# defect -> (how the answers table is changed, what the one error line says)
DEFECTS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "clip outside the 80": (_set(4, "id", "81"), "CSV row 6: not a clip of this dataset: clip id '81'"),
    "unknown instruction": (_set(2, "prompt", "Describe the audio."), "CSV row 4: prompt 'Describe the audio.' "
                                                                       "is not one of the 8 JASCO instructions"),
    "header only": (lambda frame: frame.iloc[0:0], "no rows (a header only)"),
    "no audio column": (lambda frame: frame.drop(columns=["audio"]), "missing required columns ['audio']"),
    "no n_frames column": (lambda frame: frame.drop(columns=["n_frames"]), "missing required columns ['n_frames']"),
    "no with_speech column": (lambda frame: frame.drop(columns=["with_speech"]),
                              "missing required columns ['with_speech']"),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_judge_refuses_what_report_refuses_before_any_judge_loads(defect: str, answers: Path, tmp_path: Path) -> None:
    change, message = DEFECTS[defect]
    bad = tmp_path / "bad.csv"
    write_table(change(read_table(answers).copy()), bad)
    log, out = tmp_path / "judge.log", tmp_path / "judged.csv"
    result = jasco("judge", "--judge", "fake", "--backend", "fake", "--backend-option", f"log_path={log}",
                   str(bad), str(out), "--no-progress")
    (line,) = error_lines(result)
    assert result.returncode == 1 and message in line, result.stdout
    assert not log.exists(), "the judge was built before its input was checked"
    assert not out.exists() and not Path(f"{out}.store.jsonl").exists()

    # the report applies the same rules to the same table with judge columns added
    judged = change(read_table(answers).copy().assign(
        judge="fake", judge_output="x", rating="", orientation="", parse_status="unscored: test"))
    write_table(judged, tmp_path / "bad-judged.csv")
    report = jasco("report", str(tmp_path / "bad-judged.csv"), "--bootstrap", "5")
    (line,) = error_lines(report)
    assert report.returncode == 1 and message in line, report.stdout


def test_no_command_overwrites_its_input(answers: Path, tmp_path: Path) -> None:
    judged = tmp_path / "judged.csv"
    assert jasco("judge", "--judge", "fake", "--backend", "fake", str(answers), str(judged),
                 "--no-progress").returncode == 0
    os.link(judged, tmp_path / "same-file.csv")  # another name for the same file
    before = {path: path.read_bytes() for path in (answers, judged)}
    refused = [
        ("report", str(judged), "--out", str(judged), "--bootstrap", "5"),
        ("report", str(judged), "--out", str(tmp_path / "same-file.csv"), "--bootstrap", "5"),
        ("judge", "--judge", "fake", "--backend", "fake", str(answers), str(answers), "--no-progress"),
        ("judge", "--judge", "fake", "--backend", "fake", str(answers), str(tmp_path / "j2.csv"),
         "--store", str(answers), "--no-progress"),
        ("infer", "--model", "reference", "--items", str(answers), "--out", str(answers), "--no-progress"),
    ]
    for args in refused:
        result = jasco(*args)
        (line,) = error_lines(result)
        assert result.returncode == 2 and "is also an input" in line, (args, result.stdout)
    assert {path: path.read_bytes() for path in before} == before
    assert not (tmp_path / "j2.csv").exists()


RUN_MISTAKES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "the same judge twice": (["--judges", "similarity,similarity"], ("'similarity' is given twice",)),
    "two judges, one file name": (["--judges", "org/judge,org--judge", "--judge-backend", "fake"],
                                  ("'org--judge' and 'org/judge' both map to", "judged/<model>/org--judge.csv")),
    "the same model twice": (["--model", "audio-only", "--judges", "similarity"], ("'audio-only' is given twice",)),
    "an option the judge backend does not take": (
        ["--judges", "fake", "--judge-backend", "fake", "--judge-option", "nosuch=1"], ("nosuch",)),
    "the default panel on this machine": ([], ("paper panel", "--judges similarity", "--judge-backend openai")),
}


@pytest.mark.parametrize("mistake", sorted(RUN_MISTAKES))
def test_run_resolves_everything_before_any_stage(mistake: str, tmp_path: Path, upstream_dir: Path) -> None:
    extra, fragments = RUN_MISTAKES[mistake]
    out = tmp_path / "run"
    result = jasco("run", "--model", "audio-only", *extra, "--out", str(out), "--data-dir", str(upstream_dir),
                   "--limit", "8", "--no-progress")
    (line,) = error_lines(result)
    assert result.returncode == 2, result.stdout
    for fragment in fragments:
        assert fragment in line, line
    assert not (out / "answers").exists() and not (out / "items.csv").exists()


def test_a_changed_dataset_is_never_read(tmp_path: Path, upstream_dir: Path) -> None:
    data = copy_dataset(upstream_dir, tmp_path / "data")
    clips = data / "dataset/v0/v0.csv"
    clips.write_text(clips.read_text(encoding="utf-8").replace("castle", "boat", 1), encoding="utf-8")
    result = jasco("expand", "--data-dir", str(data), "--out", str(tmp_path / "items.csv"))
    (line,) = error_lines(result)
    assert result.returncode == 1 and f"{clips}: sha256 mismatch" in line
    assert not (tmp_path / "items.csv").exists()

    # an item table that reads audio from the dataset: the dataset is checked first
    clips.write_bytes((upstream_dir / "dataset/v0/v0.csv").read_bytes())
    items = tmp_path / "items.csv"
    assert jasco("expand", "--data-dir", str(data), "--out", str(items)).returncode == 0
    wav = data / "dataset/v0/2.wav"
    wav.write_bytes(wav.read_bytes()[:-4000])
    result = jasco("infer", "--model", "reference", "--items", str(items), "--data-dir", str(data),
                   "--out", str(tmp_path / "answers.csv"), "--no-progress")
    (line,) = error_lines(result)
    assert result.returncode == 1 and f"{wav}: sha256 mismatch" in line
    assert not (tmp_path / "answers.csv").exists()


def test_run_checks_only_what_will_run(tmp_path: Path, upstream_dir: Path) -> None:
    """A model that cannot load here stops a run before anything is written, unless all its work is
    stored: a rerun of finished work checks, loads and starts nothing."""
    import sys

    from jasco.models.worker.process import workers_dir

    python = tmp_path / "worker-python"  # the worker's environment: here, this one
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    out = tmp_path / "run"
    args = ["run", "--model", "worker", "--option", f"worker_python={python}",
            "--option", f"worker_script={workers_dir() / 'jasco_adapter_worker.py'}",
            "--option", "worker_args=--adapter testing-echo", "--judges", "fake", "--judge-backend", "fake",
            "--out", str(out), "--data-dir", str(upstream_dir), "--limit", "8", "--bootstrap", "5", "--no-progress"]
    first = jasco(*args)
    assert first.returncode == 0, first.stdout[-3000:]
    python.unlink()  # the worker's environment is gone
    again = jasco(*args)
    assert again.returncode == 0 and again.stdout.count("up to date, skipped") == 2, again.stdout[-3000:]
    changed = jasco(*args, "--max-new-tokens", "7")  # now the worker would have to answer again
    (line,) = error_lines(changed)
    assert changed.returncode == 1 and f"worker_python {python} is not an executable file" in line
    assert "[infer]" not in changed.stdout
