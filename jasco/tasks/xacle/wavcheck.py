"""A fast structural check of a WAV file's header: format, channels, rate, bit depth, truncation.

Verifying an installed XACLE set opens 13,500 files; decoding them all would read about 4 GB.
``read_wav_header`` parses the RIFF chunks (``fmt `` and ``data``) and compares the declared data
size with the bytes the file holds, which is what catches a cut-short download; ``check_wav``
turns a header into the problems it has against the expected format (XACLE: PCM, mono, 16-bit,
16 kHz). ``decode_problems`` reads every sample with soundfile for a full check (slower, opt-in).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

PCM = 1
EXTENSIBLE = 0xFFFE
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # streamed writers leave the data size open


@dataclass(frozen=True)
class WavHeader:
    audio_format: int  # 1 = PCM (the sub-format for WAVE_FORMAT_EXTENSIBLE)
    channels: int
    sample_rate: int
    bits_per_sample: int
    block_align: int
    data_bytes: int  # declared (or, for an open size, available) payload bytes
    available_bytes: int  # payload bytes the file actually holds

    @property
    def frames(self) -> int:
        return self.data_bytes // self.block_align if self.block_align else 0

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


class WavHeaderError(ValueError):
    """Not a RIFF/WAVE file, or its fmt/data chunks are missing or malformed."""


def read_wav_header(path: str | os.PathLike[str]) -> WavHeader:
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        riff = handle.read(12)
        if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
            raise WavHeaderError("not a RIFF/WAVE file")
        fmt: tuple[int, int, int, int, int] | None = None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                raise WavHeaderError("no data chunk" if fmt else "no fmt chunk")
            chunk_id, chunk_size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if chunk_id == b"fmt ":
                body = handle.read(chunk_size)
                if len(body) < 16:
                    raise WavHeaderError("fmt chunk shorter than 16 bytes")
                audio_format, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                if audio_format == EXTENSIBLE and len(body) >= 26:
                    audio_format = int.from_bytes(body[24:26], "little")  # the sub-format GUID's first 2 bytes
                fmt = (audio_format, channels, rate, block_align, bits)
                if chunk_size & 1:
                    handle.seek(1, 1)
            elif chunk_id == b"data":
                if fmt is None:
                    raise WavHeaderError("data chunk before the fmt chunk")
                available = size - handle.tell()
                declared = available if chunk_size in _UNKNOWN_SIZES else chunk_size
                audio_format, channels, rate, block_align, bits = fmt
                return WavHeader(audio_format, channels, rate, bits, block_align, declared, available)
            else:
                handle.seek(chunk_size + (chunk_size & 1), 1)


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
