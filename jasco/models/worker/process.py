"""One worker process: start it, drain its stdout (protocol messages) and stderr (a log tail),
send it lines, stop or kill it.

stdout and stderr are read by background threads, so a chatty worker never blocks; stdout lines
that are not protocol messages are kept in the log tail. ``WorkerSpec`` says how to start one;
``workers_dir`` is where the shipped worker scripts are.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import shlex
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.models.worker.protocol import Hello, WorkerProtocolError, parse_hello, parse_message, shutdown_message

STDERR_TAIL_LINES = 40
EOF = object()


class WorkerError(RuntimeError):
    """A worker could not be started or broke the protocol."""


def workers_dir() -> Path:
    """The shipped worker scripts (``workers/`` in a checkout, inside the package in a wheel)."""
    from jasco.core.paths import resource_dir

    return resource_dir("workers")


@dataclass
class WorkerSpec:
    """How to start one worker; ``label`` names it in every error message."""

    label: str
    python: str
    script: str
    args: list[str] = field(default_factory=list)
    cwd: str | None = None
    env: Mapping[str, str] | None = None

    @property
    def command(self) -> list[str]:
        return [self.python, self.script, *self.args]


class WorkerProcess:
    """One running worker: the Popen plus threads that drain stdout (messages) and stderr (tail)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        env = dict(os.environ if spec.env is None else spec.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            self.popen = subprocess.Popen(
                spec.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=spec.cwd, env=env, text=True, encoding="utf-8", errors="replace", bufsize=1,
            )
        except OSError as error:
            raise WorkerError(f"worker {spec.label}: cannot start {shlex.join(spec.command)}: {error}") from None
        self.messages: queue.Queue[Any] = queue.Queue()
        self.tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            if not line.strip():
                continue
            try:
                self.messages.put(parse_message(line))
            except WorkerProtocolError as error:
                self.tail.append(f"[jasco] stray stdout line ignored: {error}")
        self.messages.put(EOF)

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.tail.append(line.rstrip("\n"))

    def send(self, line: str) -> bool:
        """Write one protocol line; False when the worker's stdin is closed (it died)."""
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write(line)
            self.popen.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def stderr_tail(self, lines: int = 15) -> str:
        time.sleep(0.05)  # let the stderr thread catch the last lines of a dying worker
        self._threads[1].join(timeout=0.5)
        tail = list(self.tail)[-lines:]
        return "\n".join(tail) if tail else "(no stderr output)"

    def kill(self) -> int | None:
        if self.popen.poll() is None:
            self.popen.kill()
        try:
            return self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 10.0) -> None:
        if self.popen.poll() is None:
            self.send(shutdown_message())
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def start_worker(
    spec: WorkerSpec, startup_timeout_s: float, previous: Hello | None = None
) -> tuple[WorkerProcess, Hello]:
    """Start the worker and wait for its hello; ``WorkerError`` (with its stderr tail) if it dies,
    stays silent, breaks the protocol or comes back with other weights than ``previous``."""
    process = WorkerProcess(spec)
    deadline = time.monotonic() + startup_timeout_s
    try:
        message = process.messages.get(timeout=max(deadline - time.monotonic(), 0.0))
    except queue.Empty:
        process.kill()
        raise WorkerError(
            f"worker {spec.label}: no hello within {startup_timeout_s:g} s "
            f"({shlex.join(spec.command)}); stderr tail:\n{process.stderr_tail()}"
        ) from None
    if message is EOF:
        code = process.kill()
        raise WorkerError(
            f"worker {spec.label} exited with code {code} before its hello "
            f"({shlex.join(spec.command)}); stderr tail:\n{process.stderr_tail()}"
        )
    try:
        hello = parse_hello(message)
    except WorkerProtocolError as error:
        process.kill()
        raise WorkerError(f"worker {spec.label}: {error}") from None
    if previous is not None and (hello.model, hello.revision) != (previous.model, previous.revision):
        process.kill()
        raise WorkerError(
            f"worker {spec.label} restarted with a different model: "
            f"{hello.model}@{hello.revision} instead of {previous.model}@{previous.revision}"
        )
    return process, hello
