"""Is a judged file about this dataset's clips? A data-free check against a committed fingerprint.

The fingerprint maps each clip id to short sha256 digests of its ``spoken_text`` and ``tgt_text``
(whitespace-stripped), so the report can tell a clip from another dataset (an unknown id, or a
known id with other texts) without the dataset being installed. It is derived from upstream
``dataset/v0/v0.csv`` by ``make_fingerprint`` (a test re-derives it from the dataset and compares).
Digests, not texts: the dataset is CC BY-NC and is never committed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from jasco.core.paths import resource_dir
from jasco.tasks.jasco.dataset import DATASET_NAME
from jasco.tasks.jasco.samples import Clip

FINGERPRINT_FIELDS = ("spoken_text", "tgt_text")
DIGEST_CHARS = 16


def text_digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def make_fingerprint(clips: Iterable[Clip]) -> dict[str, dict[str, str]]:
    """Clip id (as text) -> {field: digest} for the fields in ``FINGERPRINT_FIELDS``."""
    return {
        str(clip.clip_id): {field: text_digest(getattr(clip, field)) for field in FINGERPRINT_FIELDS}
        for clip in clips
    }


def fingerprint_path() -> Path:
    return resource_dir("dataset") / f"{DATASET_NAME}.clips.json"


@lru_cache(maxsize=1)
def load_fingerprint() -> dict[str, dict[str, str]]:
    data = json.loads(fingerprint_path().read_text(encoding="utf-8"))
    clips: dict[str, dict[str, str]] = data["clips"]
    return clips


def clip_mismatch(clip_id: str, texts: dict[str, str]) -> str | None:
    """Why (clip_id, texts) is not a clip of this dataset, or None when it is."""
    known = load_fingerprint().get(clip_id.strip())
    if known is None:
        return f"clip id {clip_id!r} is not in {DATASET_NAME} (ids 1..{len(load_fingerprint())})"
    wrong = [field for field in FINGERPRINT_FIELDS if text_digest(texts[field]) != known[field]]
    if wrong:
        return f"clip {clip_id}: {' and '.join(wrong)} differ from {DATASET_NAME}'s clip {clip_id}"
    return None


def write_fingerprint(clips: Iterable[Clip], path: Path) -> None:
    payload = {
        "dataset": DATASET_NAME,
        "fields": list(FINGERPRINT_FIELDS),
        "digest": f"sha256 of the whitespace-stripped UTF-8 text, first {DIGEST_CHARS} hex digits",
        "clips": make_fingerprint(clips),
    }
    path.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
