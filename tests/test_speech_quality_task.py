"""The registered speech-quality task without a model: items, options, exclusions, scoring by rule
(text, expected, predictor values) and bad input, through the commands where a user would meet them."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.tasks.base import TaskError, get_task
from jasco.tasks.speech_quality.bank import load_bank
from jasco.tasks.speech_quality.corpus import COLUMNS
from jasco.tasks.speech_quality.scale import load_scale
from tests.speech_quality_corpus import build_corpus, read_rows, write_table

FAMILIES = ("mos", "noi", "col", "dis", "loud", "categorical", "multi", "explanatory")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("sq-task") / "corpus")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_task_is_listed_with_its_options() -> None:
    code, out = _invoke("tasks")
    assert code == 0 and "speech-quality" in out
    for option in ("split (str, repeatable", "with_reference (bool", "families (str, repeatable", "seed (int",
                   "score_mode (str", "max_audio_s (float", "audio_policy (str"):
        assert f"option {option}" in out, option


def test_single_ended_items_cover_every_file_and_family(corpus: Path, tmp_path: Path) -> None:
    code, out = _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--out",
                        str(tmp_path / "items.csv"))
    assert code == 0, out
    rows = _rows(tmp_path / "items.csv")
    assert len(rows) == (4 + 3 + 3) * len(FAMILIES)  # the three test sets by default, not NISQA_TRAIN_SIM
    assert {row["db"] for row in rows} == {"NISQA_TEST_FOR", "NISQA_TEST_P501", "NISQA_TEST_LIVETALK"}
    assert all(not row["excluded"] and row["question"] and not row["ref_path"] for row in rows)
    assert all(Path(row["deg_path"]).is_absolute() and Path(row["deg_path"]).is_file() for row in rows)
    assert {row["bank_sha256"] for row in rows} == {load_bank().sha256}
    assert {row["scale_sha256"] for row in rows} == {load_scale().sha256}
    first = next(row for row in rows if row["family"] == "mos")
    assert first["label_mos"] == "1.8" and first["label_loud"] == "4.0"  # the file's ratings, all five
    assert first["id"] == f"NISQA_TEST_FOR/{first['file']}#mos"


def test_double_ended_items_leave_livetalk_out_with_a_reason(corpus: Path, tmp_path: Path) -> None:
    code, out = _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--with-reference",
                        "--split", "NISQA_TEST_FOR", "--split", "NISQA_TEST_LIVETALK", "--out",
                        str(tmp_path / "items.csv"))
    assert code == 0, out
    rows = _rows(tmp_path / "items.csv")
    asked = [row for row in rows if not row["excluded"]]
    left = [row for row in rows if row["excluded"]]
    assert {row["db"] for row in asked} == {"NISQA_TEST_FOR"} and len(asked) == 4 * len(FAMILIES)
    assert all(Path(row["ref_path"]).is_file() and row["id"].endswith("#ref") for row in asked)
    assert "first the degraded speech, then its clean reference" in asked[0]["question"]
    assert len(left) == 3 * len(FAMILIES) and {row["db"] for row in left} == {"NISQA_TEST_LIVETALK"}
    assert {row["excluded"] for row in left} == {"no reference signal for a double-ended item"}


@pytest.mark.parametrize(("break_corpus", "message"), [
    ("columns", r"NISQA_corpus_file.csv: missing column\(s\) noi"),
    ("wav", r"row 3: NISQA_TEST_FOR/deg/\S+\.wav: "),
    ("split", r"unknown split\(s\) NISQA_TEST_NOPE; the db values in this corpus: NISQA_TEST_FOR"),
])
def test_bad_corpus_input_is_one_clear_line(corpus: Path, tmp_path: Path, break_corpus: str, message: str) -> None:
    import shutil

    broken = tmp_path / "corpus"
    shutil.copytree(corpus, broken)
    extra = []
    if break_corpus == "columns":
        write_table(broken, read_rows(broken), tuple(c for c in COLUMNS if c != "noi"))
    elif break_corpus == "wav":
        (broken / read_rows(broken)[1]["filepath_deg"]).unlink()
    else:
        extra = ["--split", "NISQA_TEST_NOPE"]
    for command in (["expand", "--out", str(tmp_path / "items.csv")],
                    ["run", "--model", "fake-allm", "--out", str(tmp_path / "run"), "--no-progress"]):
        code, out = _invoke(*command, "--task", "speech-quality", "--data-dir", str(broken), *extra)
        assert code != 0 and "Traceback" not in out, out
        assert re.search(message, out), out
    assert not (tmp_path / "items.csv").exists() and not (tmp_path / "run" / "answers").exists()


def test_expected_mode_takes_the_numeric_families_only(corpus: Path, tmp_path: Path) -> None:
    task = get_task("speech-quality")
    assert task.resolve_options({"score_mode": ["expected"]})["families"] == ("mos", "noi", "col", "dis", "loud")
    assert task.answer_format(task.resolve_options({"score_mode": ["expected"]})).top_logprobs == 20
    assert task.answer_format(task.resolve_options({})).top_logprobs == 0
    code, out = _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--score-mode", "expected",
                        "--task-option", "families=multi", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "families multi are not numeric" in out and "Traceback" not in out


class Windowed:
    """A model that declares the longest audio it hears whole."""

    name, max_audios = "windowed", 2

    def __init__(self, max_audio_s: float | None) -> None:
        self.max_audio_s = max_audio_s


def test_audio_over_a_models_window_is_an_error_or_excluded_never_cropped(corpus: Path) -> None:
    task = get_task("speech-quality")
    options = task.resolve_options({"split": ["NISQA_TEST_FOR"], "families": ["mos"]})
    frame = task.expand(corpus, options)
    durations = [float(d) for d in frame["deg_duration_s"]]
    limit = sorted(durations)[1] + 0.01  # two files fit, two do not
    assert task.excluded_rows(frame, Windowed(None), options) == {}
    with pytest.raises(TaskError, match=r"item NISQA_TEST_FOR/\S+#mos: degraded audio .* longer than the "
                                        r".* s model 'windowed' takes; nothing is cropped"):
        task.excluded_rows(frame, Windowed(limit), options)
    excluding = {**options, "audio_policy": "exclude"}
    reasons = task.excluded_rows(frame, Windowed(limit), excluding)
    assert sorted(reasons) == [i for i, d in enumerate(durations) if d > limit]
    assert all(text.startswith("audio too long: degraded audio") for text in reasons.values())
    assert task.excluded_rows(frame, Windowed(limit), {**excluding, "max_audio_s": 100.0}) == {}  # the option wins


def _answers(items: list[dict[str, str]], answers: dict[str, str], **extra: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for row in items:
        out = {**row, "answer": answers.get(row["family"], ""), "model": "scripted", "infer_error": ""}
        for column, by_family in extra.items():
            out[column] = by_family.get(row["family"], "")
        rows.append(out)
    return rows


def test_text_answers_are_scored_by_rule_with_a_status_per_row(corpus: Path, tmp_path: Path) -> None:
    _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--split", "NISQA_TEST_P501",
            "--out", str(tmp_path / "items.csv"))
    items = _rows(tmp_path / "items.csv")
    answers = _answers(items, {
        "mos": "I would rate the overall quality 3.5 out of 5.", "noi": "Noisiness: 2.",
        "col": "It sounds natural.", "dis": "between 3 and 4", "categorical": "Poor.",
        "multi": "MOS: 3.1, noisiness: 2.2, coloration: 4, discontinuity 4.5, loudness: 3.9",
        "explanatory": "Some hiss at 20 dB. Overall MOS of 2.8.",
    })
    answers[-1]["infer_error"] = "the server returned 500"  # the last row (P501 file 3, explanatory)
    code, out = _invoke("score", "--task", "speech-quality", str(_write(tmp_path / "answers.csv", answers)),
                        str(tmp_path / "scored.csv"))
    assert code == 0, out
    scored = _rows(tmp_path / "scored.csv")
    assert len(scored) == 3 * (7 + 5)  # one row per asked quantity: 7 one-number families + multi's five
    got = {(row["file"].split("/")[1], row["family"], row["dimension"]): row for row in scored}
    name = items[0]["file"]
    assert float(got[(name, "mos", "mos")]["y_pred"]) == 3.5
    assert float(got[(name, "noi", "noi")]["y_pred"]) == 2.0
    assert float(got[(name, "categorical", "mos")]["y_pred"]) == 2.0  # "poor": its bin centre
    assert [float(got[(name, "multi", d)]["y_pred"]) for d in ("mos", "noi", "col", "dis", "loud")] == [
        3.1, 2.2, 4.0, 4.5, 3.9]
    assert float(got[(name, "explanatory", "mos")]["y_pred"]) == 2.8  # not the 20 dB
    unscored = got[(name, "col", "col")]
    assert (unscored["y_pred"], unscored["status"], unscored["raw"]) == ("", "no_number", "It sounds natural.")
    assert (got[(name, "dis", "dis")]["status"], got[(name, "dis", "dis")]["y_pred"]) == ("range", "")
    last = got[(items[-1]["file"], "explanatory", "mos")]
    assert (last["status"], last["reason"], last["y_pred"]) == ("no_answer", "the server returned 500", "")
    manifest = json.loads((tmp_path / "scored.csv.manifest.json").read_text())
    details = manifest["task_details"]
    assert details["bank_sha256"] == load_bank().sha256 and details["scale_sha256"] == load_scale().sha256
    assert manifest["counts"]["rows"] == 36 and details["by_status"]["no_number"] == 3


def _position(token: str, top: list[tuple[str, float]]) -> dict[str, object]:
    return {"token": token, "logprob": top[0][1], "top": [list(pair) for pair in top]}


def test_expected_mode_weights_the_scores_at_the_answers_number(corpus: Path, tmp_path: Path) -> None:
    _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--split", "NISQA_TEST_P501",
            "--score-mode", "expected", "--out", str(tmp_path / "items.csv"))
    items = _rows(tmp_path / "items.csv")
    top = [("\u01203", -0.6), ("\u01204", -1.3), ("2", -2.6), ("I", -3.5)]
    answers = {"mos": "MOS 3.5", "noi": "On a scale of 1 to 5, 3", "col": "3 or 3", "dis": "no idea",
               "loud": "Loudness 3"}
    logprobs = {
        "mos": [_position("MOS", [("MOS", -0.1)]), _position("\u01203", top), _position(".", [(".", -0.2)]),
                _position("5", [("5", -0.3)])],
        "noi": [_position(t, [(t, -0.1)]) for t in ("On", " a", " scale", " of", " 1", " to", " 5", ",")]
               + [_position(" 3", top)],
        "col": [_position(" 3", top), _position(" or", [(" or", -0.1)]), _position(" 3", top)],
        "dis": [_position("no", [("no", -0.1)])],
        "loud": [_position("Loud", [("Loud", -0.1)]), _position("ness", [("ness", -0.1)]),
                 _position(" 3", [("3", -2.0), ("x", -0.2)])],
    }
    rows = _answers(items, answers, answer_logprobs={k: json.dumps(v) for k, v in logprobs.items()})
    code, out = _invoke("score", "--task", "speech-quality", "--score-mode", "expected",
                        str(_write(tmp_path / "answers.csv", rows)), str(tmp_path / "scored.csv"))
    assert code == 0, out
    got = {row["dimension"]: row for row in _rows(tmp_path / "scored.csv") if row["file"].endswith(items[0]["file"])}
    p3, p4, p2 = math.exp(-0.6), math.exp(-1.3), math.exp(-2.6)
    expected = (3 * p3 + 4 * p4 + 2 * p2) / (p3 + p4 + p2)
    assert float(got["mos"]["y_pred"]) == pytest.approx(expected, abs=1e-12) and got["mos"]["status"] == "expected"
    assert float(got["noi"]["y_pred"]) == pytest.approx(expected, abs=1e-12)  # the 3, not the 1 of "1 to 5"
    assert (got["col"]["status"], got["col"]["y_pred"]) == ("ambiguous_position", "")
    assert (got["dis"]["status"], got["dis"]["y_pred"]) == ("no_number", "")
    assert (got["loud"]["status"], got["loud"]["y_pred"]) == ("low-mass", "")
    assert {row["score_mode"] for row in _rows(tmp_path / "scored.csv")} == {"expected"}


def test_predictor_values_are_scored_once_per_file_on_what_it_predicts(corpus: Path, tmp_path: Path) -> None:
    _invoke("expand", "--task", "speech-quality", "--data-dir", str(corpus), "--split", "NISQA_TEST_FOR",
            "--task-option", "families=mos", "--task-option", "families=multi", "--out", str(tmp_path / "items.csv"))
    items = _rows(tmp_path / "items.csv")
    values = json.dumps({"mos": 3.25, "noi": 2.5, "sig": 3.9})
    rows = _answers(items, {}, answer_values={"mos": values, "multi": values})
    failed = items[-1]["file"]
    for row in rows:
        if row["file"] == failed:
            row.update(answer_values="", infer_error="predictor x: the file is silent")
    code, out = _invoke("score", "--task", "speech-quality", str(_write(tmp_path / "answers.csv", rows)),
                        str(tmp_path / "scored.csv"))
    assert code == 0, out
    scored = _rows(tmp_path / "scored.csv")
    assert len(scored) == 4 * 2  # 4 files x (mos, noi); col/dis/loud are not predicted, sig is no dimension
    assert {row["family"] for row in scored} == {"predictor"}
    ok = [row for row in scored if row["status"] == "predicted"]
    assert sorted((row["dimension"], float(row["y_pred"])) for row in ok) == [("mos", 3.25)] * 3 + [("noi", 2.5)] * 3
    bad = [row for row in scored if row["file"].endswith(failed)]
    assert {(row["status"], row["reason"]) for row in bad} == {("no_answer", "predictor x: the file is silent")}
