"""SpeechQualityLLM's predictions layout: their six committed metric files reproduced exactly, and the re-parse."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jasco.tasks.speech_quality.sqllm import (
    COLUMNS,
    PredictionsError,
    read_predictions,
    reparse,
    reparse_report,
    their_metrics,
)

SQLLM = Path(__file__).resolve().parents[2] / "shared" / "quality" / "speechqualityllm"
RUNS = [(setting, task) for setting in ("Reference", "NoReference")
        for task in ("mos_numeric", "multi_dim", "explanatory")]


def _paths(setting: str, task: str) -> tuple[Path, Path]:
    predictions = SQLLM / f"{setting}__predictions_{task}.csv"
    metrics = SQLLM / f"{setting}__metrics_{task}.json"
    if not predictions.is_file() or not metrics.is_file():
        pytest.fail(f"SpeechQualityLLM reference files missing under {SQLLM}")
    return predictions, metrics


@pytest.mark.parametrize(("setting", "task"), RUNS, ids=[f"{s}-{t}" for s, t in RUNS])
def test_their_metrics_are_reproduced_exactly(setting: str, task: str) -> None:
    predictions, metrics = _paths(setting, task)
    committed = json.loads(metrics.read_text("utf-8"))["dim_metrics"]
    ours = their_metrics(read_predictions(predictions))
    assert set(ours) == set(committed)
    for dim, numbers in committed.items():
        for key in ("n", "n_total", "n_no_number", "mae", "rmse", "spearman_rho"):
            assert ours[dim][key] == numbers[key], (dim, key)  # exact, bit for bit
        # Pearson's last bits depend on the summation order of the BLAS behind their numpy.corrcoef
        # (measured here: their corrcoef itself differs by up to 9 ulps on this machine); scipy's
        # pearsonr lands within 4 ulps of their committed values.
        assert ours[dim]["pearson_r"] == pytest.approx(numbers["pearson_r"], rel=0, abs=1e-15), dim


def test_reparse_shows_both_and_counts_the_rows_that_differ() -> None:
    frame = read_predictions(_paths("NoReference", "multi_dim")[0], model="SQLLM-noref")
    both = reparse(frame)
    assert {"jasco_y_pred", "jasco_status", "jasco_reason", "differs"} <= set(both.columns)
    differ = both[both["differs"]]
    assert len(differ) > 0
    assert set(differ["status"]) <= {"partial", "no_number_in_dim"}  # their order rule broke only there
    payload = reparse_report(frame, n_boot=20, seed=0)
    assert payload["reparse"]["n_differ"] == len(differ)
    assert payload["reparse"]["n_rows"] == len(frame)
    parts = payload["reparse"]
    assert parts["n_only_theirs"] + parts["n_only_jasco"] + parts["n_both_different"] == parts["n_differ"]
    models = {entry["model"] for entry in payload["results"]}
    assert models == {"SQLLM-noref (their y_pred)", "SQLLM-noref (jasco extractor)"}
    theirs = {e["dimension"]: e for e in payload["results"] if e["model"].endswith("(their y_pred)")}
    assert theirs["loud"]["n"] == their_metrics(frame)["loud"]["n"]


def test_reparse_of_reference_explanatory_takes_the_named_mos_which_is_their_committed_value() -> None:
    frame = read_predictions(_paths("Reference", "explanatory")[0])
    both = reparse(frame)
    assert not both["differs"].any()
    first_numbers = both["generated"].str.extract(r"(\d+\.\d+)")[0].astype(float)
    assert (first_numbers != both["y_pred"]).sum() > 400  # their code's first-number rule was not what they committed


def test_samples_are_numbered_per_file_and_per_five_rows_in_multi_dim() -> None:
    frame = read_predictions(_paths("Reference", "multi_dim")[0])
    assert frame["sample"].max() == len(frame) // 5 - 1
    assert frame.groupby("sample")["generated"].nunique().eq(1).all()


def _write(tmp_path: Path, rows: list[dict], name: str = "p.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _row(**changes: object) -> dict:
    row = {c: "" for c in COLUMNS}
    row.update(task="mos_numeric", dim="mos", generated="3.5", y_true=3.2, y_pred=3.5, status="success")
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{k: v for k, v in _row().items() if k != "generated"}], "missing column"),
        ([_row(dim="overall")], "row 2: unknown dim 'overall'"),
        ([_row(), _row(task="explanatory")], "one task per file"),
        ([_row(y_pred="n/a")], "row 2: y_pred 'n/a' is not a number"),
        ([_row(y_true="")], "row 2: y_true is empty"),
        ([_row(task="multi_dim", dim="noi")], "must cycle"),
    ],
)
def test_bad_prediction_files_give_one_clear_error(tmp_path: Path, rows: list[dict], message: str) -> None:
    with pytest.raises(PredictionsError, match=message):
        read_predictions(_write(tmp_path, rows))
