"""XACLE data: reading the official layout, the WAV header check, verify_xacle and the atomic install_xacle."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.install import LICENCE_NOTE, install_xacle, verify_xacle
from jasco.tasks.xacle.layout import XacleDataError, find_layout_root, read_split, split_of_label_file
from jasco.tasks.xacle.tables import XacleTableError
from jasco.tasks.xacle.wavcheck import check_wav

COUNTS = {"train": 3, "validation": 2, "test": 2}


def write_wav(
    path: Path, seconds: float = 0.25, rate: int = 16_000, channels: int = 1, subtype: str = "PCM_16"
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = np.random.default_rng(len(path.name)).uniform(-0.5, 0.5, (int(seconds * rate), channels))
    soundfile.write(str(path), samples, rate, subtype=subtype)


def make_layout(base: Path, name: str = "XACLE_dataset") -> Path:
    """A small set in the official layout: labelled train/validation (with per-listener files) and an
    unlabelled test split (test.csv only, like the 2026 test release)."""
    root = base / name
    meta = root / "meta_data"
    meta.mkdir(parents=True)
    number = 0
    for split, n in COUNTS.items():
        names = [f"{number + i:05d}.wav" for i in range(n)]
        number += n
        for index, wav in enumerate(names):
            write_wav(root / "wav" / split / wav, seconds=0.2 + 0.1 * index)
        if split == "test":
            (meta / "test.csv").write_text("wav_file_name,text\n" + "".join(f"{w},caption {w}\n" for w in names))
            continue
        (meta / f"{split}_average.csv").write_text(
            "wav_file_name,text,average_score\n"
            + "".join(f'{w},"A dog, barking",{2.25 * (i + 1)}\n' for i, w in enumerate(names))
        )
        (meta / f"{split}.csv").write_text(
            "wav_file_name,text,score,listener_id\n" + "".join(f"{w},x,{s},L{s}\n" for w in names for s in (1, 2, 3, 4))
        )
    (base / "README.md").write_text("the organisers' readme\n")
    return root


@pytest.fixture
def source(tmp_path: Path) -> Path:
    make_layout(tmp_path / "source")
    return tmp_path / "source"


def test_read_split_labelled_and_unlabelled(source: Path) -> None:
    pairs = read_split(source, "validation")  # the root is found below the given directory
    assert [(p.wav_file_name, p.text, p.average_score) for p in pairs] == [
        ("00003.wav", "A dog, barking", 2.25), ("00004.wav", "A dog, barking", 4.5)
    ]
    assert pairs[0].audio_path == source / "XACLE_dataset" / "wav" / "validation" / "00003.wav"
    test = read_split(source / "XACLE_dataset", "test")
    assert [p.average_score for p in test] == [None, None]
    with pytest.raises(XacleDataError, match=r"unknown split 'dev': expected one of train, validation, test"):
        read_split(source, "dev")
    (source / "XACLE_dataset" / "meta_data" / "test.csv").unlink()
    with pytest.raises(XacleDataError, match=r"split 'test' has no meta_data/test_average\.csv or meta_data/test\.csv"):
        read_split(source, "test")


def test_split_of_an_official_label_file() -> None:
    assert split_of_label_file("XACLE_dataset/meta_data/validation_average.csv") == "validation"
    assert split_of_label_file("test.csv") == "test"
    assert split_of_label_file("my_labels.csv") is None


def test_read_split_rejects_bad_rows_by_file_and_line(source: Path) -> None:
    labels = source / "XACLE_dataset" / "meta_data" / "train_average.csv"
    labels.write_text("wav_file_name,text,average_score\n00000.wav,a,3\n00000.wav,b,4\n")
    with pytest.raises(XacleTableError, match=r"train_average\.csv line 3: .*repeats line 2"):
        read_split(source, "train")
    labels.write_text("wav_file_name,text,average_score\n../../etc/passwd,a,3\n")
    with pytest.raises(XacleDataError, match=r"line 2: wav_file_name '\.\./\.\./etc/passwd' is not a file name"):
        read_split(source, "train")


def test_layout_root_is_found_under_any_name_and_ambiguity_is_an_error(tmp_path: Path) -> None:
    make_layout(tmp_path / "dl" / "outer", name="XACLE_Challenge_2027_development_dataset")
    assert find_layout_root(tmp_path / "dl").name == "XACLE_Challenge_2027_development_dataset"
    make_layout(tmp_path / "two" / "a")
    make_layout(tmp_path / "two" / "b")
    with pytest.raises(XacleDataError, match="several XACLE layouts"):
        find_layout_root(tmp_path / "two", depth=2)
    with pytest.raises(XacleDataError, match="not the XACLE layout"):
        find_layout_root(tmp_path / "dl" / "outer" / "XACLE_Challenge_2027_development_dataset" / "wav")


def test_wav_header_check_catches_each_defect(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    write_wav(good)
    problems, header = check_wav(good)
    assert problems == [] and header is not None and header.frames == 4000 and header.duration_s == 0.25
    cases = {
        "stereo.wav": dict(channels=2),
        "rate.wav": dict(rate=22_050),
        "float.wav": dict(subtype="FLOAT"),
        "pcm24.wav": dict(subtype="PCM_24"),
    }
    for name, options in cases.items():
        write_wav(tmp_path / name, **options)  # type: ignore[arg-type]
    assert check_wav(tmp_path / "stereo.wav")[0] == ["2 channels, expected 1"]
    assert check_wav(tmp_path / "rate.wav")[0] == ["22050 Hz, expected 16000"]
    assert check_wav(tmp_path / "float.wav")[0] == ["format code 3, expected PCM", "32-bit, expected 16"]
    assert check_wav(tmp_path / "pcm24.wav")[0] == ["24-bit, expected 16"]
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:-1000])
    assert check_wav(truncated)[0] == ["truncated (declares 8000 data bytes, holds 7000)"]
    (tmp_path / "text.wav").write_text("not audio at all")
    assert check_wav(tmp_path / "text.wav")[0] == ["not a RIFF/WAVE file"]
    (tmp_path / "empty.wav").write_bytes(b"")
    assert check_wav(tmp_path / "empty.wav")[0] == ["empty file"]
    assert check_wav(tmp_path / "absent.wav")[0] == ["missing"]


def test_verify_accepts_a_sound_copy_and_names_every_problem(source: Path) -> None:
    verification = verify_xacle(source, expected_counts=COUNTS, decode=True)
    assert verification.ok, verification.problems
    assert [(s.split, s.n_pairs, s.labelled) for s in verification.splits] == [
        ("train", 3, True), ("validation", 2, True), ("test", 2, False)
    ]
    assert verification.splits[0].duration_min_s == pytest.approx(0.2)
    assert verification.splits[0].duration_max_s == pytest.approx(0.4)
    official = verify_xacle(source)  # the official 7,500 / 3,000 / 3,000 by default
    assert "meta_data/train_average.csv: 3 pairs, expected 7500" in official.problems

    root = source / "XACLE_dataset"
    (root / "wav" / "train" / "00001.wav").unlink()
    write_wav(root / "wav" / "validation" / "00003.wav", rate=8000)
    write_wav(root / "wav" / "validation" / "stray.wav")
    (root / "meta_data" / "validation.csv").write_text("wav_file_name,score\n00003.wav,1\n09999.wav,2\n")
    problems = verify_xacle(source, expected_counts=COUNTS).problems
    assert "wav/train/00001.wav: missing" in problems
    assert "wav/validation/00003.wav: 8000 Hz, expected 16000" in problems
    assert "wav/validation/: 1 wav file(s) not listed in meta_data/validation_average.csv (e.g. stray.wav)" in problems
    assert "meta_data/validation.csv: 1 name(s) not in the averages (e.g. 09999.wav)" in problems
    assert "meta_data/validation.csv: no rows for 1 pair(s) (e.g. 00004.wav)" in problems
    (root / "meta_data" / "test.csv").unlink()
    problems = verify_xacle(source, expected_counts=COUNTS).problems
    assert "wav/test/: audio without a test_average.csv or test.csv" in problems


def test_install_from_a_directory_is_verified_and_idempotent(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "installed"
    result = install_xacle(source, dest, expected_counts=COUNTS)
    assert result.changed and result.root == dest / "XACLE_dataset" and result.verification.ok
    assert read_split(dest, "train")[2].average_score == 6.75
    record = json.loads((result.root / "jasco_install.json").read_text())
    assert record["licence"] == LICENCE_NOTE and record["pair_counts"] == COUNTS
    assert record["source_docs"] == ["README.md"]
    assert (result.root / "source_docs" / "README.md").read_text() == "the organisers' readme\n"
    again = install_xacle(source, dest, expected_counts=COUNTS)
    assert not again.changed


def test_install_from_a_zip_with_another_root_name(tmp_path: Path) -> None:
    make_layout(tmp_path / "build", name="XACLE_Challenge_2027_development_dataset")
    archive = tmp_path / "XACLE_Challenge_2027_development_dataset.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted((tmp_path / "build").rglob("*")):
            handle.write(path, path.relative_to(tmp_path / "build"))
    result = install_xacle(archive, tmp_path / "xacle", expected_counts=COUNTS)
    assert result.root == tmp_path / "xacle" / "XACLE_dataset"
    assert len(read_split(result.root, "train")) == 3


def test_a_failed_install_leaves_nothing_behind(source: Path, tmp_path: Path) -> None:
    (source / "XACLE_dataset" / "wav" / "train" / "00002.wav").write_bytes(b"RIFF....WAVEjunk")
    dest = tmp_path / "installed"
    with pytest.raises(XacleDataError, match=r"(?s)does not verify.*wav/train/00002\.wav: no fmt chunk"):
        install_xacle(source, dest, expected_counts=COUNTS)
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".xacle-install-")]


def test_an_existing_destination_is_replaced_only_with_force(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "installed"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(XacleError, match="rerun with --force"):
        install_xacle(source, dest, expected_counts=COUNTS)
    assert (dest / "notes.txt").read_text() == "mine"
    assert install_xacle(source, dest, force=True, expected_counts=COUNTS).changed
    assert not (dest / "notes.txt").exists()


def test_a_source_that_is_neither_directory_nor_zip_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "data.tar").write_bytes(b"not a zip")
    with pytest.raises(XacleDataError, match=r"not a directory or a \.zip file"):
        install_xacle(tmp_path / "data.tar", tmp_path / "dest")
    shutil.rmtree(tmp_path / "dest", ignore_errors=True)
