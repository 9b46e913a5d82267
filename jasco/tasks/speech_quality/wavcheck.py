"""A fast check that a wav file decodes: its header is read, its samples are not (the corpus is 16 GB).

``wav_problem(path)`` returns None for a readable file, else one line saying what is wrong:
missing, empty, not audio (libsndfile cannot open it), no samples, or cut short (the RIFF data
chunk declares more bytes than the file holds; libsndfile itself reads what is there silently).
"""

from __future__ import annotations

from pathlib import Path

from jasco.core.wavheader import cut_short


def wav_problem(path: str | Path) -> str | None:
    import soundfile

    path = Path(path)
    if not path.is_file():
        return "file does not exist"
    if path.stat().st_size == 0:
        return "file is empty"
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as error:
        return f"not a readable audio file ({error})"
    if info.frames <= 0 or info.samplerate <= 0:
        return "holds no samples"
    short = cut_short(path)  # the RIFF header, read by jasco.core.wavheader
    if short is not None:
        return f"cut short (the header declares {short[0]} data bytes, the file holds {short[1]})"
    return None
