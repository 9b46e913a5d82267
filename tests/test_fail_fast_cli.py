"""Ordinary mistakes end in one clear line and a non-zero exit, never a traceback, and before any
work (issue 10, sections 1, 3 and 4). Each case runs the real command line in its own process."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from jasco.core.store import ResultStore
from tests.fail_fast_helpers import copy_dataset, error_lines, jasco


@dataclass(frozen=True)
class Workspace:
    root: Path
    data: Path  # the shared dataset (read-only)
    items: Path
    answers: Path  # reference answers to all 640 items


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, upstream_dir: Path) -> Workspace:
    from jasco.stages.infer import run_infer

    root = tmp_path_factory.mktemp("fail-fast")
    items = root / "items.csv"
    assert jasco("expand", "--data-dir", str(upstream_dir), "--out", str(items)).returncode == 0
    answers = root / "answers.csv"
    run_infer(answers, model="reference", items_csv=items, progress=False)
    return Workspace(root, upstream_dir, items, answers)


def _broken_dataset(ws: Workspace, tmp: Path, change: Callable[[Path], None]) -> Path:
    data = copy_dataset(ws.data, tmp / "data")
    change(data)
    return data


def _missing_wav(ws: Workspace, tmp: Path) -> Path:
    return _broken_dataset(ws, tmp, lambda d: (d / "dataset/v0/5.wav").unlink())


def _unreadable_wav(ws: Workspace, tmp: Path) -> Path:
    return _broken_dataset(ws, tmp, lambda d: (d / "dataset/v0/7.wav").write_bytes(b"RIFF\0\0\0\0WAVEnot audio"))


def _truncated_wav(ws: Workspace, tmp: Path) -> Path:
    def cut(d: Path) -> None:
        wav = d / "dataset/v0/3.wav"
        wav.write_bytes(wav.read_bytes()[:3000])

    return _broken_dataset(ws, tmp, cut)


def _evil_archive(tmp: Path) -> Path:
    archive = tmp / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        data = b"owned"
        member = tarfile.TarInfo("../outside.txt")
        member.size = len(data)
        handle.addfile(member, io.BytesIO(data))
    return archive


def _case_store_locked(ws: Workspace, tmp: Path) -> list[str]:
    return ["infer", "--model", "reference", "--items", str(ws.items), "--out", str(tmp / "locked.csv"),
            "--no-progress"]


# name -> (setup returning the arguments, exit status, fragments the one error line holds)
CASES: dict[str, tuple[Callable[[Workspace, Path], list[str]], int, tuple[str, ...]]] = {
    "expand, missing wav": (lambda ws, t: ["expand", "--data-dir", str(_missing_wav(ws, t)), "--out",
                                           str(t / "i.csv")], 1, ("dataset/v0/5.wav: missing",)),
    "expand, unreadable wav": (lambda ws, t: ["expand", "--data-dir", str(_unreadable_wav(ws, t)), "--out",
                                              str(t / "i.csv")], 1, ("dataset/v0/7.wav: sha256 mismatch",)),
    "infer, truncated wav": (lambda ws, t: ["infer", "--model", "reference", "--data-dir", str(_truncated_wav(ws, t)),
                                            "--out", str(t / "a.csv"), "--no-progress"],
                             1, ("dataset/v0/3.wav: sha256 mismatch",)),
    "run, missing wav": (lambda ws, t: ["run", "--model", "reference", "--judges", "similarity", "--out",
                                        str(t / "run"), "--data-dir", str(_missing_wav(ws, t)), "--no-progress"],
                         1, ("dataset/v0/5.wav: missing",)),
    "infer, missing wav": (lambda ws, t: ["infer", "--model", "reference", "--data-dir", str(_missing_wav(ws, t)),
                                          "--out", str(t / "a.csv"), "--no-progress"],
                           1, ("dataset/v0/5.wav: missing",)),
    "run, unreadable wav": (lambda ws, t: ["run", "--model", "reference", "--judges", "similarity", "--out",
                                           str(t / "run"), "--data-dir", str(_unreadable_wav(ws, t)), "--no-progress"],
                            1, ("dataset/v0/7.wav: sha256 mismatch",)),
    "infer OUT is a directory": (lambda ws, t: ["infer", "--model", "reference", "--items", str(ws.items), "--out",
                                                str(ws.root), "--no-progress"], 2, ("is a directory",)),
    "report OUT is a directory": (lambda ws, t: ["report", str(ws.answers), "--out", str(ws.root)], 2,
                                  ("is a directory",)),
    "unknown judge id in run": (lambda ws, t: ["run", "--model", "reference", "--judges", "nobody/no-such-judge",
                                               "--judge-backend", "hf", "--out", str(t / "run"), "--data-dir",
                                               str(ws.data), "--no-progress"],
                                1, ("'nobody/no-such-judge'", "not in the local hub cache")),
    "judge OUT is a directory": (lambda ws, t: ["judge", "--judge", "fake", str(ws.answers), str(ws.root),
                                                "--no-progress"], 2, ("is a directory",)),
    "second process on the store": (_case_store_locked, 1, ("locked.csv.store.jsonl is in use by another",)),
    "infer --seed -1": (lambda ws, t: ["infer", "--model", "reference", "--items", str(ws.items), "--out",
                                       str(t / "a.csv"), "--seed", "-1"], 2, ("--seed", "-1")),
    "run --seed -1": (lambda ws, t: ["run", "--model", "reference", "--judges", "similarity", "--out",
                                     str(t / "run"), "--seed", "-1"], 2, ("--seed", "-1")),
    "archive with ../ members": (lambda ws, t: ["data", "fetch", "--source", str(_evil_archive(t)), "--dest",
                                                str(t / "dest")], 1, ("'../outside.txt'", "outside")),
    "unknown judge id": (lambda ws, t: ["judge", "--judge", "nobody/no-such-judge", "--backend", "hf",
                                        str(ws.answers), str(t / "j.csv"), "--no-progress"],
                         1, ("'nobody/no-such-judge'", "not in the local hub cache", "HF_HUB_OFFLINE")),
    "unknown model in run": (lambda ws, t: ["run", "--model", "reference,nope", "--judges", "similarity",
                                            "--out", str(t / "run"), "--data-dir", str(ws.data)],
                             2, ("unknown model 'nope'",)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ordinary_mistakes_are_one_line_and_no_traceback(name: str, ws: Workspace, tmp_path: Path) -> None:
    setup, status, fragments = CASES[name]
    args = setup(ws, tmp_path)
    if name == "second process on the store":
        with ResultStore(tmp_path / "locked.csv.store.jsonl"):  # another process holds it
            result = jasco(*args)
    else:
        result = jasco(*args)
    lines = error_lines(result)
    assert result.returncode == status, result.stdout[-2000:]
    assert len(lines) == 1, result.stdout[-2000:]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    # nothing was left half-written: no temporary files, no outside file from the archive
    assert not list(tmp_path.rglob(".*.tmp-*")) and not list(ws.root.glob(".*.tmp-*"))
    assert not (tmp_path / "outside.txt").exists()
    if args[0] == "run":  # stopped before any stage: `reference` was not answered first
        assert not (tmp_path / "run" / "answers").exists() and not (tmp_path / "run" / "items.csv").exists()
