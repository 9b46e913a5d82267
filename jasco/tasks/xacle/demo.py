"""A small synthetic XACLE-layout set anyone can build from the 80 JASCO clips (for tests and the main job).

Each JASCO clip (``dataset/v0/<id>.wav``) comes with a short description of its sound scene (the
``Audio`` column of ``dataset/v0/v0.csv``, e.g. "Waves crashing,seagulls"). Every clip becomes
three pairs:

- ``match``: the clip with its own description;
- ``partial``: its own description "and" another clip's (the caption names sounds that are absent);
- ``mismatch``: the clip with another clip's description.

The other clips are drawn with ``seed`` (numpy PCG64) among those whose description shares no
content word with the clip's own (content words: lower-case words minus a few function words and
"sound"/"noise", a final "s" dropped), two different ones for ``partial`` and ``mismatch``.

**Label rule** (documented, synthetic, never a listening test): the share of the caption's
content words that belong to the clip's own description, times 10, rounded to the nearest 0.25
(the grid of a mean of four integer ratings): ``match`` 10.0, ``mismatch`` 0.0, ``partial``
between (``Dog barking`` + ``heavy rain``: 2 of 4 words -> 5.0).

Layout: ``dest/XACLE_dataset/meta_data/{validation,test}_average.csv`` (clips 1-40 validation,
41-80 test: 120 pairs each, no train split), ``wav/<split>/NNNNN.wav`` numbered from 00000 in
that order (each clip written three times, once per pair, as the official layout has one file
per pair). Audio is mono 16-bit 16 kHz: the 79 clips already in that format are copied sample for
sample, clip 47 (48 kHz) is resampled with soxr through ``load_audio``; nothing is cropped or
padded (JASCO clips last 1.6-10 s), every duration is recorded in ``demo_pairs.csv``.
``jasco_demo.json`` marks the set synthetic (seed, rule, counts) and ``verify_xacle`` reads its
counts; JASCO's ``DATA_LICENSE.txt`` (CC BY-NC 4.0) is copied beside the data. The build happens
in a staging directory renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jasco.core.runinfo import write_text_atomic
from jasco.tasks.xacle.layout import DEMO_MARKER, LAYOUT_NAME, META_DIR, WAV_DIR, XacleDataError

JASCO_CSV = Path("dataset/v0/v0.csv")
DEMO_SPLITS: dict[str, range] = {"validation": range(1, 41), "test": range(41, 81)}
KINDS = ("match", "partial", "mismatch")
SAMPLE_RATE = 16_000
DEMO_TABLE = "demo_pairs.csv"
LABEL_RULE = (
    "average_score = 10 x (share of the caption's content words that belong to the clip's own "
    "description), rounded to the nearest 0.25; match 10, mismatch 0, partial in between"
)
_STOPWORDS = frozenset({"a", "an", "the", "of", "and", "on", "in", "with", "at", "against", "sound", "noise"})


@dataclass(frozen=True)
class DemoPair:
    wav_file_name: str
    split: str
    clip_id: int
    kind: str  # match | partial | mismatch
    partner_clip_id: int | None  # the clip whose description was borrowed
    caption: str
    average_score: float


@dataclass(frozen=True)
class DemoResult:
    dest: Path
    root: Path
    pair_counts: dict[str, int]


def content_words(description: str) -> frozenset[str]:
    """Lower-case words minus function words, a final "s" dropped ("Birds chirping" -> {bird, chirping})."""
    words = (word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
             for word in re.findall(r"[a-z]+", description.lower()))
    return frozenset(word for word in words if word not in _STOPWORDS)


def label_for(caption_words: frozenset[str], own_words: frozenset[str]) -> float:
    """The documented label rule: 10 x share of caption content words from the own description, to 0.25."""
    if not caption_words:
        raise XacleDataError("a demo caption has no content word")
    share = len(caption_words & own_words) / len(caption_words)
    return round(share * 40) / 4


def _clean(description: str) -> str:
    return description.strip().rstrip(".").strip()


def plan_demo(descriptions: Mapping[int, str], seed: int = 0) -> tuple[DemoPair, ...]:
    """The demo's pairs for clip id -> description (pure: the same inputs and seed give the same pairs)."""
    rng = np.random.default_rng(seed)
    words = {clip: content_words(text) for clip, text in descriptions.items()}
    pairs: list[DemoPair] = []
    for split, clips in DEMO_SPLITS.items():
        for clip in clips:
            if clip not in descriptions:
                raise XacleDataError(f"clip {clip}: no description")
            others = [o for o in sorted(descriptions) if o != clip and not words[o] & words[clip]]
            if len(others) < 2:
                raise XacleDataError(f"clip {clip}: fewer than 2 clips with unrelated descriptions")
            mismatch, partial = (int(o) for o in rng.choice(others, size=2, replace=False))
            own = _clean(descriptions[clip])
            borrowed = _clean(descriptions[partial])
            captions = {
                "match": (own, None),
                "partial": (f"{own} and {borrowed[:1].lower()}{borrowed[1:]}", partial),
                "mismatch": (_clean(descriptions[mismatch]), mismatch),
            }
            for kind in KINDS:
                caption, partner = captions[kind]
                label = label_for(content_words(caption), words[clip])
                pairs.append(DemoPair(f"{len(pairs):05d}.wav", split, clip, kind, partner, caption, label))
    return tuple(pairs)


