"""Clips and benchmark items as frozen dataclasses, and the pure 1 clip -> 8 items expansion.

A ``Clip`` is one row of upstream ``dataset/v0/v0.csv`` plus its wav path. An ``Item`` is one
(clip, instruction variant) pair, the unit an ALLM answers; its ``item_id`` ("<clip>-v<variant>")
is stable across runs. ``expand`` is the one place the 80 x 8 = 640 items are made.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jasco.core.prompting import load_json
from jasco.tasks.datasets import DatasetError

INSTRUCTIONS_FILE = "jasco/instructions.v1.json"
CLIPS_CSV = Path("dataset/v0/v0.csv")

# v0.csv column -> Clip field
_CLIP_COLUMNS = {
    "audio_id": "clip_id",
    "Audio": "audio_sound",
    "Speech": "spoken_text",
    "Audio-Only Answer": "audio_only_target",
    "Speech-Only Answer": "speech_only_target",
    "Correct Answer": "tgt_text",
    "Correct Answer Keyword": "target_keywords",
}


@dataclass(frozen=True)
class Clip:
    clip_id: int
    audio_path: Path
    audio_sound: str
    spoken_text: str
    audio_only_target: str
    speech_only_target: str
    tgt_text: str
    target_keywords: str


@dataclass(frozen=True)
class Instruction:
    variant: int  # 1..8, the upstream order
    text: str
    first: str  # "audio" or "speech": which modality the inference sentence names first


@dataclass(frozen=True)
class Item:
    clip: Clip
    instruction: Instruction

    @property
    def item_id(self) -> str:
        return f"{self.clip.clip_id}-v{self.instruction.variant}"

    @property
    def prompt(self) -> str:
        return self.instruction.text


def load_instructions(name: str = INSTRUCTIONS_FILE) -> tuple[Instruction, ...]:
    data = load_json(name)
    return tuple(
        Instruction(variant=int(v["variant"]), text=v["text"], first=v["first"])
        for v in data["variants"]
    )


def load_clips(data_dir: str | Path) -> tuple[Clip, ...]:
    """Read the clips from ``<data_dir>/dataset/v0/v0.csv`` in file order."""
    data_dir = Path(data_dir)
    path = data_dir / CLIPS_CSV
    if not path.is_file():
        raise DatasetError(f"{path}: not found; run `jasco data fetch` or pass --data-dir")
    clips = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(_CLIP_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise DatasetError(f"{path}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            fields = {field: row[column] for column, field in _CLIP_COLUMNS.items()}
            try:
                clip_id = int(fields.pop("clip_id"))
            except ValueError:
                raise DatasetError(f"{path}:{line}: audio_id {row['audio_id']!r} is not an integer") from None
            clips.append(
                Clip(clip_id=clip_id, audio_path=data_dir / "dataset" / "v0" / f"{clip_id}.wav", **fields)
            )
    return tuple(clips)


def expand(clips: Sequence[Clip], instructions: Sequence[Instruction]) -> tuple[Item, ...]:
    """Every clip with every instruction, clip-major, variants in their file order."""
    return tuple(Item(clip, instruction) for clip in clips for instruction in instructions)


def load_items(data_dir: str | Path) -> tuple[Item, ...]:
    return expand(load_clips(data_dir), load_instructions())
