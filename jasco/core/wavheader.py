"""RIFF/WAVE headers read without decoding a sample: the format, and whether the file was cut short.

libsndfile quietly reads what is there when a WAV file is cut short (a broken download, a full
disk); the header says better. This is the one reader of WAV headers in jasco (audio loading,
the speech-quality corpus check, the XACLE dataset check):

- ``wav_data_chunk(path)``: (offset of the ``data`` payload, its declared size), or None when the
  file is not RIFF/WAVE or has no data chunk;
- ``cut_short(path)``: (declared, held) payload bytes when the header declares more than the file
  holds, else None (an open size, 0 or 0xFFFFFFFF as streamed writers leave it, is never short);
- ``read_wav_header(path)``: the ``fmt `` fields and the payload sizes (``WavHeader``), or
  ``WavHeaderError`` saying what is malformed.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PCM = 1
EXTENSIBLE = 0xFFFE
UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # streamed writers leave the data size open


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


def _is_riff_wave(handle: BinaryIO) -> bool:
    riff = handle.read(12)
    return len(riff) == 12 and riff[:4] == b"RIFF" and riff[8:12] == b"WAVE"


def _chunks(handle: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """(chunk id, declared size) of each chunk, the handle at the chunk's payload; the caller reads
    or skips the payload (``_skip``) before asking for the next one."""
    while True:
        head = handle.read(8)
        if len(head) < 8:
            return
        yield head[:4], int.from_bytes(head[4:], "little")


def _skip(handle: BinaryIO, size: int) -> None:
    handle.seek(size + (size & 1), os.SEEK_CUR)  # chunks are padded to an even size


def wav_data_chunk(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(offset of the data chunk's payload, its declared size) of a RIFF/WAVE file, else None."""
    with open(path, "rb") as handle:
        if not _is_riff_wave(handle):
            return None
        for chunk_id, size in _chunks(handle):
            if chunk_id == b"data":
                return handle.tell(), size
            _skip(handle, size)
    return None


def cut_short(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(declared, held) payload bytes of a WAV file whose data chunk declares more than it holds, else None."""
    chunk = wav_data_chunk(path)
    if chunk is None or chunk[1] in UNKNOWN_SIZES:
        return None
    offset, declared = chunk
    held = Path(path).stat().st_size - offset
    return (declared, held) if declared > held else None


def read_wav_header(path: str | os.PathLike[str]) -> WavHeader:
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if not _is_riff_wave(handle):
            raise WavHeaderError("not a RIFF/WAVE file")
        fmt: tuple[int, int, int, int, int] | None = None
        for chunk_id, chunk_size in _chunks(handle):
            if chunk_id == b"fmt ":
                body = handle.read(chunk_size)
                if len(body) < 16:
                    raise WavHeaderError("fmt chunk shorter than 16 bytes")
                audio_format, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                if audio_format == EXTENSIBLE and len(body) >= 26:
                    audio_format = int.from_bytes(body[24:26], "little")  # the sub-format GUID's first 2 bytes
                fmt = (audio_format, channels, rate, block_align, bits)
                if chunk_size & 1:
                    handle.seek(1, os.SEEK_CUR)
            elif chunk_id == b"data":
                if fmt is None:
                    raise WavHeaderError("data chunk before the fmt chunk")
                available = size - handle.tell()
                declared = available if chunk_size in UNKNOWN_SIZES else chunk_size
                audio_format, channels, rate, block_align, bits = fmt
                return WavHeader(audio_format, channels, rate, bits, block_align, declared, available)
            else:
                _skip(handle, chunk_size)
    raise WavHeaderError("no data chunk" if fmt else "no fmt chunk")
