"""Stage stamps: is a stage's output complete for the same inputs, settings, code and prompts?

When a stage completes with no errors it writes ``<output>.stage.json``: the sha256 of each input
file, the size and modification time of each input it reads too often to hash (audio), the
settings that produced the output (the caller puts in everything that changes it: model and
judge identities, options, decoding, task options, rule versions), the jasco version, the sha256
of every versioned prompt, label and threshold file under ``prompts/``, and the sha256 of the
output itself. A later run skips the stage only when the output exists with that same sha256
(an edited or cut output is redone) and a fresh stamp equals the stored one; otherwise the stage
runs (and its result store makes the rows already done free).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.core.runinfo import file_sha256, write_text_atomic

OUTPUT_HASH = "output_sha256"


def stamp_path(output: Path) -> Path:
    return output.with_name(output.name + ".stage.json")


def prompts_sha256() -> str:
    """One sha256 over every file under ``prompts/`` (relative path and content, sorted)."""
    from jasco.core.paths import prompts_dir

    root = prompts_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_fingerprint(path: Path) -> list[int] | None:
    """[size, mtime in ns] of a file, None when it is missing (cheap; for large or many inputs)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


def make_stamp(inputs: Sequence[Path], settings: Mapping[str, Any],
               fingerprinted: Sequence[Path] = ()) -> dict[str, Any]:
    """The stamp of a stage about to run: ``inputs`` are hashed, ``fingerprinted`` files are
    recorded by size and modification time."""
    from jasco import __version__

    return {
        "inputs": {str(path): file_sha256(path) for path in inputs},
        "fingerprints": {str(path): file_fingerprint(Path(path)) for path in sorted(set(map(str, fingerprinted)))},
        "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)),
        "jasco_version": __version__,
        "prompts_sha256": prompts_sha256(),
    }


def up_to_date(output: Path, stamp: Mapping[str, Any]) -> bool:
    """True when ``output`` is exactly what the stage wrote last time with this same ``stamp``."""
    path = stamp_path(output)
    if not output.is_file() or not path.is_file():
        return False
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if not isinstance(stored, dict):
        return False
    written = stored.pop(OUTPUT_HASH, None)
    return bool(stored == dict(stamp) and written == file_sha256(output))


def mark_done(output: Path, stamp: Mapping[str, Any]) -> None:
    """Record that ``output`` (as it is now on disk) completed with ``stamp``."""
    record = {**stamp, OUTPUT_HASH: file_sha256(output)}
    write_text_atomic(stamp_path(output), json.dumps(record, indent=1, sort_keys=True) + "\n")
