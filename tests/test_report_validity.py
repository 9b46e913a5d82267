"""The report's judge-validity section, from hand-built judged control files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jasco.core.table import write_table
from jasco.report.build import build_report
from jasco.report.render import render
from jasco.tasks.jasco.check import EXPECTED, control_items


def _judged_controls(upstream_dir: Path, tmp_path: Path, judge: str, wrong: dict[str, int]) -> list[Path]:
    """One judged file per control: every row judged as expected, except the first ``wrong[control]``
    rows, which get rating 1 and orientation Neither (wrong for every control but describe-only's
    orientation; describe-only is never given wrong rows here)."""
    table = control_items(upstream_dir)
    paths = []
    for control, expected in EXPECTED.items():
        rows = table[table["model"] == control].copy()
        rows["judge"] = judge
        rows["rating"] = str(expected.rating)
        rows["orientation"] = expected.orientation.value
        rows["parse_status"] = "ok"
        rows["judge_output"] = ""
        n_wrong = wrong.get(control, 0)
        rows.iloc[:n_wrong, rows.columns.get_loc("rating")] = "1"
        rows.iloc[:n_wrong, rows.columns.get_loc("orientation")] = "Neither"
        path = tmp_path / f"{judge}-{control}.csv"
        write_table(rows, path)
        paths.append(path)
    return paths


def test_validity_section_counts_each_judge(upstream_dir: Path, tmp_path: Path) -> None:
    good = _judged_controls(upstream_dir, tmp_path, "judge-a", {})
    weak = _judged_controls(upstream_dir, tmp_path, "judge-b", {"reference": 8, "speech-only": 4})
    report = build_report(good[:1], n_boot=10, extra_inputs={"controls": [*good, *weak]})
    by_judge = {entry["judge"]: entry for entry in report["judge_validity"]}
    assert by_judge["judge-a"]["n"] == 320 and by_judge["judge-a"]["rating_accuracy"] == 1.0
    weak_check = by_judge["judge-b"]
    # 12 of 320 rows wrong in both rating and orientation: (320 - 12) / 320
    assert weak_check["rating_accuracy"] == pytest.approx(308 / 320)
    assert weak_check["orientation_accuracy"] == pytest.approx(308 / 320)
    assert weak_check["per_control"]["reference"]["rating_accuracy"] == pytest.approx(72 / 80)
    assert weak_check["orientation_confusion"]["Both"]["Neither"] == 8
    assert weak_check["orientation_confusion"]["Speech-Oriented"]["Neither"] == 4
    text = render(report, "table")
    assert "judge-b: Accuracy on the control answers" in text and "96.2%" in text


def test_validity_section_absent_without_control_files(upstream_dir: Path, tmp_path: Path) -> None:
    good = _judged_controls(upstream_dir, tmp_path, "judge-a", {})
    report = build_report(good[:1], n_boot=10)
    assert "judge_validity" not in report or report["judge_validity"] is None


def test_validity_section_names_a_bad_row(upstream_dir: Path, tmp_path: Path) -> None:
    paths = _judged_controls(upstream_dir, tmp_path, "judge-a", {})
    frame = pd.read_csv(paths[0], dtype=str, keep_default_na=False)
    frame.loc[3, "rating"] = "7"
    write_table(frame, paths[0])
    with pytest.raises(ValueError, match=rf"{paths[0].name}:5: rating '7'"):
        build_report(paths[1:2], n_boot=10, extra_inputs={"controls": paths})
