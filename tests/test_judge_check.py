"""Judge validation on control answers: the control table and the accuracy/confusion analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jasco.core.table import TableError
from jasco.tasks.jasco.check import (
    EXPECTED,
    CheckError,
    check_judgments,
    control_items,
    read_judged,
    render_markdown,
    render_text,
    write_control_files,
)
from jasco.tasks.jasco.labels import Orientation


def test_expected_labels() -> None:
    assert {k: (v.rating, v.orientation) for k, v in EXPECTED.items()} == {
        "reference": (2, Orientation.BOTH),
        "audio-only": (0, Orientation.AUDIO),
        "speech-only": (0, Orientation.SPEECH),
        "describe-only": (0, Orientation.NEITHER),
    }


def test_control_items_cover_every_clip_once_per_control(upstream_dir: Path) -> None:
    table = control_items(upstream_dir)
    assert len(table) == 320
    assert table.groupby("model")["id"].nunique().to_dict() == dict.fromkeys(EXPECTED, 80)
    assert not table.duplicated(["model", "id"]).any()
    assert set(table["prompt"]) == {
        "Based on both the audio sound and the spoken text, infer what the speakers are doing specifically?"
    }
    reference = table[table["model"] == "reference"]
    assert (reference["allm_output"] == reference["tgt_text"]).all()
    with pytest.raises(ValueError, match="unknown controls"):
        control_items(upstream_dir, ["oracle"])


def judged(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"model": m, "rating": r, "orientation": o, "parse_status": s, "judge": "toy"} for m, r, o, s in rows]
    )


# 10 rows, hand-labelled; the comment says whether rating / orientation are right.
HAND = [
    ("reference", "2", "Both", "ok"),                        # R ok, O ok
    ("reference", "1", "Both", "ok"),                        # R no, O ok
    ("reference", "", "", "unscored: no Rating line"),       # R no, O no (unscored)
    ("audio-only", "0", "Audio-Oriented", "ok"),             # R ok, O ok
    ("audio-only", "0", "Both", "ok"),                       # R ok, O no
    ("audio-only", "2", "Both", "repaired"),                 # R no, O no
    ("speech-only", "0", "Speech-Oriented", "ok"),           # R ok, O ok
    ("speech-only", "0", "", "unscored: invalid orientation"),  # R ok, O no (unscored)
    ("describe-only", "0", "Neither", "ok"),                 # R ok, O ok
    ("describe-only", "1", "Speech-Oriented", "ok"),         # R no, O no
]


def test_check_on_a_hand_built_table() -> None:
    check = check_judgments(judged(HAND))
    assert check.n == 10 and check.unscored == 2 and check.judges == ("toy",)
    assert check.rating_correct == 6 and check.rating_accuracy == pytest.approx(0.6)
    assert check.orientation_correct == 5 and check.orientation_accuracy == pytest.approx(0.5)
    per = {k: (v.n, v.rating_correct, v.orientation_correct, v.unscored) for k, v in check.per_control.items()}
    assert per == {"reference": (3, 1, 2, 1), "audio-only": (3, 2, 1, 0),
                   "speech-only": (2, 2, 1, 1), "describe-only": (2, 1, 1, 0)}
    assert check.per_control["reference"].rating_accuracy == pytest.approx(1 / 3)
    assert check.orientation_confusion == {
        "Both": {"Both": 2, "Audio-Oriented": 0, "Speech-Oriented": 0, "Neither": 0, "unscored": 1},
        "Audio-Oriented": {"Both": 2, "Audio-Oriented": 1, "Speech-Oriented": 0, "Neither": 0, "unscored": 0},
        "Speech-Oriented": {"Both": 0, "Audio-Oriented": 0, "Speech-Oriented": 1, "Neither": 0, "unscored": 1},
        "Neither": {"Both": 0, "Audio-Oriented": 0, "Speech-Oriented": 1, "Neither": 1, "unscored": 0},
    }
    assert check.rating_confusion == {
        "2": {"0": 0, "1": 1, "2": 1, "unscored": 1},
        "0": {"0": 5, "1": 1, "2": 1, "unscored": 0},
    }


def test_renderers_show_the_numbers() -> None:
    check = check_judgments(judged(HAND))
    text = render_text(check)
    assert "60.0%" in text and "50.0%" in text and "toy" in text
    rows = [line.split() for line in text.splitlines()]
    assert ["reference", "3", "2", "/", "Both", "33.3%", "66.7%", "1"] in rows
    assert ["Audio-Oriented", "2", "1", "0", "0", "0"] in rows
    markdown = render_markdown(check)
    assert "| all | 10 |  | 60.0% | 50.0% | 2 |" in markdown
    assert "| Audio-Oriented | 2 | 1 | 0 | 0 | 0 |" in markdown
    data = json.loads(json.dumps(check.as_dict()))
    assert data["rating_accuracy"] == pytest.approx(0.6) and data["per_control"]["speech-only"]["unscored"] == 1


def test_a_csv_round_trip_with_float_ratings_still_checks() -> None:
    check = check_judgments(judged([("reference", "2.0", "both", "ok"), ("audio-only", "0.0", "audio-oriented", "ok")]))
    assert check.rating_accuracy == 1.0 and check.orientation_accuracy == 1.0
    frame = pd.DataFrame({"model": ["reference", "audio-only"], "rating": [2.0, float("nan")],
                          "orientation": ["Both", None]})  # a default pandas read: NaN for empty
    check = check_judgments(frame)
    assert (check.rating_correct, check.orientation_correct, check.unscored) == (1, 1, 1)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("reference", "3", "Both", "ok")], "row 2: rating '3'"),
        ([("reference", "2", "Both", "ok"), ("reference", "x", "Both", "ok")], "row 3: rating 'x'"),
        ([("reference", "2", "Sideways", "ok")], "row 2: orientation 'Sideways'"),
        ([("qwen2-audio", "2", "Both", "ok")], "row 2: model 'qwen2-audio' is not a control"),
        ([], "no rows"),
    ],
)
def test_bad_tables_are_errors_naming_the_row(rows, message: str) -> None:
    frame = judged(rows) if rows else pd.DataFrame(columns=["model", "rating", "orientation"])
    with pytest.raises(CheckError, match=message):
        check_judgments(frame)
    with pytest.raises(CheckError, match="lacks columns"):
        check_judgments(pd.DataFrame({"model": ["reference"]}))


def test_control_files_round_trip(upstream_dir: Path, tmp_path: Path) -> None:
    paths = write_control_files(upstream_dir, tmp_path / "controls", ["reference", "describe-only"])
    assert sorted(p.name for p in paths.values()) == ["describe-only.csv", "reference.csv"]
    for name, path in paths.items():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert len(frame) == 80 and not frame.duplicated(["id", "prompt"]).any() and set(frame["model"]) == {name}
    # pretend a perfect judge judged them
    judged_paths = []
    for name, path in paths.items():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["rating"] = str(EXPECTED[name].rating)
        frame["orientation"] = EXPECTED[name].orientation.value
        judged_paths.append(tmp_path / f"{name}.judged.csv")
        frame.to_csv(judged_paths[-1], index=False)
    check = check_judgments(read_judged(judged_paths))
    assert (check.n, check.rating_accuracy, check.orientation_accuracy) == (160, 1.0, 1.0)
    assert list(check.orientation_confusion) == ["Both", "Neither"]
    bad = pd.read_csv(judged_paths[1], dtype=str, keep_default_na=False)
    bad.loc[3, "rating"] = "7"
    bad.to_csv(judged_paths[1], index=False)
    with pytest.raises(CheckError, match=r"describe-only\.judged\.csv:5: rating '7'"):
        check_judgments(read_judged(judged_paths))
    with pytest.raises(TableError, match=r"missing\.csv"):
        read_judged([tmp_path / "missing.csv"])
