"""``jasco data fetch`` killed at any moment is recoverable: the next fetch or verify finishes or
undoes the swap and removes the staging directory (issue 10, section 4).

A child process reinstalls a verified dataset with ``--force`` and dies (``os._exit``: no cleanup,
as under SIGKILL) at one step: while copying, before the first rename, between the two renames,
or while removing its work directory. Then the parent runs ``jasco data verify`` or ``fetch``."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from jasco.tasks.datasets import DatasetError
from jasco.tasks.jasco.fetch import fetch_dataset
from jasco.tasks.jasco.manifest import load_manifest, verify_tree
from tests.fail_fast_helpers import REPO, jasco

CHILD = """
import os, shutil, sys
from jasco.tasks.jasco.fetch import fetch_dataset

dest, source, where, at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
calls = {"n": 0}

def dying(real):
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == at:
            os._exit(9)  # no finally, no cleanup: as a SIGKILL
        return real(*args, **kwargs)
    return wrapper

if where == "copy":
    shutil.copyfile = dying(shutil.copyfile)
elif where == "rename":
    os.replace = dying(os.replace)
elif where == "cleanup":
    shutil.rmtree = dying(shutil.rmtree)
fetch_dataset(dest, source, force=True)
"""

# (where the child dies, at which call, whether the dataset is gone until recovered)
KILLS = {
    "while copying": ("copy", 10, False),
    "before the first rename": ("rename", 1, False),
    "between the two renames": ("rename", 2, True),
    "while removing the work directory": ("cleanup", 1, False),
}


def _staging_dirs(parent: Path) -> list[Path]:
    return sorted(parent.glob(".jasco-fetch-*"))


@pytest.fixture()
def installed(tmp_path: Path, upstream_dir: Path) -> Path:
    dest = tmp_path / "data"
    assert fetch_dataset(dest, str(upstream_dir)).changed
    return dest


@pytest.mark.parametrize("kill", sorted(KILLS))
@pytest.mark.parametrize("recovery", ["verify", "fetch"])
def test_a_fetch_killed_at_any_step_is_recovered(kill: str, recovery: str, installed: Path,
                                                 upstream_dir: Path) -> None:
    where, at, gone = KILLS[kill]
    child = subprocess.run([sys.executable, "-c", CHILD, str(installed), str(upstream_dir), where, str(at)],
                           env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == 9, child.stderr[-2000:]  # it really died at that step
    assert _staging_dirs(installed.parent), "the killed fetch left no work directory"
    assert installed.exists() is not gone

    if recovery == "verify":
        result = jasco("data", "verify", "--data-dir", str(installed))
        assert result.returncode == 0 and f"83 files verified in {installed}" in result.stdout, result.stdout
    else:
        result = jasco("data", "fetch", "--source", str(upstream_dir), "--dest", str(installed))
        assert result.returncode == 0 and "already installed and verified" in result.stdout, result.stdout
    assert verify_tree(installed, load_manifest()) == []
    assert _staging_dirs(installed.parent) == []


def test_a_running_fetch_is_left_alone(installed: Path) -> None:
    """A work directory whose lock is held (a fetch still running) is not touched by a verify."""
    from jasco.core.swap import recover, staged_install

    with staged_install(installed) as work:
        (work / "staging").mkdir()
        assert recover(installed) == []
        assert work.is_dir()
    assert _staging_dirs(installed.parent) == []


def _tar(path: Path, name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> Path:
    with tarfile.open(path, "w:gz") as handle:
        member = tarfile.TarInfo(name)
        member.type, member.linkname = kind, link
        data = b"" if link else b"x"
        member.size = len(data)
        handle.addfile(member, io.BytesIO(data))
    return path


def _zip(path: Path, name: str) -> Path:
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr(name, "x")
    return path


@pytest.mark.parametrize("make", [
    lambda d: _tar(d / "a.tar.gz", "top/../../escape.txt"),
    lambda d: _tar(d / "b.tar.gz", "/etc/escape.txt"),
    lambda d: _tar(d / "c.tar.gz", "top/link", tarfile.SYMTYPE, "../../../etc/passwd"),
    lambda d: _zip(d / "d.zip", "../escape.txt"),
])
def test_archive_members_outside_the_extraction_directory_are_refused(make: Callable[[Path], Path],
                                                                      tmp_path: Path) -> None:
    archive = make(tmp_path)
    with pytest.raises(DatasetError, match=rf"{archive.name}: (member .* outside the extraction directory|"
                                           r"unusable archive .*outside)"):
        fetch_dataset(tmp_path / "dest", str(archive))
    assert not (tmp_path / "dest").exists() and not (tmp_path / "escape.txt").exists()
    assert _staging_dirs(tmp_path) == []
