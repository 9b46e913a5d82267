"""The speech-quality datasets (nisqa, speech-demo) install through ``jasco.core.swap``: an install
killed between its two renames (no dataset at ``dest``, the old copy in the work directory) is put
back by the next verify or install, and the stale work directory is removed (issue 10, section 4)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jasco.core.swap import LOCK, OWNER, PREFIX, PREVIOUS


def _killed_between_renames(dest: Path) -> Path:
    """What a SIGKILL between ``dest -> work/previous`` and ``work/staging -> dest`` leaves."""
    dest.mkdir(parents=True)
    (dest / "kept.txt").write_text("the installed copy\n", encoding="utf-8")
    work = dest.parent / f"{PREFIX}{dest.name}-killed"
    work.mkdir()
    (work / LOCK).write_text("", encoding="utf-8")  # not held: its process is gone
    (work / OWNER).write_text(str(dest.resolve()) + "\n", encoding="utf-8")
    os.replace(dest, work / PREVIOUS)
    return work


@pytest.mark.parametrize("name", ["nisqa", "speech-demo"])
def test_verify_puts_back_an_install_killed_between_the_renames(name: str, tmp_path: Path) -> None:
    from jasco.tasks.datasets import get_dataset

    dest = tmp_path / name
    work = _killed_between_renames(dest)
    assert not dest.exists()
    get_dataset(name).verify(dest)
    assert (dest / "kept.txt").read_text(encoding="utf-8") == "the installed copy\n"
    assert not work.exists()


def test_installing_nisqa_settles_a_killed_install_first(tmp_path: Path) -> None:
    from jasco.tasks.speech_quality.install import InstallError, install_nisqa

    dest = tmp_path / "nisqa"
    work = _killed_between_renames(dest)
    with pytest.raises(InstallError):  # the source is not a corpus; the recovery ran before that
        install_nisqa(dest, tmp_path / "no-such-source", progress=False)
    assert (dest / "kept.txt").is_file() and not work.exists()
