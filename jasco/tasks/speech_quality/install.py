"""Installing the NISQA corpus: from ``--source DIR|ZIP`` or the official archive on Zenodo.

``install_nisqa(dest, source)``: with no source, ``NISQA_Corpus.zip`` (about 16 GB) is
downloaded from Zenodo record 4728081 with a progress bar into ``<dest>.download/``; an
interrupted download resumes with an HTTP Range request where the server honours it (Zenodo
does) and restarts where it does not. The file's size and md5 come from Zenodo's record API when
it answers and are checked. The archive (or a directory in the NISQA layout) is unpacked into a
staging directory beside ``dest``, verified against the committed file list (``listing.py``:
names, split sizes, every wav decodes), given the licence statement, and only then renamed into
place: ``dest`` is either the old corpus or the complete new one. A verified ``dest`` is left
alone unless ``force``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.tasks.speech_quality.corpus import CORPUS_CSV
from jasco.tasks.speech_quality.licence import LICENCE_FILE, licence_text
from jasco.tasks.speech_quality.listing import Listing, load_listing, verify_corpus

ZENODO_RECORD = "4728081"
ARCHIVE = "NISQA_Corpus.zip"
ARCHIVE_URL = f"https://zenodo.org/records/{ZENODO_RECORD}/files/{ARCHIVE}?download=1"
RECORD_API = f"https://zenodo.org/api/records/{ZENODO_RECORD}"
DATA_DIR_ENV = "JASCO_NISQA_DIR"


class InstallError(RuntimeError):
    """The corpus could not be installed; the message says why and what to do."""


@dataclass(frozen=True)
class InstallResult:
    dest: Path
    changed: bool  # False when a verified corpus was already in place
    n_files: int
    source: str


@dataclass(frozen=True)
class RemoteFile:
    url: str
    size: int | None = None
    md5: str | None = None


def default_nisqa_dir() -> Path:
    """``$JASCO_NISQA_DIR``, else ``<XDG cache>/jasco/nisqa-corpus``."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "jasco" / "nisqa-corpus"


def install_nisqa(dest: str | Path, source: str | Path | None = None, *, force: bool = False,
                  listing: Listing | None = None, remote: RemoteFile | None = None, progress: bool = True,
                  keep_archive: bool = False) -> InstallResult:
    """Install the corpus at ``dest`` from ``source`` (a directory, a zip, or None for Zenodo)."""
    from jasco.core.swap import recover

    listing = listing or load_listing()
    dest = Path(dest).expanduser().resolve()
    recover(dest)  # an earlier install killed mid-way: finish or undo its swap, remove its staging copy
    if dest.exists() and not dest.is_dir():
        raise InstallError(f"{dest} exists and is not a directory")
    if dest.exists() and not force:
        problems = verify_corpus(dest, listing)
        if not problems:
            return InstallResult(dest, False, len(listing.files), str(dest))
        if any(dest.iterdir()):
            raise InstallError(f"{dest} exists but does not verify ({'; '.join(problems[:3])}); "
                               "rerun with --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    download_dir = dest.with_name(dest.name + ".download")
    if source is None:
        archive = download_dir / ARCHIVE
        fetch_archive(remote or resolve_remote(), archive, progress=progress)
        source_path, shown = archive, (remote.url if remote else ARCHIVE_URL)
    else:
        source_path, shown = Path(source).expanduser(), str(source)
    from jasco.core.swap import STAGING, mark_verified, staged_install, swap_into_place

    with staged_install(dest) as work:
        staged = _stage(source_path, work / "corpus", shown, progress)
        problems = verify_corpus(staged, listing)
        if problems:
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise InstallError(f"{shown} is not the NISQA corpus as listed:\n  "
                               + "\n  ".join(p.replace(str(staged), shown) for p in problems[:20]) + more)
        (staged / LICENCE_FILE).unlink(missing_ok=True)  # may be a hard link into the source: never write through
        (staged / LICENCE_FILE).write_text(licence_text(), encoding="utf-8")
        os.replace(staged, work / STAGING)
        mark_verified(work)
        swap_into_place(work, dest)  # a kill at any moment is settled by the next install or verify
    if source is None and not keep_archive:
        shutil.rmtree(download_dir, ignore_errors=True)
    return InstallResult(dest, True, len(listing.files), shown)


def _stage(source: Path, into: Path, shown: str, progress: bool) -> Path:
    """A copy of the corpus under ``into``; returns the directory holding NISQA_corpus_file.csv."""
    if source.is_dir():
        root = _layout_root(source, shown)
        shutil.copytree(root, into, copy_function=_link_or_copy)
        return into
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            for member in _progress(members, progress, "unpacking", "file"):
                archive.extract(member, into)  # zipfile drops absolute paths and '..' parts
        return _layout_root(into, shown)
    if source.exists():
        raise InstallError(f"{shown}: not a zip archive or a directory")
    raise InstallError(f"{shown}: no such file or directory")


def _link_or_copy(origin: str, target: str) -> Any:
    """Hard-link where the file system allows (no second copy of 16 GB), else copy."""
    try:
        os.link(origin, target)
        return target
    except OSError:
        return shutil.copy2(origin, target)


def _layout_root(directory: Path, shown: str) -> Path:
    if (directory / CORPUS_CSV).is_file():
        return directory
    for child in sorted(p for p in directory.iterdir() if p.is_dir()):
        if (child / CORPUS_CSV).is_file():
            return child
    raise InstallError(f"{shown}: no {CORPUS_CSV} at its top or one level down (not the NISQA corpus layout)")


def _progress(items: Any, enabled: bool, description: str, unit: str, total: int | None = None) -> Any:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, unit=unit, total=total)


def resolve_remote(api_url: str = RECORD_API, key: str = ARCHIVE, timeout: float = 30.0) -> RemoteFile:
    """The archive's URL, size and md5 from Zenodo's record API; the plain URL if the API does not answer."""
    import httpx

    try:
        record = httpx.get(api_url, timeout=timeout, follow_redirects=True).raise_for_status().json()
        entry = next(f for f in record["files"] if f.get("key") == key)
        checksum = str(entry.get("checksum", ""))
        return RemoteFile(str(entry["links"]["self"]), int(entry["size"]),
                          checksum.split(":", 1)[1] if checksum.startswith("md5:") else None)
    except (httpx.HTTPError, ValueError, KeyError, StopIteration, TypeError):
        return RemoteFile(ARCHIVE_URL)


def fetch_archive(remote: RemoteFile, target: Path, *, progress: bool = True, retries: int = 5,
                  timeout: float = 60.0) -> Path:
    """Download ``remote`` to ``target`` (via ``target.part``), resuming with Range requests."""
    from jasco.tasks.speech_quality.download import download_resumable

    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file():
        download_resumable(remote.url, target, expected_size=remote.size, progress=progress, retries=retries,
                           timeout=timeout, error=InstallError)
    if remote.size is not None and target.stat().st_size != remote.size:
        raise InstallError(f"{target}: {target.stat().st_size} bytes, Zenodo lists {remote.size}; delete it and rerun")
    if remote.md5 and _md5(target) != remote.md5:
        target.unlink()
        raise InstallError(f"{remote.url}: the download's md5 differs from Zenodo's ({remote.md5}); it was "
                           "deleted, rerun to download it again")
    return target


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
