"""The JSON-lines protocol between jasco and a model worker process (runner side).

Models whose software stacks cannot share jasco's environment (SALMONN, LTU-AS, WavLLM) run as a
worker process in their own environment. jasco starts the worker command, writes requests to its
stdin and reads answers from its stdout. Every message is one JSON object on one line (UTF-8).
Anything the worker writes to stderr is a log: jasco drains it continuously and keeps its tail
for error messages. The worker side is ``workers/_protocol.py`` (standard library only, because
jasco is usually not installed in a worker's environment).

Protocol version 2 (version 1 carried one ``audio_path``; 2 carries a list), in order:

1. worker -> jasco, once the model is loaded::

       {"type": "hello", "protocol": 2, "model": "tsinghua-ee/SALMONN", "revision": "<sha or tag>",
        "pid": 1234, "max_audios": 1, "info": {...optional...}}

   ``model`` and ``revision`` identify the weights; they go into the run manifest and the
   result-store key. ``max_audios`` (default 1) is how many audio inputs one request may carry.
   A different ``protocol`` value makes jasco stop with an error.
2. jasco -> worker, any number of times::

       {"type": "request", "id": "17", "item_id": "3-v2",
        "audio_paths": ["/tmp/jasco-x/17-0.wav"], "source_paths": ["/data/dataset/v0/3.wav"],
        "instruction": "...", "messages": [{"role": "user", "content": [{"type": "audio", "slot": 0},
        {"type": "text", "text": "..."}]}],
        "decoding": {"temperature": 0.0, "top_p": 1.0, "max_new_tokens": 256, "seed": 0}}

   ``audio_paths`` are WAVs jasco wrote for this request, one per audio input in conversation
   order: the exact samples an in-process model gets (mono, 32-bit float, 16 kHz; for the audio
   check, silence), deleted once answered. The worker reads them with its own stack.
   ``messages`` is the whole conversation, audio parts naming their slot in ``audio_paths``;
   ``instruction`` is the text of its user turns, for models that take one prompt.
   ``source_paths`` (the original files) and ``item_id`` are for its logs only. ``decoding`` is
   the request's sampling (greedy when temperature is 0).
3. worker -> jasco, one per request, in any order (matched by ``id``)::

       {"type": "response", "id": "17", "text": "They are ...", "finish_reason": "stop"}
       {"type": "response", "id": "17", "error": "ValueError: ..."}

   An error response fails that row only; the worker keeps serving. ``finish_reason`` is
   optional (``"length"``: generation stopped at ``max_new_tokens``, a row error for jasco); an
   empty ``text`` is a row error too (``empty content``).
4. jasco -> worker at the end: ``{"type": "shutdown"}``; the worker answers ``{"type": "bye"}``
   and exits 0. End of input means the same.

jasco keeps at most ``max_in_flight`` requests outstanding (1 by default). A worker that exits
or stops answering within the per-request timeout is killed; its outstanding rows get an error
naming the worker and quoting its stderr tail; the worker is restarted (a bounded number of
times) and the run goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 2


class WorkerProtocolError(RuntimeError):
    """A worker broke the protocol (bad handshake, wrong version, malformed message)."""


@dataclass(frozen=True)
class Hello:
    protocol: int
    model: str
    revision: str
    pid: int | None
    info: dict[str, Any]
    max_audios: int = 1


def request_message(
    request_id: str, item_id: str, audio_paths: list[str], source_paths: list[str], instruction: str,
    messages: list[dict[str, Any]], decoding: dict[str, Any],
) -> str:
    return _line({
        "type": "request", "id": request_id, "item_id": item_id, "audio_paths": audio_paths,
        "source_paths": source_paths, "instruction": instruction, "messages": messages, "decoding": decoding,
    })


def shutdown_message() -> str:
    return _line({"type": "shutdown"})


def parse_message(line: str) -> dict[str, Any]:
    """One line from the worker's stdout as a message dict, or WorkerProtocolError."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        raise WorkerProtocolError(f"not a JSON protocol line ({error}): {line[:200]!r}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise WorkerProtocolError(f"protocol message without a 'type': {line[:200]!r}")
    return message


def parse_hello(message: dict[str, Any]) -> Hello:
    if message.get("type") != "hello":
        raise WorkerProtocolError(f"expected a hello message first, got {message.get('type')!r}")
    version = message.get("protocol")
    if version != PROTOCOL_VERSION:
        raise WorkerProtocolError(
            f"worker speaks protocol version {version!r}, jasco speaks {PROTOCOL_VERSION}; "
            "use the worker scripts shipped with this jasco version"
        )
    model, revision = message.get("model"), message.get("revision")
    if not isinstance(model, str) or not model or not isinstance(revision, str):
        raise WorkerProtocolError(f"hello must name the model and its revision, got {message!r}")
    pid = message.get("pid")
    info = message.get("info") or {}
    max_audios = message.get("max_audios", 1)
    if not isinstance(max_audios, int) or max_audios < 1:
        raise WorkerProtocolError(f"hello: max_audios must be a positive integer, got {max_audios!r}")
    return Hello(version, model, revision, pid if isinstance(pid, int) else None, dict(info), max_audios)


def parse_response(message: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(id, text, error) of a response message; exactly one of text / error is set."""
    request_id = message.get("id")
    text, error = message.get("text"), message.get("error")
    if not isinstance(request_id, str):
        raise WorkerProtocolError(f"response without a string 'id': {message!r}")
    if (text is None) == (error is None):
        raise WorkerProtocolError(f"response {request_id} must hold exactly one of 'text' and 'error'")
    if text is not None and not isinstance(text, str):
        raise WorkerProtocolError(f"response {request_id}: 'text' is not a string")
    return request_id, text, None if error is None else str(error)


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False) + "\n"
