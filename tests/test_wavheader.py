"""The one WAV header reader (``jasco.core.wavheader``): the data chunk found past other chunks, a
cut-short file told from an open size, and malformed headers named."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.core.wavheader import WavHeaderError, cut_short, read_wav_header, wav_data_chunk


def wav_bytes(frames: int = 800) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(frames, dtype=np.int16), 16_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def with_extra_chunk(data: bytes) -> bytes:
    """A ``LIST`` chunk of odd size (padded) between ``fmt `` and ``data``."""
    fmt_end = 12 + 8 + int.from_bytes(data[16:20], "little")
    extra = b"LIST" + (5).to_bytes(4, "little") + b"INFOx" + b"\0"
    body = data[12:fmt_end] + extra + data[fmt_end:]
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body


def test_the_data_chunk_is_found_past_other_chunks(tmp_path: Path) -> None:
    path = tmp_path / "extra.wav"
    path.write_bytes(with_extra_chunk(wav_bytes(800)))
    offset, declared = wav_data_chunk(path) or (0, 0)
    assert declared == 1600 and offset == path.stat().st_size - 1600
    header = read_wav_header(path)
    assert (header.channels, header.sample_rate, header.bits_per_sample, header.frames) == (1, 16_000, 16, 800)
    assert cut_short(path) is None
    assert soundfile.read(str(path), dtype="int16")[0].shape == (800,)  # still a valid file


def test_cut_short_reports_declared_and_held_bytes(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    path.write_bytes(wav_bytes(800)[:-600])
    assert cut_short(path) == (1600, 1000)
    assert read_wav_header(path).available_bytes == 1000


def test_an_open_data_size_is_never_short(tmp_path: Path) -> None:
    data = bytearray(wav_bytes(800))
    position = bytes(data).index(b"data")
    data[position + 4:position + 8] = (0xFFFFFFFF).to_bytes(4, "little")
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(data))
    assert cut_short(path) is None
    assert read_wav_header(path).data_bytes == 1600  # the bytes it holds


@pytest.mark.parametrize(("content", "message"), [
    (b"not a wav file at all", "not a RIFF/WAVE file"),
    (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
])
def test_malformed_headers_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    assert wav_data_chunk(path) is None and cut_short(path) is None
    with pytest.raises(WavHeaderError, match=message):
        read_wav_header(path)
