"""Audio loading: every clip becomes mono float32 at 16 kHz, with its original format recorded.

Multi-channel audio is averaged to mono; other rates are resampled with soxr (high quality).
Nothing is cropped or padded. A missing, empty, truncated or non-audio file raises
``AudioError`` naming the clip and the path. Also here: the samples as a base64 WAV for chat APIs
(``wav_base64``).
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TARGET_SAMPLE_RATE = 16_000


class AudioError(RuntimeError):
    """An audio file could not be loaded; the message names the clip id and the path."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray = field(repr=False)  # float32, mono, TARGET_SAMPLE_RATE
    sample_rate: int
    original_sample_rate: int
    original_channels: int
    original_frames: int
    path: Path

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def load_audio(
    path: str | os.PathLike[str], clip_id: object = None, sample_rate: int = TARGET_SAMPLE_RATE
) -> Audio:
    import soundfile

    from jasco.core.wavheader import cut_short

    path = Path(path)
    where = f"clip {clip_id} ({path})" if clip_id is not None else str(path)
    if not path.is_file():
        raise AudioError(f"{where}: audio file does not exist")
    if path.stat().st_size == 0:
        raise AudioError(f"{where}: audio file is empty")
    try:
        info = soundfile.info(str(path))
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as error:
        raise AudioError(f"{where}: not a readable audio file ({error})") from None
    if data.shape[0] == 0:
        raise AudioError(f"{where}: audio file holds no samples")
    short = cut_short(path)
    if short is not None:
        raise AudioError(
            f"{where}: truncated audio file (the WAV header declares {short[0]} data bytes, the file holds {short[1]})"
        )
    if info.frames != data.shape[0]:
        raise AudioError(
            f"{where}: truncated audio file (header says {info.frames} frames, read {data.shape[0]})"
        )
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    if rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, rate, sample_rate, quality="HQ").astype(np.float32)
    return Audio(
        samples=np.ascontiguousarray(mono, dtype=np.float32),
        sample_rate=sample_rate,
        original_sample_rate=int(rate),
        original_channels=int(data.shape[1]),
        original_frames=int(data.shape[0]),
        path=path,
    )


def audio_content_sha256(path: str | os.PathLike[str]) -> str:
    """Hash of the file bytes: the audio part of a result-store key."""
    from jasco.core.runinfo import file_sha256

    return file_sha256(path)


def wav_base64(samples: np.ndarray, sample_rate: int, subtype: str = "FLOAT") -> str:
    """The samples as a base64-encoded mono WAV file (32-bit float by default: lossless, so a
    model behind an API hears exactly our samples; ``PCM_16`` for endpoints that need it)."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(samples, dtype=np.float32), sample_rate, format="WAV", subtype=subtype)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
