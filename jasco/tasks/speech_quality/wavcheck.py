"""A fast check that a wav file decodes: its header is read, its samples are not (the corpus is 16 GB).

``wav_problem(path)`` returns None for a readable file, else one line saying what is wrong:
missing, empty, not audio (libsndfile cannot open it), no samples, or cut short (the RIFF data
chunk declares more bytes than the file holds; libsndfile itself reads what is there silently).
"""

from __future__ import annotations

from pathlib import Path


def wav_problem(path: str | Path) -> str | None:
    import soundfile

    path = Path(path)
    if not path.is_file():
        return "file does not exist"
    size = path.stat().st_size
    if size == 0:
        return "file is empty"
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as error:
        return f"not a readable audio file ({error})"
    if info.frames <= 0 or info.samplerate <= 0:
        return "holds no samples"
    chunk = _data_chunk(path)
    if chunk is not None:
        offset, declared = chunk
        if declared not in (0, 0xFFFFFFFF) and offset + declared > size:  # 0 / 0xFFFFFFFF: size unknown
            return f"cut short (the header declares {declared} data bytes, the file holds {size - offset})"
    return None


def _data_chunk(path: Path) -> tuple[int, int] | None:
    """(offset of the data chunk's payload, its declared size) of a RIFF/WAVE file, else None."""
    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                return handle.tell(), size
            handle.seek(size + (size & 1), 1)
