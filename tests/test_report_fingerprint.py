"""The committed clip fingerprint is the dataset's, and it tells other clips apart."""

from __future__ import annotations

import json
from pathlib import Path

from jasco.tasks.jasco.report.fingerprint import clip_mismatch, fingerprint_path, make_fingerprint
from jasco.tasks.jasco.samples import load_clips


def test_committed_fingerprint_matches_the_dataset(upstream_dir: Path) -> None:
    committed = json.loads(fingerprint_path().read_text(encoding="utf-8"))["clips"]
    clips = load_clips(upstream_dir)
    assert committed == make_fingerprint(clips)
    assert len(committed) == 80


def test_clip_mismatch(upstream_dir: Path) -> None:
    clip = load_clips(upstream_dir)[4]
    texts = {"spoken_text": clip.spoken_text, "tgt_text": clip.tgt_text}
    assert clip_mismatch(str(clip.clip_id), texts) is None
    assert clip_mismatch(f" {clip.clip_id} ", {k: f"  {v}\n" for k, v in texts.items()}) is None  # whitespace only
    assert "tgt_text differ" in str(clip_mismatch(str(clip.clip_id), {**texts, "tgt_text": "They are skiing."}))
    assert "not in" in str(clip_mismatch("81", texts))
