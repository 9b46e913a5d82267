"""JASCO's item table: upstream ``evaluation/example.csv`` columns.

Every JASCO stage's file is this table plus stage columns (``model`` and ``infer_error`` after
infer; ``judge``, ``judge_output``, ``rating``, ``orientation``, ``parse_status`` after judge). A
row is identified by ``(id, prompt)``, as upstream. Reading and writing is ``jasco.core.table``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jasco.tasks.jasco.samples import Item, load_instructions

if TYPE_CHECKING:
    import pandas as pd

EXAMPLE_COLUMNS = (
    "id", "audio", "n_frames", "audio_sound", "spoken_text", "prompt", "with_speech",
    "audio_only_target", "speech_only_target", "target_keywords", "tgt_text", "allm_output",
)
ROW_KEY = ("id", "prompt")


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


def variant_of_prompt() -> dict[str, int]:
    """Instruction text -> variant number (1..8)."""
    return {instruction.text: instruction.variant for instruction in load_instructions()}
