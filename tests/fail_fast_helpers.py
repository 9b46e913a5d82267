"""Shared pieces of the fail-fast tests: the jasco command line in a real process, a private copy of
the dataset to break, and small answer tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def jasco(*args: str, env: Mapping[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``jasco ARGS`` in its own process (so a traceback would show), stdout and stderr together."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
                   "HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": "", **dict(env or {})}
    return subprocess.run([sys.executable, "-c", "from jasco.cli import main; main()", *args], env=environment,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ``Error:`` lines a failed command printed (there must be exactly one, and no traceback)."""
    assert "Traceback" not in result.stdout, result.stdout[-3000:]
    return [line for line in result.stdout.splitlines() if line.startswith("Error:")]


def copy_dataset(upstream_dir: Path, into: Path) -> Path:
    """A private, writable copy of the 83 dataset files (never links into the shared copy)."""
    for name in ("dataset", "evaluation"):
        shutil.copytree(upstream_dir / name, into / name)
    shutil.copyfile(upstream_dir / "DATA_LICENSE.txt", into / "DATA_LICENSE.txt")
    return into
