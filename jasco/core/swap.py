"""Install a directory atomically, and recover from an install killed at any moment.

``staged_install(dest)`` gives a work directory beside ``dest`` (``.jasco-fetch-<dest name>-*``,
holding a lock for as long as the install runs and a note naming ``dest``). The installer builds
``work/staging``, calls ``mark_verified`` once every file checked out, then ``swap_into_place``:
``dest`` -> ``work/previous``, ``work/staging`` -> ``dest``; a failure between the two renames puts
the old copy back. The work directory is removed at the end.

A process killed (SIGKILL, power loss) leaves the work directory behind, possibly between the two
renames, with no dataset at ``dest``. ``recover(dest)``, run first by every fetch and verify,
settles each unlocked work directory of ``dest``: with no ``dest``, a verified staging copy is
moved into place (the swap is finished), else the previous copy is put back; then the work
directory is removed. Work directories of a fetch still running (locked) are left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = ".jasco-fetch-"
LOCK, OWNER, VERIFIED = "lock", "dest", "verified"
STAGING, PREVIOUS = "staging", "previous"
YOUNG_S = 60.0  # a work directory without its lock file yet may be a fetch that is just starting


def _prefix(dest: Path) -> str:
    return f"{PREFIX}{dest.name}-"


def mark_verified(work: Path) -> None:
    """Record that ``work/staging`` holds a complete, checked copy (so a kill may finish the swap)."""
    (work / VERIFIED).write_text("ok\n", encoding="utf-8")


def swap_into_place(work: Path, dest: Path) -> None:
    """``work/staging`` becomes ``dest``; an existing ``dest`` goes to ``work/previous`` first and
    comes back if the second rename fails."""
    staging, previous = work / STAGING, work / PREVIOUS
    if not dest.exists():
        os.replace(staging, dest)
        return
    os.replace(dest, previous)
    try:
        os.replace(staging, dest)
    except BaseException:
        os.replace(previous, dest)
        raise


@contextlib.contextmanager
def staged_install(dest: Path) -> Iterator[Path]:
    """A locked work directory beside ``dest``, settled and removed when the block ends."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=_prefix(dest), dir=dest.parent))
    with open(work / LOCK, "w") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        (work / OWNER).write_text(str(dest.resolve()) + "\n", encoding="utf-8")
        try:
            yield work
        finally:
            settled = True
            try:
                _settle(work, dest)
            except OSError:  # leave the work directory for the next recover() rather than lose a copy
                settled = False
            if settled:
                shutil.rmtree(work, ignore_errors=True)


def _settle(work: Path, dest: Path) -> str | None:
    """Leave a dataset at ``dest`` if ``work`` holds one that belongs there; say what was done."""
    if dest.exists():
        return None
    staging, previous = work / STAGING, work / PREVIOUS
    if (work / VERIFIED).is_file() and staging.is_dir():
        os.replace(staging, dest)
        return f"finished an interrupted install of {dest}"
    if previous.is_dir():
        os.replace(previous, dest)
        return f"restored {dest} from an interrupted install"
    return None


def _owned_by(work: Path, dest: Path) -> bool:
    owner = work / OWNER
    if owner.is_file():
        return owner.read_text(encoding="utf-8").strip() == str(dest.resolve())
    return work.name.startswith(_prefix(dest))


def _locked(work: Path) -> bool:
    """True while a fetch holds ``work`` (or may be about to: no lock file yet, and young)."""
    path = work / LOCK
    if not path.is_file():
        return time.time() - work.stat().st_mtime < YOUNG_S
    with open(path) as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


def recover(dest: Path) -> list[str]:
    """Settle and remove every stale work directory of ``dest`` (see the module docstring)."""
    dest = Path(dest)
    done: list[str] = []
    if not dest.parent.is_dir():
        return done
    for work in sorted(dest.parent.glob(PREFIX + "*")):
        if not work.is_dir() or not _owned_by(work, dest) or _locked(work):
            continue
        note = _settle(work, dest)
        if note:
            done.append(note)
        shutil.rmtree(work, ignore_errors=True)
        done.append(f"removed stale staging directory {work}")
    return done
