"""XACLE reference results per split and the report payload and tables built from evaluations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jasco.tasks.xacle.reference import XacleReferenceError, load_references, reference_rows
from jasco.tasks.xacle.report import evaluation_payload, evaluation_tables
from jasco.tasks.xacle.scoring import evaluate_predictions


def test_reference_rows_per_split() -> None:
    test = {r.system: r.metrics for r in reference_rows("test")}
    assert test["XACLE 2026 baseline"] == {"SRCC": 0.3345, "LCC": 0.3420, "KTAU": 0.2290, "MSE": 4.8110}
    assert test["XACLE 2027 baseline"] == {"SRCC": 0.5648, "LCC": 0.6142, "KTAU": 0.3997, "MSE": 3.1847}
    assert test["MoEScore (challenge winner)"] == {"SRCC": 0.6402}
    validation = {r.system: r for r in reference_rows("validation")}
    assert validation["XACLE-AudioMOS"].metrics == {"SRCC": 0.6247, "LCC": 0.6449, "MSE": 3.9568}
    assert "optimistic" in validation["XACLE-AudioMOS"].caveat
    assert "XACLE-AudioMOS" not in test
    assert reference_rows("train") == ()
    assert all(r.source for r in load_references())
    with pytest.raises(XacleReferenceError, match="unknown split 'dev'"):
        reference_rows("dev")


def test_a_malformed_reference_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ref.json"
    path.write_text(json.dumps({"results": [{"system": "x", "split": "test", "metrics": {"AUC": 1}, "source": "s"}]}))
    with pytest.raises(XacleReferenceError, match=r"ref\.json results\[0\]: metrics must be"):
        load_references(path)


def test_payload_and_tables_show_metrics_cis_counts_and_references() -> None:
    labels = {f"{i:05d}.wav": float(i % 11) for i in range(40)}
    good = {name: value + (0.5 if i % 3 else -0.5) for i, (name, value) in enumerate(labels.items())}
    good["99999.wav"] = 3.0
    constant = dict.fromkeys(labels, 5.0)
    constant["00000.wav"] = None  # an unscored answer
    evaluations = {"model-a": evaluate_predictions(labels, good, n_boot=100),
                   "model-b": evaluate_predictions(labels, constant, n_boot=100)}
    payload = evaluation_payload(evaluations, split="test")
    assert json.loads(json.dumps(payload)) == payload  # JSON-ready
    a, b = payload["results"]
    assert a["N"] == 40 and a["counts"]["n_unmatched_predictions"] == 1 and len(a["ci"]["SRCC"]) == 2
    assert b["N"] == 39 and b["counts"]["n_missing_prediction"] == 1 and b["LCC"] == 0.0 and b["flags"]
    assert [r["system"] for r in payload["references"]][:2] == ["XACLE 2026 baseline", "XACLE 2027 baseline"]

    metrics_table, counts_table = evaluation_tables(payload)
    assert metrics_table.title == "XACLE text-audio alignment (test)"
    assert metrics_table.columns == ("system", "SRCC [95% CI]", "LCC [95% CI]", "KTAU [95% CI]", "MSE [95% CI]", "N")
    rows = {row[0]: row for row in metrics_table.rows}
    assert rows["model-b"][2].startswith("0.0000 ") and rows["model-b"][5] == 39
    assert rows["MoEScore (challenge winner) (published)"][1:5] == ("0.6402", "n/a", "n/a", "n/a")
    assert "model-b: every prediction is the same value" in metrics_table.note
    assert counts_table.rows[0][:3] == ("model-a", 41, 1) and counts_table.rows[1][4] == 1


def test_no_split_means_no_reference_rows() -> None:
    labels = {"a.wav": 1.0, "b.wav": 2.0, "c.wav": 4.0}
    payload = evaluation_payload({"m": evaluate_predictions(labels, labels, n_boot=10)}, split=None)
    assert payload["references"] == []
    assert [row[0] for row in evaluation_tables(payload)[0].rows] == ["m"]