def read_descriptions(jasco_data_dir: Path) -> dict[int, str]:
    path = jasco_data_dir / JASCO_CSV
    if not path.is_file():
        raise XacleDataError(f"{path}: not found (is {jasco_data_dir} the JASCO dataset?)")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"audio_id", "Audio"} - set(reader.fieldnames or ())
        if missing:
            raise XacleDataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        descriptions = {}
        for row in reader:
            try:
                descriptions[int(row["audio_id"])] = row["Audio"]
            except ValueError:
                where = f"{path} line {reader.line_num}"
                raise XacleDataError(f"{where}: audio_id {row['audio_id']!r} is not a number") from None
    return descriptions


def _pcm16_samples(path: Path, clip: int) -> tuple[np.ndarray, int, int, int]:
    """(int16 mono samples at 16 kHz, original rate, original frames, clipped sample count)."""
    import soundfile

    from jasco.core.audio import AudioError, load_audio

    try:
        info = soundfile.info(str(path))
        if info.samplerate == SAMPLE_RATE and info.channels == 1 and info.subtype == "PCM_16":
            samples, _ = soundfile.read(str(path), dtype="int16")
            return np.asarray(samples, dtype=np.int16), info.samplerate, info.frames, 0
        audio = load_audio(path, clip_id=clip)
    except (AudioError, RuntimeError, soundfile.LibsndfileError) as error:
        raise XacleDataError(f"clip {clip} ({path}): {error}") from None
    scaled = np.round(audio.samples.astype(np.float64) * 32768.0)
    clipped = int(np.count_nonzero((scaled > 32767) | (scaled < -32768)))
    return np.clip(scaled, -32768, 32767).astype(np.int16), audio.original_sample_rate, audio.original_frames, clipped


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_root(jasco_data_dir: Path, root: Path, pairs: tuple[DemoPair, ...], seed: int) -> dict[str, int]:
    import soundfile

    audio = {clip: _pcm16_samples(jasco_data_dir / "dataset" / "v0" / f"{clip}.wav", clip)
             for clip in sorted({pair.clip_id for pair in pairs})}
    details: list[list[object]] = []
    for pair in pairs:
        samples, rate, frames, clipped = audio[pair.clip_id]
        target = root / WAV_DIR / pair.split / pair.wav_file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(target), samples, SAMPLE_RATE, subtype="PCM_16")
        details.append([pair.wav_file_name, pair.split, pair.clip_id, pair.kind, pair.partner_clip_id or "",
                        pair.caption, pair.average_score, rate, frames, len(samples),
                        f"{len(samples) / SAMPLE_RATE:.4f}", clipped])
    counts = {}
    for split in DEMO_SPLITS:
        rows: list[list[object]] = [[p.wav_file_name, p.caption, p.average_score] for p in pairs if p.split == split]
        counts[split] = len(rows)
        write_text_atomic(root / META_DIR / f"{split}_average.csv",
                          _csv_text(["wav_file_name", "text", "average_score"], rows))
    write_text_atomic(root / DEMO_TABLE, _csv_text(
        ["wav_file_name", "split", "clip_id", "kind", "partner_clip_id", "caption", "average_score",
         "source_sample_rate", "source_frames", "frames", "duration_s", "clipped_samples"], details))
    marker = {
        "synthetic": True,
        "what": "jasco XACLE demo set: JASCO clips paired with their own, partly wrong and other clips' "
                "sound descriptions; labels by rule, not by listeners",
        "seed": seed,
        "label_rule": LABEL_RULE,
        "pair_counts": counts,
        "source": "JASCO (BenoitWang/What_Are_They_Doing) dataset/v0: audio and the Audio column of v0.csv",
        "licence": "CC BY-NC 4.0, inherited from the JASCO clips (DATA_LICENSE.txt)",
    }
    write_text_atomic(root / DEMO_MARKER, json.dumps(marker, indent=2) + "\n")
    licence = jasco_data_dir / "DATA_LICENSE.txt"
    if licence.is_file():
        shutil.copyfile(licence, root / "DATA_LICENSE.txt")
    return counts


def build_xacle_demo(
    jasco_data_dir: str | os.PathLike[str], dest: str | os.PathLike[str], seed: int = 0, force: bool = False
) -> DemoResult:
    """Build the demo set as ``dest/XACLE_dataset`` (atomic); an existing non-empty ``dest`` needs ``force``."""
    source, dest = Path(jasco_data_dir).expanduser(), Path(dest).expanduser().resolve()
    if dest.exists() and any(dest.iterdir()) and not force:
        raise XacleDataError(f"{dest} exists and is not empty; rerun with --force to replace it")
    pairs = plan_demo(read_descriptions(source), seed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".xacle-demo-", dir=dest.parent) as work_name:
        work = Path(work_name)
        staging = work / "staging"
        counts = _write_root(source, staging / LAYOUT_NAME, pairs, seed)
        if dest.exists():
            os.replace(dest, work / "previous")
        os.replace(staging, dest)
    return DemoResult(dest, dest / LAYOUT_NAME, counts)
