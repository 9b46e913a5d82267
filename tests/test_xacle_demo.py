"""The XACLE demo set from the 80 JASCO clips: counts, the label rule, the layout (readable and verified by
the task's own reader), audio written without cropping, and items with their prompts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.tasks.xacle.demo import build_xacle_demo, content_words, label_for, plan_demo, read_descriptions
from jasco.tasks.xacle.install import verify_xacle
from jasco.tasks.xacle.items import PROMPT_TEMPLATES, XacleItemError, expand_items, render_prompt
from jasco.tasks.xacle.layout import XacleDataError, read_split


@pytest.fixture(scope="module")
def demo(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_xacle_demo(upstream_dir, tmp_path_factory.mktemp("xacle") / "demo", seed=0).dest


def details(demo: Path) -> list[dict[str, str]]:
    with open(demo / "XACLE_dataset" / "demo_pairs.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_counts_layout_and_marker(demo: Path) -> None:
    verification = verify_xacle(demo, decode=True)  # counts from the demo marker
    assert verification.ok, verification.problems
    assert verification.synthetic
    splits = [(s.split, s.n_pairs, s.labelled) for s in verification.splits]
    assert splits == [("validation", 120, True), ("test", 120, True)]
    marker = json.loads((demo / "XACLE_dataset" / "jasco_demo.json").read_text())
    assert marker["synthetic"] is True and marker["seed"] == 0
    assert marker["pair_counts"] == {"validation": 120, "test": 120}
    assert (demo / "XACLE_dataset" / "DATA_LICENSE.txt").is_file()
    names = [p.wav_file_name for split in ("validation", "test") for p in read_split(demo, split)]
    assert names == [f"{i:05d}.wav" for i in range(240)]


def test_each_clip_is_paired_three_ways_and_labelled_by_the_rule(demo: Path, upstream_dir: Path) -> None:
    descriptions = read_descriptions(upstream_dir)
    rows = details(demo)
    pairs = {p.wav_file_name: p for split in ("validation", "test") for p in read_split(demo, split)}
    by_clip: dict[int, dict[str, dict[str, str]]] = {}
    for row in rows:
        by_clip.setdefault(int(row["clip_id"]), {})[row["kind"]] = row
        assert pairs[row["wav_file_name"]].text == row["caption"]
        assert pairs[row["wav_file_name"]].average_score == float(row["average_score"])
    assert sorted(by_clip) == list(range(1, 81))
    for clip, kinds in by_clip.items():
        own = descriptions[clip].strip().rstrip(".").strip()
        assert kinds["match"]["caption"] == own and float(kinds["match"]["average_score"]) == 10.0
        mismatch, partial = int(kinds["mismatch"]["partner_clip_id"]), int(kinds["partial"]["partner_clip_id"])
        assert mismatch != partial and clip not in (mismatch, partial)
        assert not content_words(descriptions[mismatch]) & content_words(descriptions[clip])
        assert float(kinds["mismatch"]["average_score"]) == 0.0
        assert kinds["partial"]["caption"].startswith(own + " and ")
        partial_score = float(kinds["partial"]["average_score"])
        assert 0.0 < partial_score < 10.0 and partial_score * 4 == int(partial_score * 4)
        assert (int(clip) <= 40) == (kinds["match"]["split"] == "validation")


def test_label_rule_by_hand() -> None:
    # "Dog barking and heavy rain": content words dog, barking, heavy, rain; own = dog, barking -> 2/4 -> 5.0
    assert label_for(content_words("Dog barking and heavy rain"), content_words("Dog barking")) == 5.0
    # 1 of 3 -> 3.333 -> nearest 0.25 is 3.25
    assert label_for(content_words("Sound of spraying and animal howling"), content_words("Sound of spraying")) == 3.25
    assert content_words("Sound of a dog barking") == {"dog", "barking"}
    assert content_words("Birds chirping, gentle breeze") == {"bird", "chirping", "gentle", "breeze"}


def test_plan_is_a_pure_function_of_the_seed(upstream_dir: Path) -> None:
    descriptions = read_descriptions(upstream_dir)
    assert plan_demo(descriptions, seed=3) == plan_demo(descriptions, seed=3)
    assert plan_demo(descriptions, seed=3) != plan_demo(descriptions, seed=4)


def test_audio_is_mono_16_bit_16_khz_and_never_cropped(demo: Path, upstream_dir: Path) -> None:
    rows = details(demo)
    for row in rows:
        info = soundfile.info(str(demo / "XACLE_dataset" / "wav" / row["split"] / row["wav_file_name"]))
        assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
        assert info.frames == int(row["frames"])
        source = soundfile.info(str(upstream_dir / "dataset" / "v0" / f"{row['clip_id']}.wav"))
        assert int(row["source_frames"]) == source.frames and int(row["source_sample_rate"]) == source.samplerate
        assert abs(int(row["frames"]) / 16_000 - source.frames / source.samplerate) < 1e-3  # same duration
    clip_1 = next(r for r in rows if r["clip_id"] == "1" and r["kind"] == "match")
    written_path = demo / "XACLE_dataset" / "wav" / "validation" / clip_1["wav_file_name"]
    written, _ = soundfile.read(str(written_path), dtype="int16")
    original, _ = soundfile.read(str(upstream_dir / "dataset" / "v0" / "1.wav"), dtype="int16")
    assert np.array_equal(written, original)  # 16 kHz PCM16 clips are copied sample for sample
    clip_47 = next(r for r in rows if r["clip_id"] == "47")
    assert clip_47["source_sample_rate"] == "48000"
    assert int(clip_47["frames"]) == round(int(clip_47["source_frames"]) / 3)


def test_an_existing_destination_needs_force(demo: Path, upstream_dir: Path) -> None:
    with pytest.raises(XacleDataError, match="rerun with --force"):
        build_xacle_demo(upstream_dir, demo, seed=0)
    with pytest.raises(XacleDataError, match=r"v0\.csv: not found"):
        build_xacle_demo(demo, demo.parent / "elsewhere")


def test_items_one_per_pair_and_template_with_stable_ids(demo: Path) -> None:
    pairs = read_split(demo, "test")
    items = expand_items(pairs)
    assert len(items) == 120 and items[0].item_id == "test/00120/rate_match.v1"
    assert items == expand_items(pairs)
    every = expand_items(pairs[:2], PROMPT_TEMPLATES)
    assert [i.item_id for i in every[:3]] == [
        "test/00120/rate_match.v1", "test/00120/rate_listener.v1", "test/00120/rate_generated.v1"
    ]
    assert {i.label for i in every[:3]} == {pairs[0].average_score}
    with pytest.raises(XacleItemError, match="given twice"):
        expand_items(pairs, [PROMPT_TEMPLATES[0], PROMPT_TEMPLATES[0]])
    with pytest.raises(XacleItemError, match="not found"):
        expand_items(pairs, ["xacle/rate_missing.v1.j2"])


@pytest.mark.parametrize("template", PROMPT_TEMPLATES)
def test_prompts_carry_the_caption_and_the_scale_anchors(demo: Path, template: str) -> None:
    item = expand_items(read_split(demo, "validation")[:1], [template])[0]
    text = render_prompt(item)
    assert f'"{item.caption}"' in text
    assert "0" in text and "10" in text
    assert "not match" in text and "matched exactly" in text
    assert "{{" not in text and "{#" not in text
