"""`jasco report` end to end through click: formats, the JSON contract, bad input, the section extension point."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext as ReportContext
from jasco.tasks.jasco.report.sections import register_section, unregister_section
from tests.report_helpers import ours_rows, write_csv, write_golden


@pytest.fixture()
def golden_files(tmp_path: Path, upstream_dir: Path) -> list[Path]:
    return write_golden(upstream_dir, tmp_path)


def run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, ["report", *args])


def test_json_contract(golden_files: list[Path]) -> None:
    result = run([*map(str, golden_files), "--model", "B", "--judge", "X", "--format", "json", "--bootstrap", "100",
                  "--max-unscored", "0.5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"results", "averages", "bootstrap", "agreement", "variants", "paired"} <= set(report)
    for entry in report["results"]:
        assert {"model", "judge", "n_rows", "n_scored", "n_unscored", "n_clips", "best_mean", "best_mean_ci",
                "dependence"} <= set(entry)
        assert isinstance(entry["n_rows"], int)
        assert entry["n_rows"] == entry["n_scored"] + entry["n_unscored"] + entry["n_no_answer"]
        assert entry["coverage_rows"] == pytest.approx(entry["n_scored"] / entry["n_rows"])
        assert entry["flagged"] is False and entry["max_unscored"] == 0.5
        assert 0.0 <= entry["best_mean"] <= 2.0
        lo, hi = entry["best_mean_ci"]
        assert lo <= hi
        assert set(entry["dependence"]) == {"audio", "both", "speech"}
        assert all(0.0 <= share <= 1.0 for share in entry["dependence"].values())
        assert sum(entry["dependence"].values()) == pytest.approx(1.0)
    assert [(r["model"], r["judge"]) for r in report["results"]] == [("A", "X"), ("A", "Y"), ("B", "X")]
    for entry in report["averages"]:
        assert {"model", "best_mean", "dependence"} <= set(entry)
        assert set(entry["dependence"]) == {"audio", "both", "speech"}
    assert report["bootstrap"]["n_boot"] == 100 and report["bootstrap"]["seed"] == 0
    assert report["flags"] == []


def test_table_markdown_csv(golden_files: list[Path], tmp_path: Path) -> None:
    args = [*map(str, golden_files), "--model", "B", "--judge", "X", "--bootstrap", "50", "--max-unscored", "0.5"]
    table = run(args)
    assert table.exit_code == 0, table.output
    assert "best-mean (average over judges)" in table.output and "Audio-Dependence%" in table.output
    assert "1.167" in table.output  # A's average best-mean 7/6
    assert "62.5%" in table.output  # A's average Both share 5/8
    assert "5/9 (55.6%)" in table.output and "2/3 (66.7%)" in table.output  # A/X coverage: rows, clips
    assert "13/18 (72.2%)" in table.output  # A averaged over X and Y: 5 + 8 scored of 18 rows
    markdown = run([*args, "--format", "markdown"])
    assert "| A | 1.167 |" in markdown.output and "|---|" in markdown.output
    out = tmp_path / "report.csv"
    written = run([*args, "--format", "csv", "--out", str(out)])
    assert written.exit_code == 0 and "written to" in written.output
    manifest = json.loads((tmp_path / "report.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["stage"] == "report" and manifest["arguments"]["n_boot"] == 50
    assert [item["sha256"] for item in manifest["inputs"]] and manifest["bootstrap"]["seed"] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["model"], r["judge"]) for r in rows] == [("A", "X"), ("A", "Y"), ("B", "X"), ("A", "average"),
                                                        ("B", "average")]
    assert float(rows[3]["both"]) == pytest.approx(0.625) and float(rows[0]["best_mean"]) == pytest.approx(1.0)
    assert float(rows[0]["best_mean_scored_only"]) == pytest.approx(1.5)
    assert float(rows[0]["coverage_rows"]) == pytest.approx(5 / 9) and rows[0]["flagged"] == "False"
    assert float(rows[3]["coverage_rows"]) == pytest.approx(13 / 18)


def test_names_fall_back_to_the_file_name(golden_files: list[Path]) -> None:
    result = run([str(golden_files[2]), "--format", "json", "--bootstrap", "10", "--max-unscored", "0.5"])
    (entry,) = json.loads(result.output)["results"]
    assert entry["model"] == "B_X" and entry["judge"] == "B_X"


def _break(path: Path, change: Any) -> Path:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows = change(rows)
    broken = path.with_name("broken_" + path.name)
    return write_csv(broken, rows)


def _set(row_index: int, **values: str) -> Any:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[row_index].update(values)
        return rows
    return change


def _drop(column: str) -> Any:
    return lambda rows: [{k: v for k, v in row.items() if k != column} for row in rows]


@pytest.mark.parametrize(("change", "message"), [
    (_drop("parse_status"), "missing required columns ['parse_status']"),
    (_drop("tgt_text"), "missing required columns ['tgt_text']"),
    (lambda rows: [*rows, rows[0]], "duplicate (id, prompt, judge) row"),
    (_set(0, id="999"), "CSV row 2: not a clip of this dataset: clip id '999'"),
    (_set(1, spoken_text="Somebody else's words."), "CSV row 3: not a clip of this dataset: clip 1: spoken_text"),
    (_set(2, rating="two"), "CSV row 4: rating 'two' is not one of [0, 1, 2]"),
    (_set(0, rating="3"), "CSV row 2: rating '3'"),
    (_set(0, orientation="Sideways"), "CSV row 2: not an orientation label: 'Sideways'"),
    (_set(0, rating=""), "CSV row 2: parse_status is 'ok' but rating or orientation is empty"),
    (_set(0, parse_status="fine"), "parse_status 'fine'"),
    (_set(0, prompt="What is this?"), "is not one of the 8 JASCO instructions"),
])
def test_bad_input_fails_naming_file_and_problem(golden_files: list[Path], change: Any, message: str) -> None:
    broken = _break(golden_files[0], change)
    result = run([str(broken)])
    assert result.exit_code == 1
    assert str(broken) in result.output and message in result.output, result.output


def test_duplicates_across_files_name_both(golden_files: list[Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_bytes(golden_files[0].read_bytes())
    result = run([str(golden_files[0]), str(copy)])
    assert result.exit_code == 1
    assert str(golden_files[0]) in result.output and str(copy) in result.output and "duplicate" in result.output


def test_not_a_judged_file(tmp_path: Path, upstream_dir: Path) -> None:
    rows = ours_rows(upstream_dir, ["1 1 2 B ok"], {})
    plain = write_csv(tmp_path / "items.csv", [{k: v for k, v in row.items() if k not in ("judge_output",)}
                                               for row in rows])
    result = run([str(plain)])
    assert result.exit_code == 1 and f"{plain}: not a judged file" in result.output
    missing = run([str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "nope.csv: file not found" in missing.output


def test_report_help_imports_nothing_heavy() -> None:
    code = ("import sys\nfrom jasco.cli import cli\ntry:\n    cli(['report', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'torch', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--bootstrap" in result.stdout and result.stdout.strip().splitlines()[-1] == "[]"


class ExtraSection:
    """A stand-in for a later section (e.g. judge validity) that reads extra input files."""

    key = "extra_demo"
    title = "Extra demo"
    extra_inputs: ClassVar[dict[str, str]] = {"demo": "a text file whose lines are counted"}

    def build(self, context: ReportContext) -> Any:
        files = context.extra_inputs.get("demo")
        if not files:
            return None
        return {"files": [str(p) for p in files], "lines": sum(len(p.read_text().splitlines()) for p in files),
                "n_results": len(context.built["results"])}

    def tables(self, payload: Any) -> list[Table]:
        return [Table("Extra demo", ("lines", "results"), [(payload["lines"], payload["n_results"])])]


EXTRA = ExtraSection()


def test_a_new_section_is_one_registration(golden_files: list[Path], tmp_path: Path) -> None:
    controls = tmp_path / "controls.txt"
    controls.write_text("a\nb\nc\n", encoding="utf-8")
    register_section("extra_demo", f"{__name__}:EXTRA")
    try:
        args = [*map(str, golden_files), "--model", "B", "--judge", "X", "--bootstrap", "10", "--max-unscored", "0.5"]
        without = json.loads(run([*args, "--format", "json"]).output)
        assert "extra_demo" not in without and "extra_demo" not in without["sections"]
        with_extra = run([*args, "--format", "json", "--extra", f"demo={controls}"])
        payload = json.loads(with_extra.output)["extra_demo"]
        assert payload == {"files": [str(controls)], "lines": 3, "n_results": 3}
        table = run([*args, "--extra", f"demo={controls}"]).output
        assert "Extra demo" in table
        html = run([*args, "--format", "html", "--extra", f"demo={controls}"]).output
        assert 'id="section-extra_demo"' in html
        assert run([*args, "--extra", "no-equals-sign"]).exit_code == 2
        # a name no section declares, or a file that is not there, fails before anything is read
        unknown = run([*args, "--extra", f"demos={controls}"])
        assert unknown.exit_code == 1 and "no section of this report reads 'demos'" in unknown.output
        assert "demo (a text file whose lines are counted)" in unknown.output
        missing = run([*args, "--extra", f"demo={tmp_path / 'nope.txt'}"])
        assert missing.exit_code == 1 and "nope.txt: file not found" in missing.output
    finally:
        unregister_section("extra_demo")



def test_a_judge_with_no_scored_row_is_an_error_naming_judge_and_model(tmp_path: Path, upstream_dir: Path) -> None:
    """Before: a judge that scored nothing dropped out of the average over judges in silence."""
    rows = ours_rows(upstream_dir, ["1 1 - - unscored: no Rating line", "2 4 - - unscored: empty judge output"],
                     {"model": "M", "judge": "Z"})
    scored = ours_rows(upstream_dir, ["1 1 2 B ok", "2 4 0 A ok"], {"model": "M", "judge": "X"})
    files = [write_csv(tmp_path / "z.csv", rows), write_csv(tmp_path / "x.csv", scored)]
    result = run([*map(str, files), "--format", "json", "--bootstrap", "20"])
    assert result.exit_code == 1
    assert "judge 'Z' scored no row of model 'M' (2 rows: 2 unscored, 0 without an answer)" in result.output


def test_flagged_pairs_are_in_every_format_and_exit_3(golden_files: list[Path], tmp_path: Path) -> None:
    """A/X has 4 unscored of 9 rows (44%), A/Y and B/X 1 of 9 (11%): --max-unscored 0.2 flags A/X only."""
    args = [*map(str, golden_files), "--model", "B", "--judge", "X", "--bootstrap", "10", "--max-unscored", "0.2"]
    table = run(args)
    assert table.exit_code == 3
    assert "error: model 'A', judge 'X': 4 unscored + 0 without an answer of 9 rows (44.4%)" in table.output
    assert "exceeds --max-unscored 20.0%" in table.output
    assert "FLAGGED (X)" in table.output and table.output.count("FLAGGED") == 4  # results, 2 average tables, note
    report = json.loads(run([*args, "--format", "json"]).output.split("\nerror:")[0])
    assert [r["flagged"] for r in report["results"]] == [True, False, False]
    assert len(report["flags"]) == 1 and report["averages"][0]["flagged_judges"] == ["X"]
    out = tmp_path / "report.html"
    written = run([*args, "--format", "html", "--out", str(out)])
    assert written.exit_code == 3 and out.is_file() and "FLAGGED" in out.read_text(encoding="utf-8")
    csv_rows = list(csv.DictReader(io.StringIO(run([*args, "--format", "csv"]).output.split("error:")[0])))
    assert [r["flagged"] for r in csv_rows] == ["True", "False", "False", "True", "False"]
    assert run([*args[:-1], "0.5"]).exit_code == 0
