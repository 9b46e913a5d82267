"""Stage stamps: is a stage's output complete for the same inputs and settings?

When a stage completes with no errors it writes ``<output>.stage.json``: the sha256 of each
input file and the settings that produced the output. A later run skips the stage when the
output exists and a fresh stamp equals the stored one; otherwise the stage runs (and its result
store makes the rows already done free).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.core.runinfo import file_sha256, write_text_atomic


def stamp_path(output: Path) -> Path:
    return output.with_name(output.name + ".stage.json")


def make_stamp(inputs: Sequence[Path], settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "inputs": {str(path): file_sha256(path) for path in inputs},
        "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)),
    }


def up_to_date(output: Path, stamp: Mapping[str, Any]) -> bool:
    path = stamp_path(output)
    if not output.is_file() or not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")) == stamp)
    except ValueError:
        return False


def mark_done(output: Path, stamp: Mapping[str, Any]) -> None:
    write_text_atomic(stamp_path(output), json.dumps(stamp, indent=1, sort_keys=True) + "\n")
