"""Build judged CSVs for the report tests from a spec and the dataset copy (never committed)."""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from jasco.tasks.jasco.samples import Clip, load_clips, load_instructions
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS

DATA = Path(__file__).parent / "data" / "report"
LABEL = {"A": "Audio-Oriented", "B": "Both", "S": "Speech-Oriented", "N": "Neither", "-": ""}
UPSTREAM_LABEL = {"Audio-Oriented": "Audio-Oriented", "Both": "Good", "Speech-Oriented": "Speech-Oriented",
                  "Neither": "Neither"}
OURS = ("model", "judge", "judge_output", "rating", "orientation", "parse_status")


def golden() -> dict:
    return json.loads((DATA / "golden.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _clips(upstream_dir: Path) -> dict[int, Clip]:
    return {clip.clip_id: clip for clip in load_clips(upstream_dir)}


def example_row(upstream_dir: Path, clip_id: int, variant: int) -> dict[str, str]:
    """The example.csv row of (clip, variant), audio as an absolute path into the dataset copy."""
    clip = _clips(upstream_dir)[clip_id]
    instruction = {i.variant: i for i in load_instructions()}[variant]
    row = {
        "id": str(clip.clip_id), "audio": str(clip.audio_path), "n_frames": "1", "audio_sound": clip.audio_sound,
        "spoken_text": clip.spoken_text, "prompt": instruction.text, "with_speech": "True",
        "audio_only_target": clip.audio_only_target, "speech_only_target": clip.speech_only_target,
        "target_keywords": clip.target_keywords, "tgt_text": clip.tgt_text,
        "allm_output": f"Answer of clip {clip_id} to variant {variant} <b>&amp;</b>",
    }
    assert tuple(row) == EXAMPLE_COLUMNS
    return row


def judge_text(rating: str, orientation: str, upstream: bool = False) -> str:
    label = UPSTREAM_LABEL[orientation] if upstream else orientation
    return (f"Explanation1: The model's answer <script>alert(1)</script> is fine.\nRating: {rating}\n"
            f"Explanation2: It uses both.\nOrientation: {label}\n")


def parse_spec_row(spec: str) -> tuple[int, int, str, str, str]:
    clip, variant, rating, orientation, status = spec.split(" ", 4)
    return int(clip), int(variant), "" if rating == "-" else rating, LABEL[orientation], status


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def ours_rows(upstream_dir: Path, spec_rows: list[str], columns: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for spec in spec_rows:
        clip, variant, rating, orientation, status = parse_spec_row(spec)
        text = judge_text(rating, orientation) if status in ("ok", "repaired") else "I cannot judge this."
        extra = {"judge_output": text, "rating": rating, "orientation": orientation, "parse_status": status}
        rows.append({**columns, **example_row(upstream_dir, clip, variant), **extra})
    return rows


def upstream_rows(upstream_dir: Path, spec_rows: list[str]) -> list[dict[str, str]]:
    """The same judgments as upstream eval.py output: raw judge text in llama3_extract."""
    rows = []
    for spec in spec_rows:
        clip, variant, rating, orientation, status = parse_spec_row(spec)
        text = judge_text(rating, orientation, upstream=True) if status in ("ok", "repaired") else "No idea."
        rows.append({**example_row(upstream_dir, clip, variant), "llama3_extract": text})
    return rows


def write_golden(upstream_dir: Path, folder: Path) -> list[Path]:
    paths = []
    for spec in golden()["files"]:
        paths.append(write_csv(folder / spec["name"], ours_rows(upstream_dir, spec["rows"], spec["columns"])))
    return paths

