"""`jasco report --task xacle --labels GT.csv PRED.csv`: the official prediction layout and jasco's
scored tables give the same official metrics (checked against scipy on the joined pairs), the
``--format csv`` file is the official ``evaluation_result.csv``, the published rows of the label
file's split stand beside, and bad label or prediction files are one line naming the file and row."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from scipy import stats

from jasco.cli import cli
from jasco.tasks.base import get_task

N_PAIRS = 30


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    rng = random.Random(3)
    rows: list[list[object]] = [["wav_file_name", "text", "average_score"]]
    rows += [[f"{i:05d}.wav", f"caption {i}", rng.choice([0, 2.5, 5, 7.25, 10])] for i in range(N_PAIRS)]
    return write_csv(tmp_path / "validation_average.csv", rows)


def predictions(seed: int = 5) -> dict[str, float]:
    """Scores for all but the last two labelled pairs, plus one clip the labels do not have."""
    rng = random.Random(seed)
    scores = {f"{i:05d}.wav": round(rng.uniform(0, 10), 2) for i in range(N_PAIRS - 2)}
    scores["99999.wav"] = 4.0
    return scores


def report(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", "--task", "xacle", "--bootstrap", "30", *map(str, args)])


def scipy_metrics(labels: Path, scores: dict[str, float]) -> list[str]:
    with open(labels, newline="", encoding="utf-8") as handle:
        truth = {row["wav_file_name"]: float(row["average_score"]) for row in csv.DictReader(handle)}
    names = [name for name in scores if name in truth]
    gt, pred = np.array([truth[n] for n in names]), np.array([scores[n] for n in names])
    values = [stats.spearmanr(gt, pred)[0], stats.pearsonr(gt, pred)[0], stats.kendalltau(gt, pred)[0],
              float(np.mean((gt - pred) ** 2))]
    return ["metric,value", *(f"{k},{float(v)!r}" for k, v in zip(("SRCC", "LCC", "KTAU", "MSE"), values,
                                                                    strict=True)), f"N,{len(names)}"]


def test_official_layout_to_evaluation_result_csv(labels: Path, tmp_path: Path) -> None:
    scores = predictions()
    pred = write_csv(tmp_path / "submission.csv", [["wav_file_name", "pred_score"], *scores.items()])
    out = tmp_path / "evaluation_result.csv"
    result = report("--labels", labels, pred, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    got = out.read_text().splitlines()
    assert [line.split(",")[0] for line in got] == ["metric", "SRCC", "LCC", "KTAU", "MSE", "N"]
    expected = scipy_metrics(labels, scores)
    assert got[-1] == expected[-1] == f"N,{N_PAIRS - 2}"
    for line, want in zip(got[1:-1], expected[1:-1], strict=True):
        assert float(line.split(",")[1]) == pytest.approx(float(want.split(",")[1]), abs=1e-12)
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    assert manifest["arguments"]["labels"] == str(labels)

    text = report("--labels", labels, pred)
    assert text.exit_code == 0, text.output
    assert "XACLE text-audio alignment (validation)" in text.output  # the split from the label file's name
    assert "XACLE-AudioMOS (published)" in text.output  # the published validation row beside
    assert "M2D-CLAP" not in text.output  # test-split results are not shown beside validation numbers


def test_jasco_scored_tables_give_the_same_numbers_and_count_the_unscored(labels: Path, tmp_path: Path) -> None:
    import pandas as pd

    task = get_task("xacle")
    scores = predictions()
    answers = [f"{value:g}" for value in scores.values()] + ["no idea", "between 6 and 7"]
    names = [*scores, "00028.wav", "00029.wav"]
    table = pd.DataFrame({"id": [f"validation/{n[:5]}/rate_match.v1" for n in names], "wav_file_name": names,
                          "template": "rate_match.v1", "model": "m", "answer": answers, "infer_error": ""})
    scored = task.score(table, task.resolve_options({})).table
    scored.to_csv(tmp_path / "m.csv", index=False)
    pred = write_csv(tmp_path / "submission.csv", [["wav_file_name", "pred_score"], *scores.items()])

    from_table = report("--labels", labels, tmp_path / "m.csv", "--format", "csv")
    official = report("--labels", labels, pred, "--format", "csv")
    assert from_table.exit_code == official.exit_code == 0, from_table.output + official.output
    assert from_table.output == official.output  # the two unscored answers join as missing predictions
    as_json = report("--labels", labels, tmp_path / "m.csv", "--format", "json")
    payload = json.loads(as_json.output)
    (result,) = payload["alignment"]["results"]
    assert result["model"] == "m / rate_match.v1" and result["counts"]["n_missing_prediction"] == 2
    assert result["counts"]["n_unmatched_predictions"] == 1  # 99999.wav has no label
    assert {e["system"]: e["reasons"] for e in payload["unscored"]} == {
        "m / rate_match.v1": {"no-number": 1, "range": 1}}


@pytest.mark.parametrize(("edit", "message"), [
    (lambda rows: [row[:2] for row in rows], "missing column(s) 'average_score'"),
    (lambda rows: [*rows[:4], rows[2], *rows[4:]], "line 5: wav_file_name '00001.wav' repeats line 3"),
    (lambda rows: [*rows[:6], [*rows[6][:2], "10.5"], *rows[7:]], "line 7: average_score 10.5 is outside 0-10"),
    (lambda rows: [*rows[:6], [*rows[6][:2], "-1"], *rows[7:]], "line 7: average_score -1 is outside 0-10"),
])
def test_bad_label_files_are_one_line_naming_file_and_row(labels: Path, tmp_path: Path, edit: object,
                                                          message: str) -> None:
    with open(labels, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    bad = write_csv(tmp_path / "bad_labels.csv", edit(rows))  # type: ignore[operator]
    pred = write_csv(tmp_path / "submission.csv", [["wav_file_name", "pred_score"], *predictions().items()])
    result = report("--labels", bad, pred)
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {bad}") and message in line, line


def test_bad_prediction_files_and_too_few_pairs(labels: Path, tmp_path: Path) -> None:
    rows = [["wav_file_name", "pred_score"], *predictions().items()]
    repeated = write_csv(tmp_path / "repeated.csv", [*rows, rows[3]])
    result = report("--labels", labels, repeated)
    assert result.exit_code == 1 and result.output.strip() == (
        f"Error: {repeated} line {len(rows) + 1}: wav_file_name '00002.wav' repeats line 4")
    no_labels = report(repeated)
    assert no_labels.exit_code == 1 and "give the labels with --labels GT.csv" in no_labels.output
    one_pair = write_csv(tmp_path / "one.csv", rows[:2])
    csv_form = report("--labels", labels, one_pair, "--format", "csv")
    assert csv_form.exit_code == 1 and "Traceback" not in csv_form.output
    assert csv_form.output.strip() == ("Error: no metrics for one (fewer than 2 scorable pairs): "
                                       "no evaluation_result.csv")
    text_form = report("--labels", labels, one_pair)  # the text report says why, with its counts
    assert text_form.exit_code == 0 and "0 scorable pair(s)" not in text_form.output
    assert "1 scorable pair(s), need at least 2" in text_form.output
