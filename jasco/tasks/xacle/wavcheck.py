"""A fast structural check of a WAV file's header: format, channels, rate, bit depth, truncation.

Verifying an installed XACLE set opens 13,500 files; decoding them all would read about 4 GB.
``jasco.core.wavheader.read_wav_header`` parses the RIFF chunks (``fmt `` and ``data``) and the
declared data size against the bytes the file holds, which is what catches a cut-short download;
``check_wav`` turns a header into the problems it has against the expected format (XACLE: PCM,
mono, 16-bit, 16 kHz). ``decode_problems`` reads every sample with soundfile for a full check (slower, opt-in).
"""

from __future__ import annotations

import os
from pathlib import Path

from jasco.core.wavheader import PCM, WavHeader, WavHeaderError, read_wav_header

__all__ = ["WavHeader", "WavHeaderError", "check_wav", "decode_problems", "read_wav_header"]


def check_wav(
    path: str | os.PathLike[str], sample_rate: int = 16_000, channels: int = 1, bits_per_sample: int = 16
) -> tuple[list[str], WavHeader | None]:
    """Problems with one file against the expected PCM format (empty list: fine) and its header."""
    path = Path(path)
    if not path.is_file():
        return ["missing"], None
    if path.stat().st_size == 0:
        return ["empty file"], None
    try:
        header = read_wav_header(path)
    except WavHeaderError as error:
        return [str(error)], None
    problems = []
    if header.audio_format != PCM:
        problems.append(f"format code {header.audio_format}, expected PCM")
    if header.channels != channels:
        problems.append(f"{header.channels} channels, expected {channels}")
    if header.sample_rate != sample_rate:
        problems.append(f"{header.sample_rate} Hz, expected {sample_rate}")
    if header.bits_per_sample != bits_per_sample:
        problems.append(f"{header.bits_per_sample}-bit, expected {bits_per_sample}")
    if header.data_bytes > header.available_bytes:
        problems.append(f"truncated (declares {header.data_bytes} data bytes, holds {header.available_bytes})")
    elif header.frames == 0:
        problems.append("no samples")
    elif header.block_align and header.data_bytes % header.block_align:
        problems.append(f"data size {header.data_bytes} is not a whole number of {header.block_align}-byte frames")
    return problems, header


def decode_problems(path: str | os.PathLike[str], expected_frames: int) -> list[str]:
    """Read every sample with soundfile; problems if it fails or yields another frame count."""
    import soundfile

    try:
        data, _ = soundfile.read(str(path), dtype="int16", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as error:
        return [f"does not decode ({error})"]
    if data.shape[0] != expected_frames:
        return [f"decodes to {data.shape[0]} frames, the header says {expected_frames}"]
    return []
