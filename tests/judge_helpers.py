"""Shared helpers for the judge tests: small answer CSVs built from the dataset copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jasco.core.table import write_table
from jasco.tasks.jasco.samples import load_items
from jasco.tasks.jasco.table import items_to_frame


def answers_frame(upstream_dir: Path, n: int | None = None) -> Any:
    """The item table with a distinct ``allm_output`` per row (the first ``n`` rows)."""
    frame = items_to_frame(load_items(upstream_dir))
    if n is not None:
        frame = frame.iloc[:n].copy()
    frame["allm_output"] = [f"They are probably doing activity number {i}." for i in range(len(frame))]
    return frame


def write_answers(upstream_dir: Path, path: Path, n: int | None = None) -> Path:
    write_table(answers_frame(upstream_dir, n), path)
    return path


def log_events(path: Path, event: str = "call") -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [r for r in (json.loads(line) for line in path.read_text().splitlines() if line) if r["event"] == event]


def store_keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if line.strip()]
