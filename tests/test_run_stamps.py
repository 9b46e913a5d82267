"""`jasco run` serves nothing stale (issue 9 section 2): every stage-stamp component, changed, redoes
its stage, and a rerun with nothing changed skips every stage at zero model calls.

Before, stamps held only the input files' hashes and the settings: after editing
``prompts/jasco/describe_only.v1.j2`` or cutting ``judged/<model>/<judge>.csv`` to fewer rows a
rerun printed "up to date, skipped" and reported the old or cut data. Each case below starts
from a completed run (control answers judged by a judge that counts its calls), changes one
thing and reruns.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.decoding import GenerationSettings, judge_decoding
from jasco.stages.pipeline import run_pipeline
from tests.counting_models import registered

REPO = Path(__file__).resolve().parents[1]
N = 8  # items (clip 1)
MODELS = ("reference", "describe-only")


@pytest.fixture(scope="module")
def data_copy(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the dataset, so a test may touch an audio file."""
    copy = tmp_path_factory.mktemp("data") / "jasco"
    shutil.copytree(upstream_dir, copy)
    return copy


class Runner:
    """Runs the pipeline into one directory and reports what each run did."""

    def __init__(self, out: Path, data: Path, calls: dict[str, int]) -> None:
        self.out, self.data, self.calls = out, data, calls
        self.messages: list[str] = []

    def __call__(self, **changes: Any) -> dict[str, Any]:
        self.messages = []
        before = self.calls["counting-judge"]
        arguments: dict[str, Any] = {"models": MODELS, "judges": ["counting-judge"], "data_dir": self.data,
                                     "limit": N, "n_boot": 5, "progress": False, "echo": self.messages.append,
                                     "max_unscored": 1.0, **changes}
        result = run_pipeline(self.out, **arguments)
        skipped = {line.split("]")[0][1:] + " " + line.split("] ")[1].split(":")[0]
                   for line in self.messages if "up to date, skipped" in line}
        generated = sum(int(line.split(": ")[1].split(" generated")[0]) for line in self.messages
                        if line.startswith("[infer]") and " generated" in line)
        return {"skipped": skipped, "judge_calls": self.calls["counting-judge"] - before, "generated": generated,
                "result": result}


ALL = {"infer reference", "infer describe-only", "judge counting-judge x reference",
       "judge counting-judge x describe-only"}


@pytest.fixture()
def run(tmp_path: Path, data_copy: Path, prompts_copy: Path) -> Iterator[Runner]:
    with registered() as calls:
        runner = Runner(tmp_path / "run", data_copy, calls)
        first = runner()
        assert first["skipped"] == set() and first["judge_calls"] == 2 * N and first["generated"] == 2 * N
        again = runner()
        assert again["skipped"] == ALL and again["judge_calls"] == 0 and again["generated"] == 0
        yield runner


def judged(run: Runner, model: str = "reference") -> Path:
    return run.out / "judged" / model / "counting-judge.csv"


def cut(path: Path) -> None:
    write_table(read_table(path, required=()).iloc[:3], path)


def edit_rating(path: Path) -> None:
    frame = read_table(path, required=())
    frame.loc[0, "rating"] = "0"
    write_table(frame, path)


def edit_answer(path: Path) -> None:
    frame = read_table(path, required=())
    frame.loc[0, "allm_output"] = "Something else."
    write_table(frame, path)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


