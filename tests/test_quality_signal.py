"""The signal analyzer's features against signals with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from jasco.quality import degrade
from jasco.quality.signal import clipping, dropouts, levels, loudness, mapping, spectrum, wada
from jasco.quality.signal.features import AnalysisError, analyze
from tests.quality_helpers import SAMPLE_RATE, clean_files, clean_speech


def tone(amplitude: float, seconds: float = 3.0, hz: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return amplitude * np.sin(2 * np.pi * hz * t)


@pytest.mark.parametrize("amplitude", [0.5, 0.1, 0.01])
def test_tone_level_p56_and_bs1770_within_1_db(amplitude: float) -> None:
    expected = 20 * np.log10(amplitude) - 3.01  # RMS of a sine in dB re full scale
    x = tone(amplitude)
    assert levels.active_speech_level(x, SAMPLE_RATE).level_dbov == pytest.approx(expected, abs=1.0)
    assert loudness.integrated_loudness(x, SAMPLE_RATE) == pytest.approx(expected, abs=1.0)


def test_p56_activity_of_a_tone_with_silence_is_its_share() -> None:
    x = np.concatenate([tone(0.1, 2.0), np.zeros(2 * SAMPLE_RATE)])
    active = levels.active_speech_level(x, SAMPLE_RATE)
    assert active.level_dbov == pytest.approx(-23.01, abs=1.0)
    assert active.activity == pytest.approx(0.5 + 0.2 / 4, abs=0.05)  # plus the 0.2 s hangover


def test_wada_table_is_rederived_and_matches_the_published_endpoints() -> None:
    table = wada.load_table()
    assert table.g[0] == pytest.approx(0.40975, abs=0.003) and table.g[-1] == pytest.approx(1.632, abs=0.01)
    probe = np.array([-20.0, 0.0, 20.0, 40.0])
    fresh = wada.derive_table(n_samples=1_000_000, seed=7, snr_db=probe)
    np.testing.assert_allclose(fresh.g, np.interp(probe, table.snr_db, table.g), atol=0.01)


@pytest.mark.parametrize("name", ["ljspeech_LJ001-0022.wav", "libri_1088-129236-0000.wav"])
@pytest.mark.parametrize("snr", [5.0, 10.0, 20.0, 30.0])
def test_wada_snr_of_speech_plus_white_noise_within_3_db(name: str, snr: float) -> None:
    speech = clean_speech(name)
    noise = np.random.default_rng(int(snr)).standard_normal(len(speech))
    noise *= np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (snr / 10))  # WADA's whole-file SNR
    assert wada.wada_snr(speech + noise).snr_db == pytest.approx(snr, abs=3.0)


def test_wada_ignores_digital_zeros_and_refuses_silence() -> None:
    speech = clean_speech("ljspeech_LJ001-0022.wav")
    padded = np.concatenate([np.zeros(3 * SAMPLE_RATE), speech, np.zeros(3 * SAMPLE_RATE)])
    assert wada.wada_snr(padded).snr_db == pytest.approx(wada.wada_snr(speech).snr_db, abs=1e-9)
    with pytest.raises(ValueError, match="silence"):
        wada.wada_snr(np.zeros(100))


@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_snr_from_the_noise_floor_within_2_db(snr: float) -> None:
    speech = clean_speech("arctic_awb_a0007.wav")
    noisy = degrade.white(speech, snr, degrade.Context(np.random.default_rng(1)))
    assert analyze(noisy, SAMPLE_RATE).snr_db == pytest.approx(snr, abs=2.0)


def test_noise_floor_reads_the_added_noise_level() -> None:
    speech = clean_speech("libri_6385-220959-0000.wav")  # its own floor is about -90 dBov
    noise = np.random.default_rng(3).standard_normal(len(speech)) * 10 ** (-60 / 20)
    assert levels.noise_floor_dbov(speech + noise, SAMPLE_RATE) == pytest.approx(-60.0, abs=2.0)


@pytest.mark.parametrize("share", [0.01, 0.05, 0.15])
def test_known_clipped_share_is_measured(share: float) -> None:
    clipped = degrade.clip(clean_speech("vctk_p287_005.wav"), share, degrade.Context(np.random.default_rng(0)))
    found = clipping.clipping(clipped)
    assert found.share == pytest.approx(share, abs=0.1 * share)
    assert found.longest_run_samples >= 3 and found.n_runs > 0


def test_unclipped_speech_and_a_pcm16_clip_at_full_scale() -> None:
    for path in clean_files():
        from jasco.quality.audio_input import load_input

        assert clipping.clipping(load_input(path).samples).share == 0.0, path.name
    speech = clean_speech("arctic_aew_a0001.wav")
    over = np.clip(speech * 20, -1.0, 1.0)
    quantised = np.round(over * 32767) / 32767  # +32767 and -32767/-32768 plateaus
    expected = float(np.mean(np.abs(speech * 20) >= 1.0))
    assert clipping.clipping(quantised).share == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("cutoff", [2000.0, 3400.0, 5000.0])
def test_low_pass_sets_the_bandwidth(cutoff: float) -> None:
    speech = clean_speech("libri_4014-186175-0000.wav")
    assert spectrum.spectrum_features(speech, SAMPLE_RATE).bandwidth_hz >= 7000
    filtered = degrade.lowpass(speech, cutoff, degrade.Context(np.random.default_rng(0)))
    found = spectrum.spectrum_features(filtered, SAMPLE_RATE)
    assert cutoff - 250 <= found.bandwidth_hz <= cutoff + 750
    assert found.band_limit_hz == found.bandwidth_hz


def test_noise_masking_is_not_a_band_limit() -> None:
    speech = clean_speech("libri_4014-186175-0000.wav")
    noisy = degrade.white(speech, 5.0, degrade.Context(np.random.default_rng(0)))
    found = spectrum.spectrum_features(noisy, SAMPLE_RATE)
    assert found.bandwidth_hz < 7000 and found.band_limit_hz == SAMPLE_RATE / 2


def _dropouts(x: np.ndarray) -> dropouts.DropoutFeatures:
    active = levels.active_speech_level(x, SAMPLE_RATE)
    floor = levels.noise_floor_dbov(x, SAMPLE_RATE)
    return dropouts.dropouts(x, SAMPLE_RATE, active.active_mask, active.level_dbov, floor)


@pytest.mark.parametrize("name", ["arctic_awb_a0007.wav", "vctk_p287_005.wav", "ljspeech_LJ001-0028.wav"])
def test_inserted_dropouts_count_and_share(name: str) -> None:
    speech = clean_speech(name)
    active = levels.active_speech_level(speech, SAMPLE_RATE).active_mask
    burst = int(0.04 * SAMPLE_RATE)
    starts = np.nonzero(active)[0][0] + np.arange(1, 9) * int(0.3 * SAMPLE_RATE)
    starts = [s for s in starts if active[s : s + burst].all()]
    cut = speech.copy()
    for start in starts:
        cut[start : start + burst] = 0.0
    found = _dropouts(cut)
    assert _dropouts(speech).count == 0
    assert len(starts) - 1 <= found.count <= len(starts)
    expected_share = len(starts) * burst / np.count_nonzero(levels.active_speech_level(cut, SAMPLE_RATE).active_mask)
    assert found.share == pytest.approx(expected_share, rel=0.25)
    assert found.longest_s == pytest.approx(0.04, abs=0.004)


def test_clean_recordings_show_almost_no_dropouts() -> None:
    found = {path.name: analyze(clean_speech(path.name), SAMPLE_RATE) for path in clean_files()}
    assert sum(f.dropout_count + f.mute_count for f in found.values()) <= 1, found
    # libri_5456 fades into 86 ms of digital zeros inside a pause: an edit, not a cut in speech
    assert found["libri_5456-24741-0000.wav"].dropout_count == 0


def test_mapping_anchors_and_monotonicity() -> None:
    assert mapping.mos_from_r(0) == 1.0 and mapping.mos_from_r(100) == 4.5
    rs = np.linspace(-10, 110, 241)
    assert np.all(np.diff([mapping.mos_from_r(r) for r in rs]) >= 0)  # G.107's cubic dips under 1 near R = 0
    assert mapping.mos_from_r(50) > mapping.mos_from_r(49)
    assert mapping.noise_impairment(50) == 0 and mapping.noise_impairment(20) == pytest.approx(34.5)
    assert mapping.bandwidth_impairment(8000) == 0
    assert mapping.bandwidth_impairment(3750) == pytest.approx((129 - 93.2) / 1.29)
    assert mapping.dropout_impairment(0.043) == pytest.approx(50.0)
    assert mapping.level_impairment(-26) == 0 and mapping.level_impairment(-56) == pytest.approx(39.0)


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (np.zeros(0), "no samples"),
        (np.full(16000, np.nan), "NaN"),
        (tone(0.1, 0.3), "0.4 s"),
        (np.zeros(32000), "absolute gate"),
    ],
)
def test_analyze_refuses_what_it_cannot_describe(samples: np.ndarray, message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        analyze(samples, SAMPLE_RATE)


def test_reference_comparison_of_known_differences() -> None:
    from jasco.quality.signal.reference import ReferenceError, compare

    speech = clean_speech("vctk_p287_005.wav")
    same = compare(speech, speech)
    assert same["snr_db"] == float("inf") and same["log_spectral_distance_db"] == 0.0 and same["delay_ms"] == 0.0
    late_and_quiet = np.concatenate([np.zeros(160), 0.5 * speech])[: len(speech)]
    found = compare(late_and_quiet, speech)
    assert found["delay_ms"] == pytest.approx(10.0) and found["gain_db"] == pytest.approx(-6.02, abs=0.05)
    assert found["snr_db"] > 60 and found["level_difference_db"] == pytest.approx(-6.02, abs=0.3)
    muffled = compare(degrade.lowpass(speech, 3400.0, degrade.Context(np.random.default_rng(0))), speech)
    assert muffled["bandwidth_difference_hz"] <= -3000 and muffled["log_spectral_distance_db"] > 10
    with pytest.raises(ReferenceError, match="overlap"):
        compare(speech[:4000], speech)
