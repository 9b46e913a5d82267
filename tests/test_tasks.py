"""The task layer: the registry and `jasco tasks`, task options, the dataset registry, the rule-scored
test task (`testing-pairs`: two audios per item) end to end with a model-free model, and JASCO
through `--task jasco` giving the same report as the plain command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.core.registry import UnknownNameError
from jasco.tasks.base import TaskError, get_task
from jasco.tasks.options import TaskOption, TaskOptionError, parse_option_pairs, resolve_task_options
from jasco.testing.pair_task import FREQUENCIES_HZ, score_answer


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("tones") / "testing-tones"
    result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert f"{len(FREQUENCIES_HZ) + 1} files installed in {dest}" in result.output
    return dest


def test_tasks_are_listed_and_an_unknown_task_names_the_known_ones() -> None:
    listed = CliRunner().invoke(cli, ["tasks"])
    assert listed.exit_code == 0 and "jasco " in listed.output and "testing-pairs" in listed.output
    assert "scored by judge" in listed.output and "scored by rule" in listed.output
    assert "option pairs (int" in listed.output
    with pytest.raises(UnknownNameError, match=r"unknown task 'nope'; known: (.*, )?jasco, (.*, )?testing-pairs"):
        get_task("nope")
    result = CliRunner().invoke(cli, ["expand", "--task", "nope", "--out", "x.csv"])
    assert result.exit_code == 2 and re.search(r"unknown task 'nope'; known: (.*, )?jasco, (.*, )?testing-pairs",
                                               result.output)
    assert "Traceback" not in result.output


def test_task_options_are_declared_typed_and_checked() -> None:
    declared = (TaskOption("split", "a db", multiple=True, default=("A",)),
                TaskOption("pairs", "how many", kind="int"),
                TaskOption("with_reference", "two audios", kind="bool", default=False),
                TaskOption("score_mode", "how", choices=("text", "expected"), default="text"))
    given = parse_option_pairs(["split=X", "split=Y", "pairs=3", "with-reference=true"])
    assert resolve_task_options("t", declared, given) == {
        "split": ("X", "Y"), "pairs": 3, "with_reference": True, "score_mode": "text"}
    assert resolve_task_options("t", declared, {}) == {
        "split": ("A",), "pairs": None, "with_reference": False, "score_mode": "text"}
    with pytest.raises(TaskOptionError, match=r"task 't' takes no option nope \(it takes: pairs, score_mode, split"):
        resolve_task_options("t", declared, {"nope": ["1"]})
    with pytest.raises(TaskOptionError, match="pairs: 'three' is not an integer"):
        resolve_task_options("t", declared, {"pairs": ["three"]})
    with pytest.raises(TaskOptionError, match="score_mode: 'best' is not one of text, expected"):
        resolve_task_options("t", declared, {"score_mode": ["best"]})
    with pytest.raises(TaskOptionError, match="pairs is given 2 times"):
        resolve_task_options("t", declared, {"pairs": ["1", "2"]})
    with pytest.raises(TaskOptionError, match="expected KEY=VALUE"):
        parse_option_pairs(["no-equals"])


@pytest.mark.parametrize(("args", "message"), [
    (["--split", "NISQA_TEST_FOR"], "task 'jasco' takes no option split (it takes: none)"),
    (["--with-reference"], "takes no option with_reference"),
    (["--score-mode", "expected"], "takes no option score_mode"),
    (["--pairs", "3"], "takes no option pairs"),
    (["--task-option", "pairs=3"], "takes no option pairs"),
])
def test_first_class_task_flags_reach_the_task_which_rejects_what_it_does_not_take(
    args: list[str], message: str, tmp_path: Path, upstream_dir: Path
) -> None:
    for command in (["expand", "--out", str(tmp_path / "x.csv")], ["infer", "--model", "reference", "--out",
                                                                    str(tmp_path / "y.csv")]):
        result = CliRunner().invoke(cli, [*command, "--data-dir", str(upstream_dir), *args])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()


def test_the_test_dataset_fetches_verifies_and_refuses_a_source(tones: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    again = runner.invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(tones)])
    assert "already installed and verified" in again.output
    verified = runner.invoke(cli, ["data", "verify", "--dataset", "testing-tones", "--data-dir", str(tones)])
    assert verified.exit_code == 0 and f"{len(FREQUENCIES_HZ) + 1} files verified" in verified.output
    copy = tmp_path / "copy"
    runner.invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(copy)])
    (copy / "tone_440.wav").write_bytes(b"RIFF")
    broken = runner.invoke(cli, ["data", "verify", "--dataset", "testing-tones", "--data-dir", str(copy)])
    assert broken.exit_code == 1 and "tone_440.wav: altered" in broken.output
    source = runner.invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(tmp_path / "x"),
                                 "--source", "somewhere"])
    assert source.exit_code == 1 and "built locally; --source is not used" in source.output
    unknown = runner.invoke(cli, ["data", "verify", "--dataset", "nope"])
    assert unknown.exit_code == 2 and "unknown dataset 'nope'; known: jasco-what-are-they-doing" in unknown.output


def test_pair_items_have_two_audios_and_stable_ids(tones: Path, tmp_path: Path) -> None:
    import csv

    out = tmp_path / "items.csv"
    result = CliRunner().invoke(cli, ["expand", "--task", "testing-pairs", "--data-dir", str(tones), "--out", str(out),
                                      "--pairs", "7"])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7 and rows[0]["id"] == "220-330" and rows[0]["expected"] == "2"
    assert rows[5]["id"] == "330-220" and rows[5]["expected"] == "1"
    assert all(Path(row["audio_a"]).is_file() and Path(row["audio_b"]).is_file() for row in rows)
    full = get_task("testing-pairs").expand(tones, {"pairs": None})
    assert len(full) == len(FREQUENCIES_HZ) * (len(FREQUENCIES_HZ) - 1) and full["id"].is_unique


@pytest.mark.parametrize(("answer", "predicted", "status"), [
    ("2", "2", "ok"), ("Audio 1.", "1", "ok"), ("The second one (2) is higher", "2", "ok"),
    ("1 or 2", "", "unscored: both 1 and 2 in the answer"), ("the first", "", "unscored: no 1 or 2 in the answer"),
    ("2.5", "", "unscored: no 1 or 2 in the answer"), ("12 Hz", "", "unscored: no 1 or 2 in the answer"),
    ("", "", "unscored: no answer (boom)"),
])
def test_pair_answers_are_scored_by_rule_never_by_guess(answer: str, predicted: str, status: str) -> None:
    assert score_answer(answer, "boom") == (predicted, status)


class DeafToTheSecondAudio:
    """Answers from the first audio part only: the per-slot audio check must catch it."""

    name = "deaf-second"
    max_audios = None

    def describe(self) -> dict:
        return {"model_id": "deaf", "revision": "0", "backend": "python"}

    def generate(self, requests, on_result) -> None:
        from jasco.models.types import ModelResult

        for request in requests:
            first = request.audios[0].samples
            on_result(ModelResult(index=request.index, text="1" if float(abs(first).max()) > 0 else "2"))

    def close(self) -> None:
        pass


def test_the_audio_check_silences_each_slot(tones: Path, tmp_path: Path) -> None:
    from jasco.models.check import AudioCheckError
    from jasco.stages.infer import run_infer

    messages: list[str] = []
    run_infer(tmp_path / "a.csv", model="fake-allm", task="testing-pairs", data_dir=tones, progress=False,
              check_audio_items=3, echo=messages.append, limit=4)
    assert messages == ["audio check passed for fake-allm: audio 1: 3/3; audio 2: 3/3 answers change with silence"]
    with pytest.raises(AudioCheckError, match=r"FAILED for deaf-second: audio 2: all 3 answers are identical"):
        run_infer(tmp_path / "b.csv", model="deaf", task="testing-pairs", data_dir=tones, progress=False,
                  check_audio_items=3, adapter=DeafToTheSecondAudio())  # type: ignore[arg-type]


def test_a_single_audio_model_refuses_a_two_audio_task_before_loading(tones: Path, tmp_path: Path) -> None:
    """The generic worker takes one audio unless told otherwise: refused before its process starts."""
    script = tmp_path / "never_started.py"
    script.write_text(f"open({str(tmp_path / 'started')!r}, 'w').close()\n")
    result = CliRunner().invoke(cli, ["infer", "--task", "testing-pairs", "--data-dir", str(tones), "--model",
                                      "worker", "--option", f"worker_script={script}", "--out",
                                      str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output
    assert "model 'worker' takes at most 1 audio input(s) per request and these items have 2" in result.output
    assert not (tmp_path / "started").exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("model", "options"), [
    ("voxtral", {"model_id": "/no/such/voxtral"}),
    ("qwen2.5-omni", {"model_id": "/no/such/omni"}),
    ("salmonn", {"worker_python": "/no/such/python", "checkpoint": "/no/such/salmonn_7b_v0.pth"}),
])
def test_single_audio_adapters_refuse_two_audios_before_loading(
    model: str, options: dict, tones: Path, tmp_path: Path
) -> None:
    from jasco.stages.infer import run_infer

    with pytest.raises(TaskError, match=rf"model '{model}' takes at most 1 audio input\(s\) per request"):
        run_infer(tmp_path / "out.csv", model=model, task="testing-pairs", data_dir=tones, options=options,
                  progress=False)  # nothing exists at those paths: any loading would fail differently
    assert not (tmp_path / "out.csv").exists()


def test_pair_task_end_to_end_with_a_model_free_model(tones: Path, tmp_path: Path) -> None:
    args = ["run", "--task", "testing-pairs", "--model", "fake-allm,testing-echo", "--data-dir", str(tones),
            "--out", str(tmp_path / "run"), "--bootstrap", "50", "--no-progress"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["sections"] == ["results", "inputs"]
    results = {entry["model"]: entry for entry in report["results"]}
    assert set(results) == {"fake/allm", "jasco/echo"}
    for entry in results.values():
        assert entry["n_rows"] == 30 and entry["n_scored"] + entry["n_unscored"] == 30
    scored = (tmp_path / "run" / "scored" / "fake-allm.csv").read_text()
    assert "score_status" in scored.splitlines()[0] and "unscored: no 1 or 2 in the answer" in scored
    again = CliRunner().invoke(cli, args)
    assert again.output.count("up to date, skipped") == 4  # 2 infer + 2 score stages
    assert json.loads((tmp_path / "run" / "report.json").read_text())["results"] == report["results"]
    judges = CliRunner().invoke(cli, [*args, "--judges", "similarity"])
    assert judges.exit_code == 2 and "scored by rule; --judges does not apply" in judges.output
    judge = CliRunner().invoke(cli, ["judge", "--task", "testing-pairs", "--judge", "fake", str(tmp_path / "x.csv"),
                                     str(tmp_path / "y.csv")])
    assert judge.exit_code == 1 and "is scored by rule, not by a judge" in judge.output


def test_score_is_a_stage_of_its_own(tones: Path, tmp_path: Path) -> None:
    from jasco.stages.infer import run_infer

    answers = tmp_path / "answers.csv"
    run_infer(answers, model="testing-echo", task="testing-pairs", data_dir=tones, progress=False, limit=5)
    result = CliRunner().invoke(cli, ["score", "--task", "testing-pairs", str(answers), str(tmp_path / "s.csv")])
    assert result.exit_code == 0 and "5 rows scored" in result.output
    manifest = json.loads((tmp_path / "s.csv.manifest.json").read_text())
    assert manifest["stage"] == "score" and manifest["counts"]["rows"] == 5
    assert manifest["arguments"]["task"] == "testing-pairs"
    jasco = CliRunner().invoke(cli, ["score", str(answers), str(tmp_path / "t.csv")])
    assert jasco.exit_code == 2 and "scored by an LLM judge, not by rule" in jasco.output
    same = CliRunner().invoke(cli, ["score", "--task", "testing-pairs", str(answers), str(answers)])
    assert same.exit_code == 2 and "is also an input" in same.output and "refusing to overwrite it" in same.output
    with pytest.raises(TaskError, match="scored by rule"):
        get_task("testing-pairs").judging()


def test_jasco_run_with_task_jasco_equals_the_plain_command(tmp_path: Path, upstream_dir: Path) -> None:
    base = ["run", "--model", "reference,describe-only", "--judges", "similarity", "--data-dir", str(upstream_dir),
            "--limit", "16", "--bootstrap", "30", "--no-progress"]
    plain = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "plain")])  # equally long names:
    explicit = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "jasco"), "--task", "jasco"])  # same widths
    assert plain.exit_code == 0 and explicit.exit_code == 0, plain.output + explicit.output
    for name in ("report.json", "report.txt", "report.html", "items.csv", "answers/reference.csv",
                 "judged/describe-only/similarity.csv"):
        a = (tmp_path / "plain" / name).read_text().replace(str(tmp_path / "plain"), "OUT")
        b = (tmp_path / "jasco" / name).read_text().replace(str(tmp_path / "jasco"), "OUT")
        assert a == b, name
    report = json.loads((tmp_path / "plain" / "report.json").read_text())
    assert {entry["model"] for entry in report["averages"]} == {"reference", "describe-only"}


class NumbersModel:
    """A predictor-like model: named values instead of text, and logprobs when asked for them."""

    name = "numbers"
    max_audios = None
    calls = 0

    def describe(self) -> dict:
        return {"model_id": "numbers/1", "revision": "1", "backend": "python"}

    def generate(self, requests, on_result) -> None:
        from jasco.models.types import ModelResult, TokenLogprob

        for request in requests:
            NumbersModel.calls += 1
            rms = float((request.audios[0].samples ** 2).mean() ** 0.5)
            logprobs = ((TokenLogprob("2", -0.25, (("2", -0.25), ("1", -1.5))),) if request.top_logprobs else None)
            on_result(ModelResult(index=request.index, values={"rms": round(rms, 6)}, logprobs=logprobs,
                                  finish_reason="length" if request.item_id.endswith("0-330") else "stop"))

    def close(self) -> None:
        pass


@pytest.fixture()
def logprob_task():
    from jasco.tasks.base import TASKS

    TASKS.register("testing-logprobs", "tests.task_doubles:LOGPROB_TASK", "testing: asks for top logprobs")
    yield "testing-logprobs"
    TASKS._entries.pop("testing-logprobs")


def test_named_values_and_logprobs_reach_the_answers_file_and_the_store(
    tones: Path, tmp_path: Path, logprob_task: str
) -> None:
    import csv

    from jasco.stages.infer import run_infer

    out = tmp_path / "answers.csv"
    first = run_infer(out, model="numbers", task=logprob_task, data_dir=tones, progress=False, limit=4,
                      adapter=NumbersModel())  # type: ignore[arg-type]
    # named values are the answer: a "length" finish cuts no text, so it is no truncation error
    assert (first.n_generated_now, first.n_truncated, first.n_errors) == (4, 0, 0)
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["answer"] for row in rows] == [""] * 4  # no text: the values are the answer
    assert json.loads(rows[0]["answer_values"]) == {"rms": pytest.approx(0.212132, abs=1e-6)}
    assert json.loads(rows[0]["answer_logprobs"]) == [{"token": "2", "logprob": -0.25,
                                                       "top": [["2", -0.25], ["1", -1.5]]}]
    calls = NumbersModel.calls
    again = run_infer(out, model="numbers", task=logprob_task, data_dir=tones, progress=False, limit=4,
                      adapter=NumbersModel())  # type: ignore[arg-type]
    assert (again.n_from_store, again.n_generated_now, again.n_truncated, NumbersModel.calls) == (4, 0, 0, calls)
    with open(out, encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == rows
    manifest = json.loads(first.manifest_path.read_text())
    assert manifest["counts"]["truncated"] == 0 and manifest["store_key_version"] == 3
