"""The dataset manifest check and the atomic, idempotent fetch."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from jasco.tasks.jasco.fetch import fetch_dataset
from jasco.tasks.jasco.manifest import DatasetError, load_manifest, verify_tree


def test_manifest_lists_every_upstream_file(upstream_dir: Path) -> None:
    manifest = load_manifest()
    assert len(manifest.entries) == 83  # 80 wavs, v0.csv, example.csv, DATA_LICENSE.txt
    assert verify_tree(upstream_dir, manifest) == []


@pytest.fixture()
def installed(tmp_path: Path, upstream_dir: Path) -> Path:
    dest = tmp_path / "data"
    result = fetch_dataset(dest, str(upstream_dir))
    assert result.changed and result.n_files == 83
    return dest


def test_fetch_from_directory_then_again_is_a_no_op(installed: Path, upstream_dir: Path) -> None:
    before = (installed / "dataset/v0/1.wav").stat().st_mtime_ns
    again = fetch_dataset(installed, str(upstream_dir))
    assert not again.changed
    assert (installed / "dataset/v0/1.wav").stat().st_mtime_ns == before


def test_fetch_from_archive_with_top_level_folder(tmp_path: Path, upstream_dir: Path) -> None:
    archive = tmp_path / "What_Are_They_Doing-e728f83.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(upstream_dir, arcname="What_Are_They_Doing-e728f83")
    result = fetch_dataset(tmp_path / "from-archive", str(archive))
    assert result.changed
    assert verify_tree(result.dest, load_manifest()) == []


def test_tampered_file_is_named(installed: Path) -> None:
    wav = installed / "dataset/v0/12.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 0xFF
    wav.write_bytes(bytes(data))
    problems = verify_tree(installed, load_manifest())
    assert problems == [f"{wav}: sha256 mismatch (altered or corrupt file)"]


def test_missing_and_extra_files_are_named(installed: Path) -> None:
    (installed / "evaluation/example.csv").unlink()
    (installed / "dataset/v0/81.wav").write_bytes(b"RIFF")
    problems = verify_tree(installed, load_manifest())
    assert any("evaluation/example.csv: missing" in p for p in problems)
    assert any("81.wav: unexpected file" in p for p in problems)
    assert len(problems) == 2


def test_fetch_from_tampered_source_fails_and_installs_nothing(tmp_path: Path, upstream_dir: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(upstream_dir, source)
    (source / "dataset/v0/v0.csv").write_text("audio_id\n1\n", encoding="utf-8")
    dest = tmp_path / "dest"
    with pytest.raises(DatasetError, match=r"dataset/v0/v0\.csv: sha256 mismatch"):
        fetch_dataset(dest, str(source))
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".jasco-fetch")] == []


def test_fetch_from_source_missing_a_file_names_it(tmp_path: Path, upstream_dir: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(upstream_dir, source)
    (source / "dataset/v0/33.wav").unlink()
    with pytest.raises(DatasetError, match=r"dataset/v0/33\.wav is missing"):
        fetch_dataset(tmp_path / "dest", str(source))


def test_fetch_refuses_to_overwrite_a_bad_install_without_force(installed: Path, upstream_dir: Path) -> None:
    (installed / "DATA_LICENSE.txt").write_text("tampered", encoding="utf-8")
    with pytest.raises(DatasetError, match="--force"):
        fetch_dataset(installed, str(upstream_dir))
    result = fetch_dataset(installed, str(upstream_dir), force=True)
    assert result.changed and verify_tree(installed, load_manifest()) == []


def test_unreachable_url_says_how_to_work_offline(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="--source"):
        fetch_dataset(tmp_path / "d", "http://127.0.0.1:9/archive.tar.gz")
