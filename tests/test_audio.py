"""Audio loading: resampling, mono mixdown, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.core.audio import AudioError, load_audio


def test_16k_clip_is_returned_unchanged(upstream_dir: Path) -> None:
    path = upstream_dir / "dataset/v0/1.wav"
    raw, _rate = soundfile.read(str(path), dtype="float32")
    audio = load_audio(path, clip_id=1)
    assert (audio.sample_rate, audio.original_sample_rate, audio.original_channels) == (16000, 16000, 1)
    assert audio.samples.dtype == np.float32
    np.testing.assert_array_equal(audio.samples, raw)


def test_48k_clip_is_resampled_to_16k_without_cropping(upstream_dir: Path) -> None:
    audio = load_audio(upstream_dir / "dataset/v0/47.wav", clip_id=47)
    assert audio.original_sample_rate == 48000 and audio.original_frames == 222908
    assert audio.sample_rate == 16000
    assert abs(len(audio.samples) - 222908 / 3) <= 1
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() > 0.01


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    left = np.sin(np.linspace(0, 100, 8000)).astype(np.float32) * 0.5
    right = np.zeros_like(left)
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), np.stack([left, right], axis=1), 8000, subtype="FLOAT")
    audio = load_audio(path, clip_id="s")
    assert audio.original_channels == 2 and audio.original_sample_rate == 8000
    assert len(audio.samples) == 16000
    assert np.abs(audio.samples).max() == pytest.approx(0.25, abs=0.02)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.wav", b"", "empty"),
        ("text.wav", b"this is not audio at all" * 10, "not a readable audio file"),
    ],
)
def test_bad_files_name_clip_and_path(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message) as error:
        load_audio(path, clip_id=7)
    assert "clip 7" in str(error.value) and str(path) in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"clip 3 .*does not exist"):
        load_audio(tmp_path / "nope.wav", clip_id=3)


def test_truncated_file(tmp_path: Path, upstream_dir: Path) -> None:
    data = (upstream_dir / "dataset/v0/2.wav").read_bytes()
    path = tmp_path / "2.wav"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError, match=r"clip 2 .*truncated"):
        load_audio(path, clip_id=2)
