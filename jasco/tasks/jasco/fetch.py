"""``jasco data fetch``: install the dataset from the pinned upstream archive or a local copy.

Sources: an http(s) URL of a .tar.gz/.zip archive (default: the upstream repository archive at
the pinned commit), a local archive, or a local directory in the upstream layout. Only the files
named in the manifest are taken; each is checked against its sha256 before the install becomes
visible. An archive member that would land outside the extraction directory (``../``, an absolute
path, a link pointing out) refuses the whole archive. The install is atomic (a staging directory
renamed into place, ``jasco.core.swap``), recoverable (a fetch killed at any moment is finished or
undone by the next fetch or verify) and idempotent (an already verified destination is left
untouched).
"""

from __future__ import annotations

import shutil
import tarfile
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from jasco.core.swap import mark_verified, recover, staged_install, swap_into_place
from jasco.tasks.datasets import DatasetError, FetchResult
from jasco.tasks.jasco.dataset import UPSTREAM_COMMIT, UPSTREAM_REPO
from jasco.tasks.jasco.manifest import Manifest, load_manifest, verify_tree

DEFAULT_SOURCE = f"https://github.com/{UPSTREAM_REPO}/archive/{UPSTREAM_COMMIT}.tar.gz"
# A file that marks the root of the upstream layout inside a directory or an archive.
LAYOUT_MARKER = "dataset/v0/v0.csv"


def fetch_dataset(
    dest: Path, source: str = DEFAULT_SOURCE, manifest: Manifest | None = None, force: bool = False
) -> FetchResult:
    manifest = manifest or load_manifest()
    dest = Path(dest).expanduser().resolve()
    recover(dest)  # an earlier fetch killed mid-way: finish or undo its swap, remove its staging copy
    if dest.exists() and not force and not verify_tree(dest, manifest):
        return FetchResult(dest, changed=False, n_files=len(manifest.entries))
    if dest.exists() and not force and any(dest.iterdir()):
        raise DatasetError(
            f"{dest} exists but does not verify ({'; '.join(verify_tree(dest, manifest)[:3])}); "
            "rerun with --force to replace it"
        )
    with staged_install(dest) as work_dir:
        source_root = _materialize(source, work_dir / "source")
        staging = work_dir / "staging"
        for name in manifest.paths:
            origin = source_root / name
            if not origin.is_file():
                raise DatasetError(f"{source}: {name} is missing from the source")
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
        problems = verify_tree(staging, manifest)
        if problems:
            # Name the source file, not the staging copy.
            raise DatasetError(
                f"{source} does not match {manifest.source.name}:\n  "
                + "\n  ".join(p.replace(str(staging), str(source_root)) for p in problems)
            )
        mark_verified(work_dir)
        swap_into_place(work_dir, dest)
    return FetchResult(dest, changed=True, n_files=len(manifest.entries))


def _materialize(source: str, into: Path) -> Path:
    """Return a directory holding the upstream layout for ``source``."""
    if source.startswith(("http://", "https://")):
        into.mkdir(parents=True)
        archive = into.parent / ("download" + _archive_suffix(source))
        _download(source, archive)
        return _extract(archive, into)
    path = Path(source).expanduser()
    if path.is_dir():
        return _find_layout_root(path, source)
    if path.is_file():
        into.mkdir(parents=True)
        return _extract(path, into)
    raise DatasetError(f"dataset source {source!r} is not a URL, a directory or an archive file")


def _archive_suffix(source: str) -> str:
    return ".zip" if source.lower().endswith(".zip") else ".tar.gz"


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as error:
        raise DatasetError(
            f"could not download {url}: {error}. Without network access, pass a local copy "
            "with --source DIR_OR_ARCHIVE."
        ) from error


def _check_member(archive: Path, name: str) -> None:
    """A member must land inside the extraction directory: no absolute path, no ``..``."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
        raise DatasetError(f"{archive}: member {name!r} would be written outside the extraction directory; "
                           "refusing this archive")


def _extract(archive: Path, into: Path) -> Path:
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as handle:
                for name in handle.namelist():
                    _check_member(archive, name)
                handle.extractall(into)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as handle:
                for member in handle.getmembers():
                    _check_member(archive, member.name)
                handle.extractall(into, filter="data")  # also refuses links that point outside
        else:
            raise DatasetError(f"{archive}: not a zip or tar archive")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetError(f"{archive}: unusable archive ({error})") from None
    return _find_layout_root(into, str(archive))


def _find_layout_root(directory: Path, source: str) -> Path:
    if (directory / LAYOUT_MARKER).is_file():
        return directory
    for child in sorted(p for p in directory.iterdir() if p.is_dir()):
        if (child / LAYOUT_MARKER).is_file():
            return child
    raise DatasetError(f"{source}: no {LAYOUT_MARKER} found (not the upstream dataset layout)")
