"""``jasco analyze``: every feature and the five dimensions per file, in three formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.quality import degrade
from tests.quality_helpers import clean_speech, write_wav

DIMENSIONS = ("mos", "noi", "col", "dis", "loud")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("analyze")
    speech = clean_speech("arctic_awb_a0007.wav")
    noisy = degrade.white(speech, 10.0, degrade.Context(np.random.default_rng(0)))
    delayed = np.concatenate([np.zeros(800), noisy])[: len(speech)]  # 50 ms late
    (root / "readme.wav").write_text("text", encoding="utf-8")
    return {
        "clean": write_wav(root / "clean.wav", speech),
        "noisy": write_wav(root / "noisy.wav", delayed),
        "bad": root / "readme.wav",
    }


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_has_every_feature_and_the_five_dimensions(files: dict[str, Path]) -> None:
    code, out, err = _invoke(str(files["clean"]), str(files["noisy"]), "--format", "json", "--workers", "2")
    assert code == 0, err
    payload = json.loads(out)
    assert [item["path"] for item in payload] == [str(files["clean"]), str(files["noisy"])]
    from jasco.quality.signal.features import SignalFeatures

    clean, noisy = (item["predictions"]["signal"] for item in payload)
    assert set(DIMENSIONS) | set(SignalFeatures.__dataclass_fields__) <= set(clean["values"])
    assert clean["status"] == "ok" and "signal-mapping-v1" in clean["version"]
    assert noisy["values"]["noi"] < clean["values"]["noi"] - 1.0
    assert noisy["values"]["snr_db"] == pytest.approx(10.0, abs=2.0)


def test_csv_and_table_and_a_bad_file(files: dict[str, Path]) -> None:
    code, out, err = _invoke(str(files["clean"]), str(files["bad"]), "--format", "csv", "--workers", "1")
    assert code == 3 and f"error: {files['bad']}: not a readable audio file" in err  # written, some rows failed
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["status"] for row in rows] == ["ok", "error"]
    assert all(rows[0][f"signal.{d}"] for d in DIMENSIONS) and rows[1]["signal.mos"] == ""
    code, out, _ = _invoke(str(files["clean"]), "--workers", "1")
    assert code == 0 and "signal: ok" in out and "bandwidth_hz" in out and "loud " in out


def test_reference_adds_the_double_ended_comparison(files: dict[str, Path], tmp_path: Path) -> None:
    out_path = tmp_path / "report.json"
    code, _, err = _invoke(str(files["noisy"]), "--reference", str(files["clean"]), "--format", "json",
                           "--workers", "1", "--out", str(out_path))
    assert code == 0, err
    reference = json.loads(out_path.read_text())[0]["reference"]
    assert reference["status"] == "ok"
    assert reference["delay_ms"] == pytest.approx(50.0, abs=0.1)
    assert reference["snr_db"] == pytest.approx(10.0, abs=1.5)  # active-level SNR 10 dB, whole-file slightly lower
    assert abs(reference["level_difference_db"]) < 1.0  # noise 10 dB under the speech barely moves its level
    manifest = json.loads(out_path.with_name("report.json.manifest.json").read_text())
    assert manifest["stage"] == "analyze" and "signal" in manifest["predictor_versions"]


def test_an_unknown_predictor_is_one_line(files: dict[str, Path]) -> None:
    code, _, err = _invoke(str(files["clean"]), "--predictor", "pesq")
    assert code == 1 and "unknown predictor 'pesq'; known: distillmos, dnsmos, signal" in err
    assert "Traceback" not in err


def test_out_is_never_an_input_and_workers_must_be_positive(files: dict[str, Path]) -> None:
    before = files["clean"].read_bytes()
    code, _, err = _invoke(str(files["clean"]), "--out", str(files["clean"]))
    assert code == 2 and "Traceback" not in err and str(files["clean"]) in err
    assert files["clean"].read_bytes() == before
    code, _, err = _invoke(str(files["clean"]), "--workers", "0")
    assert code == 2 and "--workers" in err and "Traceback" not in err
