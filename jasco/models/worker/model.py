"""An Adapter that runs a model in its own worker process (SALMONN, LTU-AS, WavLLM, ...).

The worker command is ``<worker_python> <worker_script> [--checkpoint C] [worker_args...]``,
started in the user's environment for that model; it speaks the JSON-lines protocol of
``jasco.models.worker.protocol``. This module starts it, waits for its hello (model id and
revision), streams requests, maps responses back to rows and calls ``on_result`` as each
arrives. stdout and stderr are read by background threads, so a chatty worker never blocks. Each
request's audio is the request's own samples (jasco's 16 kHz mono float32, or the silent copy
of the audio check), written to a private temporary WAV for the worker to read.

Failure handling, per row: an error response fails that row; a worker that exits, or sends no
answer within ``timeout_s`` for a request, is killed and every row it had outstanding gets an error
naming the worker, the row and the last lines of its stderr. The worker is then restarted, at
most ``max_restarts`` times per adapter; after that the remaining rows fail with a message that
says so. A worker that cannot start (dies or stays silent before its hello) raises ``WorkerError``.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.models.base import GenerationSettings, InferRequest, ResultCallback
from jasco.models.worker.protocol import (
    Hello,
    WorkerProtocolError,
    parse_hello,
    parse_message,
    parse_response,
    request_message,
    shutdown_message,
)

STDERR_TAIL_LINES = 40
_EOF = object()


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


class _Process:
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
        self.messages.put(_EOF)

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


class WorkerAdapter:
    """Adapter over a worker process; see the module docstring for the failure rules."""

    def __init__(
        self, name: str, spec: WorkerSpec, timeout_s: float = 600.0, startup_timeout_s: float = 1800.0,
        max_restarts: int = 2, max_in_flight: int = 1,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"{name}: max_in_flight must be at least 1, got {max_in_flight}")
        self.name = name
        self.spec = spec
        self.timeout_s = float(timeout_s)
        self.startup_timeout_s = float(startup_timeout_s)
        self.max_restarts = int(max_restarts)
        self.max_in_flight = int(max_in_flight)
        self.restarts = 0
        self._process: _Process | None = None
        self._hello: Hello | None = None
        self._next_id = 0
        self._audio_dir: tempfile.TemporaryDirectory[str] | None = None

    def _audio_file(self, request_id: str, request: InferRequest) -> str:
        """Write the request's exact samples (mono float32 at its sample rate) for the worker.

        The worker hears what an in-process adapter would: jasco's decoded, resampled audio,
        and, for the audio check, the silent copy rather than the original file.
        """
        import soundfile

        if self._audio_dir is None:
            self._audio_dir = tempfile.TemporaryDirectory(prefix=f"jasco-{self.name}-")
        path = os.path.join(self._audio_dir.name, f"{request_id}.wav")
        soundfile.write(path, request.audio, request.sample_rate, format="WAV", subtype="FLOAT")
        return path

    def _forget_audio(self, request_id: str) -> None:
        if self._audio_dir is not None:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self._audio_dir.name, f"{request_id}.wav"))

    # -- lifecycle -----------------------------------------------------------------------------
    def _start(self) -> _Process:
        process = _Process(self.spec)
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                message = process.messages.get(timeout=max(remaining, 0.0))
            except queue.Empty:
                process.kill()
                raise WorkerError(
                    f"worker {self.spec.label}: no hello within {self.startup_timeout_s:g} s "
                    f"({shlex.join(self.spec.command)}); stderr tail:\n{process.stderr_tail()}"
                ) from None
            if message is _EOF:
                code = process.kill()
                raise WorkerError(
                    f"worker {self.spec.label} exited with code {code} before its hello "
                    f"({shlex.join(self.spec.command)}); stderr tail:\n{process.stderr_tail()}"
                )
            try:
                hello = parse_hello(message)
            except WorkerProtocolError as error:
                process.kill()
                raise WorkerError(f"worker {self.spec.label}: {error}") from None
            if self._hello is not None and (hello.model, hello.revision) != (self._hello.model, self._hello.revision):
                process.kill()
                raise WorkerError(
                    f"worker {self.spec.label} restarted with a different model: "
                    f"{hello.model}@{hello.revision} instead of {self._hello.model}@{self._hello.revision}"
                )
            self._hello = hello
            return process

    def _ensure_started(self) -> _Process:
        if self._process is None or self._process.popen.poll() is not None:
            self._process = self._start()
        return self._process

    def describe(self) -> dict[str, Any]:
        self._ensure_started()
        assert self._hello is not None
        return {
            "adapter": self.name, "backend": "worker", "model_id": self._hello.model,
            "revision": self._hello.revision, "worker_protocol": self._hello.protocol,
            "worker_command": self.spec.command, "worker_info": self._hello.info,
        }

    def close(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None
        if self._audio_dir is not None:
            self._audio_dir.cleanup()
            self._audio_dir = None

    # -- generation ----------------------------------------------------------------------------
    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        decoding = settings.as_dict()
        pending = collections.deque(requests)
        in_flight: dict[str, InferRequest] = {}
        deadline = 0.0  # no answer by then -> the worker is stuck; reset on every answer
        restarting = False
        while pending or in_flight:
            process = self._process
            if process is not None and process.popen.poll() is not None and not in_flight:
                # died between requests: a restart like any other
                process.stop(grace_s=0)
                self._process = None
                if not self._may_restart(pending, on_result, f"exited with code {process.popen.returncode}"):
                    return
                restarting = True
            if self._process is None:
                try:
                    process = self._ensure_started()
                except WorkerError as error:
                    if not restarting:
                        raise
                    for request in pending:
                        on_result(request.index, None, f"restart failed, item {request.item_id} was not run: {error}")
                    pending.clear()
                    return
                restarting = False
            assert process is not None
            while pending and len(in_flight) < self.max_in_flight:
                request = pending.popleft()
                self._next_id += 1
                request_id = str(self._next_id)
                line = request_message(request_id, request.item_id, self._audio_file(request_id, request),
                                       str(Path(request.audio_path).resolve()), request.instruction, decoding)
                if not in_flight:
                    deadline = time.monotonic() + self.timeout_s
                in_flight[request_id] = request
                if not process.send(line):
                    break
            try:
                message = process.messages.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                message = None
            if message is not None and message is not _EOF:
                if message.get("type") != "response":
                    process.tail.append(f"[jasco] unexpected {message.get('type')!r} message ignored")
                    continue
                try:
                    request_id, text, failure = parse_response(message)
                except WorkerProtocolError as problem:
                    process.tail.append(f"[jasco] {problem}")
                    continue
                answered = in_flight.pop(request_id, None)
                self._forget_audio(request_id)
                if answered is None:
                    process.tail.append(f"[jasco] response for unknown id {request_id!r} ignored")
                    continue
                deadline = time.monotonic() + self.timeout_s
                on_result(answered.index, text, None if failure is None else f"worker {self.spec.label}: {failure}")
                continue
            # The worker died (EOF) or sent nothing in time: fail what it held, then restart.
            code = process.kill()
            why = (f"exited with code {code}" if message is _EOF
                   else f"sent no answer within {self.timeout_s:g} s (killed)")
            tail = process.stderr_tail()
            for request_id, request in in_flight.items():
                self._forget_audio(request_id)
                on_result(request.index, None,
                          f"worker {self.spec.label} {why} while answering item {request.item_id}; "
                          f"stderr tail:\n{tail}")
            in_flight.clear()
            process.stop(grace_s=0)
            self._process = None
            if pending:
                if not self._may_restart(pending, on_result, why):
                    return
                restarting = True

    def _may_restart(self, pending: collections.deque[InferRequest], on_result: ResultCallback, why: str) -> bool:
        """Count a restart; when the budget is spent, fail every pending row and return False."""
        if self.restarts < self.max_restarts:
            self.restarts += 1
            return True
        for request in pending:
            on_result(request.index, None,
                      f"worker {self.spec.label} {why} and was already restarted {self.restarts} times "
                      f"(max_restarts={self.max_restarts}); item {request.item_id} was not run")
        pending.clear()
        return False


def _split_args(worker_args: str | Sequence[str] | None) -> list[str]:
    if worker_args is None:
        return []
    if isinstance(worker_args, str):
        return shlex.split(worker_args)
    return [str(arg) for arg in worker_args]


def worker_adapter(
    name: str = "worker",
    worker_script: str | None = None,
    worker_python: str | None = None,
    checkpoint: str | None = None,
    worker_args: str | Sequence[str] | None = None,
    worker_cwd: str | None = None,
    timeout_s: float = 600.0,
    startup_timeout_s: float = 1800.0,
    max_restarts: int = 2,
    max_in_flight: int = 1,
    env: Mapping[str, str] | None = None,
) -> WorkerAdapter:
    """Factory for any worker: ``worker_script`` is required (see workers/README.md)."""
    if not worker_script:
        raise ValueError(f"{name}: pass worker_script (the worker program to run)")
    script = Path(worker_script).expanduser()
    if not script.is_file():
        raise ValueError(f"{name}: worker script {script} does not exist")
    python = worker_python or sys.executable
    args = [*(["--checkpoint", str(checkpoint)] if checkpoint else []), *_split_args(worker_args)]
    spec = WorkerSpec(label=f"{name} ({script.name}, python {python})", python=python, script=str(script),
                      args=args, cwd=worker_cwd, env=env)
    return WorkerAdapter(name, spec, timeout_s=timeout_s, startup_timeout_s=startup_timeout_s,
                         max_restarts=max_restarts, max_in_flight=max_in_flight)


def _shipped_factory(name: str, script: str, summary: str) -> Callable[..., WorkerAdapter]:
    """A factory for one of the shipped workers; its keyword arguments are the adapter options."""

    def factory(
        worker_python: str | None = None, worker_script: str | None = None, checkpoint: str | None = None,
        worker_args: str | Sequence[str] | None = None, worker_cwd: str | None = None,
        timeout_s: float = 600.0, startup_timeout_s: float = 1800.0, max_restarts: int = 2,
        max_in_flight: int = 1,
    ) -> WorkerAdapter:
        if not worker_python:
            raise ValueError(
                f"{name}: pass worker_python, the python of the environment where {name} is installed "
                f"(see workers/README.md); the worker cannot run in jasco's own environment"
            )
        return worker_adapter(
            name=name, worker_script=worker_script or str(workers_dir() / script), worker_python=worker_python,
            checkpoint=checkpoint, worker_args=worker_args, worker_cwd=worker_cwd, timeout_s=timeout_s,
            startup_timeout_s=startup_timeout_s, max_restarts=max_restarts, max_in_flight=max_in_flight,
        )

    factory.__name__ = factory.__qualname__ = name.replace("-", "_")
    factory.__doc__ = summary
    return factory


salmonn = _shipped_factory(
    "salmonn", "salmonn_worker.py", "SALMONN (bytedance/SALMONN) in its own environment via workers/salmonn_worker.py.")
ltu_as = _shipped_factory(
    "ltu-as", "ltu_as_worker.py", "LTU-AS (YuanGongND/ltu) in its own environment via workers/ltu_as_worker.py.")
wavllm = _shipped_factory(
    "wavllm", "wavllm_worker.py", "WavLLM (microsoft/SpeechT5) in its own environment via workers/wavllm_worker.py.")
