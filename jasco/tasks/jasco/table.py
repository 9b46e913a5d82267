"""The item table: upstream ``evaluation/example.csv`` columns, read and written as CSV.

Every stage's file is this table plus stage columns (``model`` after infer; ``judge``,
``judge_output``, ``rating``, ``orientation``, ``parse_status`` after judge). A row is identified
by ``(id, prompt)``, as upstream. All cells are read as text, never guessed into numbers or NaN.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jasco.core.runinfo import write_text_atomic
from jasco.tasks.jasco.samples import Item, load_instructions

if TYPE_CHECKING:
    import pandas as pd

EXAMPLE_COLUMNS = (
    "id", "audio", "n_frames", "audio_sound", "spoken_text", "prompt", "with_speech",
    "audio_only_target", "speech_only_target", "target_keywords", "tgt_text", "allm_output",
)
ROW_KEY = ("id", "prompt")


class TableError(ValueError):
    """A CSV file does not have the expected shape; the message names the file and rows."""


def audio_frames(path: str | os.PathLike[str]) -> int:
    """The number of frames in the wav at its original rate (upstream's ``n_frames``)."""
    import soundfile

    return int(soundfile.info(str(path)).frames)


def items_to_frame(items: Sequence[Item]) -> pd.DataFrame:
    """The example.csv table for ``items`` with real audio paths and an empty ``allm_output``."""
    import pandas as pd

    frames: dict[Path, int] = {}
    rows = []
    for item in items:
        clip = item.clip
        if clip.audio_path not in frames:
            frames[clip.audio_path] = audio_frames(clip.audio_path)
        rows.append({
            "id": str(clip.clip_id),
            "audio": str(clip.audio_path),
            "n_frames": str(frames[clip.audio_path]),
            "audio_sound": clip.audio_sound,
            "spoken_text": clip.spoken_text,
            "prompt": item.prompt,
            "with_speech": "True",
            "audio_only_target": clip.audio_only_target,
            "speech_only_target": clip.speech_only_target,
            "target_keywords": clip.target_keywords,
            "tgt_text": clip.tgt_text,
            "allm_output": "",
        })
    return pd.DataFrame(rows, columns=list(EXAMPLE_COLUMNS))


def read_table(path: str | os.PathLike[str], required: Iterable[str] = EXAMPLE_COLUMNS) -> pd.DataFrame:
    """Read a CSV as text cells; fail naming the file if columns are missing or rows repeat."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise TableError(f"{path}: not a readable CSV file ({error})") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise TableError(f"{path}: missing required columns {missing}")
    return frame


def check_unique(frame: pd.DataFrame, path: str | os.PathLike[str], key: Sequence[str] = ROW_KEY) -> None:
    duplicated = frame[frame.duplicated(list(key), keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]
        where = ", ".join(f"{k}={first[k]!r}" for k in key)
        raise TableError(
            f"{path}: {len(duplicated)} rows share a ({', '.join(key)}) key, e.g. {where} "
            f"(CSV rows {', '.join(str(i + 2) for i in duplicated.index[:5])})"
        )


def variant_of_prompt() -> dict[str, int]:
    """Instruction text -> variant number (1..8)."""
    return {instruction.text: instruction.variant for instruction in load_instructions()}


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the CSV atomically (a reader never sees half a file)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_text_atomic(path, buffer.getvalue())
