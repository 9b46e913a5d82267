"""Shared fixtures: the upstream dataset copy beside the checkout, a private prompts copy, and one
tiny random-weight Qwen2-Audio with one real vLLM server of it for the whole session (a server
start costs about 15 s of both cores here; four modules used to start their own)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def tiny_qwen2_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random-weight Qwen2-Audio (seed 0), built once; read-only for every test."""
    from jasco.testing.tiny_audio import build_tiny_qwen2_audio

    return build_tiny_qwen2_audio(tmp_path_factory.mktemp("tiny-qwen2-audio"))


QWEN2_AUDIO_SERVER_MAX_MODEL_LEN = 1024


@pytest.fixture(scope="session")
def qwen2_audio_server(tiny_qwen2_audio: Path, tmp_path_factory: pytest.TempPathFactory
                       ) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """(process, ``.../v1`` URL) of a real vLLM OpenAI-compatible server of ``tiny_qwen2_audio`` taking up
    to two audios per prompt (max_model_len 1024, float32, eager), shared by the session. Started, not
    waited for: a module asks for it early so it warms up meanwhile, and calls ``wait_healthy`` before
    its first request."""
    from tests.server_helpers import AUDIO_ARGS, vllm_server

    log = tmp_path_factory.mktemp("qwen2-audio-server") / "server.log"
    with vllm_server(tiny_qwen2_audio, log, QWEN2_AUDIO_SERVER_MAX_MODEL_LEN, *AUDIO_ARGS,
                     "--limit-mm-per-prompt", '{"audio": 2}') as started:
        yield started
