"""Bad input to the quality tools: a clear per-file error status, never a silent number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jasco.quality.audio_input import InputError, load_input
from tests.quality_helpers import clean_speech, shared_pool, write_wav


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad")
    speech = clean_speech("arctic_awb_a0007.wav")
    nan = speech.copy()
    nan[1000:1010] = np.nan
    files = {
        "text": root / "notes.wav",
        "empty": root / "empty.wav",
        "silent": write_wav(root / "silent.wav", np.zeros(32000)),
        "quiet": write_wav(root / "quiet.wav", np.full(32000, 1e-6), subtype="FLOAT"),
        "short": write_wav(root / "short.wav", speech[:4000]),
        "nan": write_wav(root / "nan.wav", nan, subtype="FLOAT"),
        "truncated": root / "truncated.wav",
        "missing": root / "missing.wav",
    }
    files["text"].write_text("not audio\n", encoding="utf-8")
    files["empty"].write_bytes(b"")
    whole = write_wav(root / "whole.wav", speech).read_bytes()
    files["truncated"].write_bytes(whole[: len(whole) // 2])
    return files


EXPECTED = {
    "text": "not a readable audio file",
    "empty": "empty",
    "silent": "digital silence",
    "quiet": "silent",
    "short": "too short",
    "nan": "NaN",
    "truncated": "truncated",
    "missing": "does not exist",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_load_input_refuses_with_the_file_named(bad_files: dict[str, Path], case: str) -> None:
    with pytest.raises(InputError, match=EXPECTED[case]) as caught:
        load_input(bad_files[case])
    assert str(bad_files[case]) in str(caught.value)


def test_every_predictor_reports_bad_files_as_error_statuses(bad_files: dict[str, Path], tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", clean_speech("arctic_awb_a0007.wav"))
    cases = sorted(EXPECTED)
    outcomes = shared_pool().run([bad_files[c] for c in cases] + [good])  # type: ignore[attr-defined]
    for case, outcome in zip(cases, outcomes, strict=False):
        assert outcome.status == "error" and EXPECTED[case] in outcome.reason, (case, outcome.reason)
        assert outcome.predictions == ()
    last = outcomes[-1]
    assert last.status == "ok" and [p.status for p in last.predictions] == ["ok", "ok", "ok"]


def test_48k_stereo_is_resampled_and_downmixed_and_recorded(tmp_path: Path) -> None:
    import soxr

    mono16 = clean_speech("vctk_p287_005.wav")
    mono48 = soxr.resample(mono16, 16000, 48000)
    stereo = write_wav(tmp_path / "stereo48.wav", np.stack([mono48, mono48], axis=1), rate=48000)
    plain = write_wav(tmp_path / "mono16.wav", mono16)
    converted, original = shared_pool().run([stereo, plain])  # type: ignore[attr-defined]
    assert converted.input["resampled"] and converted.input["downmixed"]
    assert (converted.input["original_sample_rate"], converted.input["original_channels"]) == (48000, 2)
    assert not original.input["resampled"] and not original.input["downmixed"]
    for name in ("signal", "dnsmos", "distillmos"):
        expected = original.prediction(name).values["mos"]
        assert converted.prediction(name).values["mos"] == pytest.approx(expected, abs=0.15), name


class _NanPredictor:
    name = "nan"
    dimensions = ("mos",)

    def version(self) -> str:
        return "nan 1"

    def predict(self, samples: np.ndarray) -> dict[str, float]:
        return {"mos": float("nan"), "sig": 3.0}


def test_a_non_finite_prediction_is_an_error_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    from jasco.quality import runner

    monkeypatch.setitem(runner._WORKER_PREDICTORS, "nan", _NanPredictor())
    outcome = runner._predict_one("nan", clean_speech("arctic_awb_a0007.wav"))
    assert (outcome.status, outcome.reason, outcome.values) == ("error", "non-finite mos from nan", {})
