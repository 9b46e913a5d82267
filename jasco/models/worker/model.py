"""A model that runs in its own worker process (SALMONN, LTU-AS, WavLLM, any jasco model, ...).

The worker command is ``<worker_python> <worker_script> [--checkpoint C] [worker_args...]``,
started in the user's environment for that model; it speaks the JSON-lines protocol of
``jasco.models.worker.protocol``. This module streams requests to it, maps responses back to rows
and calls ``on_result`` as each arrives. Each request's audio parts are the request's own samples
(jasco's 16 kHz mono float32, or the silent copies of the audio check), written to private
temporary WAVs for the worker to read, one per audio slot.

Failure handling, per row: an error response fails that row; a worker that exits, or sends no
answer within ``timeout_s`` for a request, is killed and every row it had outstanding gets an error
naming the worker, the row and the last lines of its stderr. The worker is then restarted, at
most ``max_restarts`` times per model; after that the remaining rows fail with a message that
says so. A worker that cannot start (dies or stays silent before its hello) raises ``WorkerError``.
``max_audios`` (declared by the factory, checked against the worker's hello) is how many audio
inputs one request may hold; a task with more is refused before the worker starts. The rows a
dead or silent worker fails carry ``error_kind = UNAVAILABLE`` (a stage stops after a run of them);
a response may say ``"finish_reason": "length"`` (the stages then count the row as truncated).

Identity without a process: the model id and revision that name the results (manifests, store
keys) are declared by the factory (``WorkerIdentity``), so describing the model, and a rerun whose
answers are all stored, never starts the worker. The worker starts on the first ``generate`` (or
``start``); when the identity declares the model id, a worker whose hello names another model is
stopped with an error. The hello's own model, revision and info are added to ``describe()`` once
known.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jasco.models.conversation import describe_messages, user_text
from jasco.models.types import UNAVAILABLE, ChatRequest, ModelResult, ResultCallback
from jasco.models.worker.identity import WorkerIdentity
from jasco.models.worker.process import EOF, WorkerError, WorkerProcess, WorkerSpec, start_worker
from jasco.models.worker.protocol import Hello, WorkerProtocolError, parse_response, request_message


class WorkerModel:
    """The ``Model`` protocol over a worker process; see the module docstring for the failure rules."""

    def __init__(
        self, name: str, spec: WorkerSpec, timeout_s: float = 600.0, startup_timeout_s: float = 1800.0,
        max_restarts: int = 2, max_in_flight: int = 1, max_audios: int = 1,
        identity: WorkerIdentity | None = None,
    ) -> None:
        if max_in_flight < 1 or max_audios < 1:
            raise ValueError(f"{name}: max_in_flight and max_audios must be at least 1")
        self.name = name
        self.spec = spec
        self.identity = identity or WorkerIdentity(f"worker:{Path(spec.script).name}", spec)
        self.timeout_s = float(timeout_s)
        self.startup_timeout_s = float(startup_timeout_s)
        self.max_restarts = int(max_restarts)
        self.max_in_flight = int(max_in_flight)
        self.max_audios: int | None = int(max_audios)
        self.restarts = 0
        self._process: WorkerProcess | None = None
        self._hello: Hello | None = None
        self._next_id = 0
        self._audio_dir: tempfile.TemporaryDirectory[str] | None = None

    # -- audio files ---------------------------------------------------------------------------
    def _audio_files(self, request_id: str, request: ChatRequest) -> list[str]:
        """Write each audio part's exact samples (mono float32 at its rate) for the worker.

        The worker hears what an in-process model would: jasco's decoded, resampled audio, and,
        for the audio check, the silent copy rather than the original file.
        """
        import soundfile

        if self._audio_dir is None:
            self._audio_dir = tempfile.TemporaryDirectory(prefix=f"jasco-{self.name}-")
        paths = []
        for slot, audio in enumerate(request.audios):
            path = os.path.join(self._audio_dir.name, f"{request_id}-{slot}.wav")
            soundfile.write(path, audio.samples, audio.sample_rate, format="WAV", subtype="FLOAT")
            paths.append(path)
        return paths

    def _forget_audio(self, request_id: str) -> None:
        if self._audio_dir is not None:
            for path in Path(self._audio_dir.name).glob(f"{request_id}-*.wav"):
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- lifecycle -----------------------------------------------------------------------------
    def _ensure_started(self) -> WorkerProcess:
        if self._process is None or self._process.popen.poll() is not None:
            process, hello = start_worker(self.spec, self.startup_timeout_s, self._hello)
            if self.max_audios is not None and hello.max_audios < self.max_audios:
                process.kill()
                raise WorkerError(f"worker {self.spec.label} takes {hello.max_audios} audio(s) per request, "
                                  f"but max_audios={self.max_audios} was given")
            if self.identity.declared and hello.model != self.identity.model_id:
                process.kill()
                raise WorkerError(f"worker {self.spec.label} serves {hello.model!r}, not {self.identity.model_id!r} "
                                  "as its options say; check the checkpoint and the worker arguments")
            self._process, self._hello = process, hello
        return self._process

    def start(self) -> Hello:
        """Start the worker now (it otherwise starts on the first ``generate``); its hello."""
        self._ensure_started()
        assert self._hello is not None
        return self._hello

    def check_available(self) -> str | None:
        """Why the worker cannot start here (its python, script or checkpoint missing), or None."""
        return self.identity.problem()

    def describe(self) -> dict[str, Any]:
        """The declared identity (no process is started); what the worker said, once it has run."""
        described: dict[str, Any] = {
            "adapter": self.name, "backend": "worker", "model_id": self.identity.model_id,
            "revision": self.identity.revision(), "worker_command": self.spec.command, "max_audios": self.max_audios,
        }
        if self._hello is not None:
            described.update(worker_protocol=self._hello.protocol, worker_model=self._hello.model,
                             worker_revision=self._hello.revision, worker_info=self._hello.info)
        return described

    def close(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None
        if self._audio_dir is not None:
            self._audio_dir.cleanup()
            self._audio_dir = None

    # -- generation ----------------------------------------------------------------------------
    def _message(self, request_id: str, request: ChatRequest) -> str:
        sampling = request.sampling
        decoding = {"temperature": sampling.temperature, "top_p": sampling.top_p,
                    "max_new_tokens": sampling.max_tokens, "seed": sampling.seed}
        sources = [str(Path(audio.path).resolve()) if audio.path else "" for audio in request.audios]
        return request_message(request_id, request.item_id, self._audio_files(request_id, request), sources,
                               user_text(request), describe_messages(request.messages), decoding)

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        pending = collections.deque(requests)
        in_flight: dict[str, ChatRequest] = {}
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
                        on_result(ModelResult.failed(
                            request.index, f"restart failed, item {request.item_id} was not run: {error}",
                            UNAVAILABLE))
                    pending.clear()
                    return
                restarting = False
            assert process is not None
            while pending and len(in_flight) < self.max_in_flight:
                request = pending.popleft()
                self._next_id += 1
                request_id = str(self._next_id)
                if not in_flight:
                    deadline = time.monotonic() + self.timeout_s
                in_flight[request_id] = request
                if not process.send(self._message(request_id, request)):
                    break
            try:
                message = process.messages.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                message = None
            if message is not None and message is not EOF:
                if self._answer(process, message, in_flight, on_result):
                    deadline = time.monotonic() + self.timeout_s
                continue
            # The worker died (EOF) or sent nothing in time: fail what it held, then restart.
            code = process.kill()
            why = (f"exited with code {code}" if message is EOF
                   else f"sent no answer within {self.timeout_s:g} s (killed)")
            tail = process.stderr_tail()
            for request_id, request in in_flight.items():
                self._forget_audio(request_id)
                on_result(ModelResult.failed(request.index, (
                    f"worker {self.spec.label} {why} while answering item {request.item_id}; "
                    f"stderr tail:\n{tail}"), UNAVAILABLE))
            in_flight.clear()
            process.stop(grace_s=0)
            self._process = None
            if pending:
                if not self._may_restart(pending, on_result, why):
                    return
                restarting = True

    def _answer(self, process: WorkerProcess, message: dict[str, Any], in_flight: dict[str, ChatRequest],
                on_result: ResultCallback) -> bool:
        """Handle one message from the worker; True when it answered an outstanding request."""
        if message.get("type") != "response":
            process.tail.append(f"[jasco] unexpected {message.get('type')!r} message ignored")
            return False
        try:
            request_id, text, failure = parse_response(message)
        except WorkerProtocolError as problem:
            process.tail.append(f"[jasco] {problem}")
            return False
        answered = in_flight.pop(request_id, None)
        self._forget_audio(request_id)
        if answered is None:
            process.tail.append(f"[jasco] response for unknown id {request_id!r} ignored")
            return False
        if failure is not None:
            on_result(ModelResult.failed(answered.index, f"worker {self.spec.label}: {failure}"))
        else:
            reason = message.get("finish_reason")
            on_result(ModelResult(index=answered.index, text=text,
                                  finish_reason=reason if isinstance(reason, str) else None))
        return True

    def _may_restart(self, pending: collections.deque[ChatRequest], on_result: ResultCallback, why: str) -> bool:
        """Count a restart; when the budget is spent, fail every pending row and return False."""
        if self.restarts < self.max_restarts:
            self.restarts += 1
            return True
        for request in pending:
            on_result(ModelResult.failed(request.index, (
                f"worker {self.spec.label} {why} and was already restarted {self.restarts} times "
                f"(max_restarts={self.max_restarts}); item {request.item_id} was not run"), UNAVAILABLE))
        pending.clear()
        return False
