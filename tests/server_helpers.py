"""A real vLLM OpenAI-compatible server for the tests (``python -m vllm.entrypoints.openai.api_server``
on 127.0.0.1): started in the background so it warms up while other backends run, waited for
when a test needs it, stopped at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def vllm_server(model: Path, log: Path, max_model_len: int, *extra: str
                ) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """(the server process, its ``.../v1`` base URL); ``extra``: more server arguments."""
    port = free_port()
    env = dict(os.environ, VLLM_ENABLE_V1_MULTIPROCESSING="0", VLLM_CPU_KVCACHE_SPACE="1")
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(port), "--enforce-eager", "--dtype", "float32",
             "--max-model-len", str(max_model_len), *extra],
            env=env, stdout=handle, stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path | None = None,
                 timeout_s: float = 420) -> None:
    """Block until ``/health`` answers 200; fail with the log's tail if the server exits or is slow."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
            raise AssertionError(f"the vLLM server exited during start-up\n{tail}")
        try:
            if httpx.get(base_url.removesuffix("/v1") + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the vLLM server did not start in {timeout_s:g} s"
        time.sleep(0.5)


AUDIO_ARGS: Sequence[str] = (
    "--distributed-executor-backend", "uni",
    # Qwen2-Audio's template spots audio parts by key, not type: vLLM inserts the placeholders.
    "--chat-template-content-format", "string",
)