JUDGES = {"judge counting-judge x reference", "judge counting-judge x describe-only"}
INFERS = {"infer reference", "infer describe-only"}
# (change to make, run arguments, stages expected to rerun, judge calls, answers generated). Every
# prompt, label and threshold file, every rule version and the jasco version are in every stamp:
# changing one redoes every stage, and only the stages whose store keys changed cost model calls.
CASES: dict[str, tuple[Callable[[Runner, Path], None], dict[str, Any], set[str], int, int]] = {
    "judged output cut": (lambda r, p: cut(judged(r)), {}, {"judge counting-judge x reference"}, 0, 0),
    "judged output edited": (lambda r, p: edit_rating(judged(r)), {}, {"judge counting-judge x reference"}, 0, 0),
    "answers edited": (lambda r, p: edit_answer(r.out / "answers" / "reference.csv"), {}, {"infer reference"}, 0, 0),
    "control template edited": (lambda r, p: append(p / "jasco" / "describe_only.v1.j2", " Indeed."), {}, ALL, N, N),
    "judge prompt edited": (lambda r, p: append(p / "jasco" / "judge_eval_py.v1.j2", " "), {}, ALL, 2 * N, 0),
    "threshold file edited": (lambda r, p: append(p / "jasco" / "similarity_thresholds.v2.json", " "), {},
                              ALL, 0, 0),
    "judge rules version": (lambda r, p: None, {"patch": ("jasco.tasks.jasco.judging:JUDGING", "rules_version", "x")},
                            JUDGES, 0, 0),
    "task rules version": (lambda r, p: None, {"patch": ("jasco.tasks.jasco.task:TASK", "rules_version", "x")},
                           ALL, 0, 0),
    "jasco version": (lambda r, p: None, {"patch": ("jasco", "__version__", "9.9.9")}, ALL, 0, 0),
    "audio file touched": (lambda r, p: os.utime(r.data / "dataset" / "v0" / "1.wav"), {}, INFERS, 0, 0),
    "judge decoding": (lambda r, p: None, {"decoding": judge_decoding("upstream")}, JUDGES, 2 * N, 0),
    "repair off": (lambda r, p: None, {"repair": False}, JUDGES, 0, 0),
    "judge option": (lambda r, p: None, {"judge_options": {"dtype": "float16"}}, JUDGES, 2 * N, 0),
    "judge option that changes no result": (lambda r, p: None, {"judge_options": {"concurrency": 3}}, JUDGES, 0, 0),
    "infer settings": (lambda r, p: None, {"settings": GenerationSettings(max_new_tokens=99)}, INFERS, 0, 2 * N),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_changed_stamp_component_redoes_its_stage(run: Runner, prompts_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                    case: str) -> None:
    change, arguments, rerun, judge_calls, generated = CASES[case]
    arguments = dict(arguments)
    change(run, prompts_copy)
    if "patch" in arguments:
        import importlib

        target, attribute, value = arguments.pop("patch")
        module, _, name = target.partition(":")
        owner = getattr(importlib.import_module(module), name) if name else importlib.import_module(module)
        monkeypatch.setattr(owner, attribute, value, raising=True)
    got = run(**arguments)
    assert ALL - got["skipped"] == rerun
    assert (got["judge_calls"], got["generated"]) == (judge_calls, generated)
    assert len(read_table(judged(run), required=())) == N  # a cut or edited output is whole again
    assert read_table(judged(run), required=()).loc[0, "rating"] == "2"
    settled = run(**arguments)
    assert settled["skipped"] == ALL and settled["judge_calls"] == 0  # and then it is up to date


def test_the_report_reads_the_redone_output(run: Runner) -> None:
    cut(judged(run))
    result = run()["result"]
    report = (result.out_dir / "report.json").read_text()
    assert '"n_rows": 8' in report and '"n_rows": 3' not in report


def test_a_changed_task_option_redoes_the_stages(tmp_path: Path) -> None:
    """The rule-scored test task: its ``pairs`` option is in every stamp (infer and score)."""
    from click.testing import CliRunner

    from jasco.cli import cli

    tones = tmp_path / "tones"
    assert CliRunner().invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(tones)]).exit_code == 0
    messages: list[str] = []

    def run_with(pairs: int) -> set[str]:
        messages.clear()
        run_pipeline(tmp_path / "run", task="testing-pairs", task_options={"pairs": pairs}, models=["fake-allm"],
                     data_dir=tones, n_boot=5, progress=False, echo=messages.append, max_unscored=1.0)
        return {line.split(":")[0] for line in messages if "up to date, skipped" in line}

    assert run_with(3) == set()
    assert run_with(3) == {"[infer] fake-allm", "[score] fake-allm"}
    assert run_with(2) == set()
    assert len(read_table(tmp_path / "run" / "scored" / "fake-allm.csv", required=())) == 2


def test_run_cli_decoding_repair_flags_and_exit_statuses(tmp_path: Path, upstream_dir: Path) -> None:
    """`jasco run --decoding upstream --no-repair` reaches the judges and the manifests; a flagged
    (model, judge) pair exits 3 after writing the report; --max-unscored 1 accepts it."""
    import json

    from click.testing import CliRunner

    from jasco.cli import cli

    out = tmp_path / "run"
    base = ["run", "--model", "reference", "--judges", "fake", "--judge-option", "unclear_every=2", "--limit", "16",
            "--data-dir", str(upstream_dir), "--out", str(out), "--bootstrap", "5", "--no-progress"]
    flagged = CliRunner().invoke(cli, [*base, "--decoding", "upstream", "--seed", "4", "--no-repair"])
    assert flagged.exit_code == 3, flagged.output
    assert "exceeds --max-unscored 5.0%" in flagged.output and (out / "report.html").is_file()
    manifest = json.loads((out / "run.manifest.json").read_text())
    assert manifest["decoding"]["preset"] == "upstream" and manifest["arguments"]["repair"] is False
    judged = json.loads((out / "judged" / "reference" / "fake.csv.manifest.json").read_text())
    assert (judged["decoding"]["temperature"], judged["decoding"]["seed"]) == (1.0, 4)
    assert judged["arguments"]["repair"] is False
    accepted = CliRunner().invoke(cli, [*base, "--decoding", "upstream", "--seed", "4", "--no-repair",
                                        "--max-unscored", "1"])
    assert accepted.exit_code == 0, accepted.output
    repaired = CliRunner().invoke(cli, base)  # repair on by default: every unclear orientation re-asked
    assert repaired.exit_code == 0, repaired.output


def test_run_stops_at_a_dead_model_before_the_report(tmp_path: Path, upstream_dir: Path) -> None:
    from click.testing import CliRunner

    from jasco.cli import cli
    from tests.server_helpers import free_port

    result = CliRunner().invoke(cli, [
        "run", "--model", "openai", "--model-id", "m", "--option", f"base_url=http://127.0.0.1:{free_port()}/v1",
        "--option", "max_retries=0", "--judges", "fake", "--limit", "24", "--data-dir", str(upstream_dir),
        "--out", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "infer openai: stopped after 8 consecutive failures to reach model 'openai'" in result.output
    assert "the run stopped before the report" in result.output
    assert (tmp_path / "run" / "answers" / "openai.csv").is_file() and not (tmp_path / "run" / "report.txt").exists()
