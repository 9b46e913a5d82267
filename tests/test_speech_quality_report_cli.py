"""``jasco report --task speech-quality``: SpeechQualityLLM's six committed metric files reproduced
through the command line, --reparse, --max-unscored in every format, and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli

SQLLM = Path(__file__).resolve().parents[2] / "shared" / "quality" / "speechqualityllm"
RUNS = [(setting, task) for setting in ("Reference", "NoReference") for task in ("mos_numeric", "multi_dim",
                                                                                 "explanatory")]


def _files(setting: str, task: str) -> tuple[Path, Path]:
    predictions = SQLLM / f"{setting}__predictions_{task}.csv"
    metrics = SQLLM / f"{setting}__metrics_{task}.json"
    if not predictions.is_file() or not metrics.is_file():
        pytest.fail(f"SpeechQualityLLM reference files missing under {SQLLM}")
    return predictions, metrics


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["report", "--task", "speech-quality", "--bootstrap", "50", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("setting", "task"), RUNS, ids=[f"{s}-{t}" for s, t in RUNS])
def test_their_committed_metrics_are_reproduced_by_jasco_report(setting: str, task: str) -> None:
    predictions, metrics = _files(setting, task)
    code, out = _report("--format", "json", str(predictions))
    assert code == 0, out
    report = json.loads(out)
    committed = json.loads(metrics.read_text("utf-8"))["dim_metrics"]
    results = {entry["dimension"]: entry for entry in report["results"]}
    assert set(results) == set(committed)
    for dim, theirs in committed.items():
        ours = results[dim]
        assert (ours["model"], ours["family"]) == (predictions.stem, task)
        assert (ours["n"], ours["n_total"], ours["n_unscored"]) == (
            theirs["n"], theirs["n_total"], theirs["n_no_number"])
        assert (ours["mae"], ours["rmse"], ours["spearman"]) == (theirs["mae"], theirs["rmse"], theirs["spearman_rho"])
        # Pearson: their numpy.corrcoef's last bits depend on its BLAS (see test_speech_quality_sqllm.py)
        assert ours["pearson"] == pytest.approx(theirs["pearson_r"], rel=0, abs=1e-15)
        assert ours["coverage"] == theirs["n"] / theirs["n_total"] and "ci" in ours


def test_reparse_shows_both_readings_and_how_many_rows_differ() -> None:
    predictions, metrics = _files("NoReference", "multi_dim")
    code, out = _report("--format", "json", "--reparse", "--model", "SQLLM", str(predictions))
    assert code == 0, out
    report = json.loads(out)
    models = {entry["model"] for entry in report["results"]}
    assert models == {"SQLLM (their y_pred)", "SQLLM (jasco extractor)"}
    committed = json.loads(metrics.read_text("utf-8"))["dim_metrics"]
    theirs = {e["dimension"]: e for e in report["results"] if e["model"] == "SQLLM (their y_pred)"}
    assert all(theirs[d]["mae"] == committed[d]["mae"] for d in committed)
    (summary,) = report["reparse"]
    with open(predictions, encoding="utf-8", newline="") as handle:
        n_rows = sum(1 for _ in csv.DictReader(handle))
    assert summary["n_rows"] == n_rows and 0 < summary["n_differ"] < n_rows
    assert summary["n_only_theirs"] + summary["n_only_jasco"] + summary["n_both_different"] == summary["n_differ"]
    code, text = _report("--reparse", "--model", "SQLLM", str(predictions))
    assert code == 0 and "rows where the two differ" in text and f"{summary['n_differ']}" in text


def test_max_unscored_flags_a_result_in_every_format(tmp_path: Path) -> None:
    predictions, _ = _files("NoReference", "mos_numeric")  # 696 of 712 answers have a number: 2.2% unscored
    outputs = {}
    for fmt in ("table", "markdown", "csv", "json", "html"):
        out = tmp_path / f"report.{fmt}"
        code, message = _report("--format", fmt, "--max-unscored", "0.01", "--out", str(out), str(predictions))
        assert code == 3, message  # written, and flagged: exit 3 as for JASCO
        outputs[fmt] = out.read_text(encoding="utf-8")
    report = json.loads(outputs["json"])
    (entry,) = report["results"]
    assert entry["flagged"] and entry["unscored_share"] == pytest.approx(16 / 712)
    assert report["flags"] == [f"{predictions.stem} / mos_numeric / mos: 2.2% unscored, over --max-unscored 1.0%"]
    assert "unscored > 1%" in outputs["table"] and "unscored > 1%" in outputs["markdown"]
    assert "unscored &gt; 1%" in outputs["html"]
    (row,) = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert (row["flagged"], row["n"], row["n_total"]) == ("True", "696", "712")
    code, out = _report("--format", "json", str(predictions))  # 5% by default: not flagged
    assert code == 0 and json.loads(out)["flags"] == []
    manifest = json.loads((tmp_path / "report.json.manifest.json").read_text())
    assert manifest["arguments"]["max_unscored"] == 0.01 and manifest["flags"] == report["flags"]


def test_the_page_draws_a_scatter_per_dimension_and_shows_the_published_numbers(tmp_path: Path) -> None:
    predictions, _ = _files("Reference", "multi_dim")
    out = tmp_path / "report.html"
    code, message = _report("--format", "html", "--out", str(out), str(predictions))
    assert code == 0, message
    page = out.read_text(encoding="utf-8")
    assert page.count('<figure class="sq-scatter"') == 5 and page.count("<svg") >= 5
    assert "Published reference results" in page and "SpeechQualityLLM" in page
    assert "<script src" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_a_file_that_is_neither_layout_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "answers.csv"
    bad.write_text("id,answer\nx,3\n", encoding="utf-8")
    code, out = _report(str(bad))
    assert code == 1 and "Traceback" not in out
    assert f"{bad}: missing required columns" in out and "SpeechQualityLLM's predictions layout" in out
    code, out = _report(str(tmp_path / "nope.csv"))
    assert code == 1 and "nope.csv: file not found" in out and "Traceback" not in out
