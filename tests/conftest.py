"""Shared fixtures: the upstream dataset copy beside the checkout, and small audio files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = Path(os.environ.get("JASCO_TEST_DATA", REPO.parent / "shared" / "jasco"))
REAL_ANSWERS = Path(os.environ.get("JASCO_TEST_REAL_ANSWERS", REPO.parent / "shared" / "jasco-real-answers"))


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    """An untouched copy of the upstream dataset repository (read-only)."""
    if not (UPSTREAM / "dataset" / "v0" / "v0.csv").is_file():
        pytest.fail(f"upstream dataset copy not found at {UPSTREAM}; set JASCO_TEST_DATA")
    return UPSTREAM


@pytest.fixture(scope="session")
def real_answers_dir() -> Path:
    """Real ALLM answers to the 80 clips (af3.csv, qwen2.5-omni.csv; read-only, never committed)."""
    if not (REAL_ANSWERS / "af3.csv").is_file():
        pytest.fail(f"real answers not found at {REAL_ANSWERS}; set JASCO_TEST_REAL_ANSWERS")
    return REAL_ANSWERS


@pytest.fixture()
def prompts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of prompts/ that jasco reads instead of the checkout's (so a test may edit it)."""
    import shutil

    import jasco.core.paths as paths

    copy = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", copy)
    real = paths.resource_dir
    monkeypatch.setattr(paths, "resource_dir", lambda name: copy if name == "prompts" else real(name))
    return copy
