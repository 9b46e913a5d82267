"""The worker side of jasco's JSON-lines worker protocol, in one standalone file.

A worker runs inside the user's environment for one upstream model (SALMONN, LTU-AS, WavLLM...),
where jasco itself is usually NOT installed. So this file needs the Python standard library only;
worker scripts import it from their own directory (``workers/``) or copy it beside themselves.
The runner side and the full protocol description live in ``jasco/models/worker/protocol.py``;
the two files must agree on ``PROTOCOL_VERSION``.

Use::

    from _protocol import serve, stdout_to_stderr

    channel = stdout_to_stderr()          # first thing: model code may print to stdout
    model = load_my_model(...)            # prints go to stderr now
    serve(channel, model="org/name", revision="abc123", answer=lambda request: model.answer(...))

``answer(request)`` receives the request dict (``id``, ``item_id``, ``audio_paths``, ``instruction``,
``messages``, ``decoding``) and returns the answer text, or ``(text, finish_reason)`` when the model
says why it stopped (``"length"``: at ``max_new_tokens``, which jasco counts as a row error); an
exception becomes an error response for that request only and the worker goes on. A worker that takes one audio per request reads it with
``single_audio(request)``; one that takes more says so with ``serve(..., max_audios=N)``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import IO, Any, Callable, Dict, Optional

PROTOCOL_VERSION = 2


class Channel:
    """The protocol stream: JSON objects, one per line, on the worker's original stdout."""

    def __init__(self, out: IO[str], inp: IO[str]) -> None:
        self.out = out
        self.inp = inp

    def send(self, message: Dict[str, Any]) -> None:
        self.out.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.out.flush()

    def receive(self) -> Optional[Dict[str, Any]]:
        """The next message, or None at end of input. Blank lines are skipped."""
        while True:
            line = self.inp.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                continue
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("protocol message is not a JSON object: %r" % line[:200])
            return message


def stdout_to_stderr() -> Channel:
    """Keep the real stdout for the protocol and send everything else printed (by Python or by C
    libraries writing to file descriptor 1) to stderr, so stray prints never corrupt the stream."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8")
    out = os.fdopen(protocol_fd, "w", buffering=1, encoding="utf-8")
    inp = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)
    return Channel(out, inp)


def log(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def serve(
    channel: Channel,
    model: str,
    revision: str,
    answer: Callable[[Dict[str, Any]], Any],
    info: Optional[Dict[str, Any]] = None,
    max_audios: int = 1,
) -> int:
    """Send the hello, answer requests until ``shutdown`` or end of input; return an exit code."""
    hello: Dict[str, Any] = {
        "type": "hello", "protocol": PROTOCOL_VERSION, "model": model, "revision": revision,
        "pid": os.getpid(), "max_audios": max_audios,
    }
    if info:
        hello["info"] = info
    channel.send(hello)
    while True:
        message = channel.receive()
        if message is None:
            return 0
        kind = message.get("type")
        if kind == "shutdown":
            channel.send({"type": "bye"})
            return 0
        if kind != "request":
            log("worker: ignoring unknown message type %r" % (kind,))
            continue
        request_id = message.get("id")
        try:
            text = answer(message)
            finish_reason = None
            if isinstance(text, tuple) and len(text) == 2:  # (text, finish_reason), e.g. "length"
                text, finish_reason = text
            if not isinstance(text, str):
                raise TypeError("the model returned %s, not text" % type(text).__name__)
            response = {"type": "response", "id": request_id, "text": text}
            if finish_reason is not None:
                response["finish_reason"] = str(finish_reason)
            channel.send(response)
        except Exception as error:  # one bad request must not end the worker
            log(traceback.format_exc())
            channel.send({"type": "response", "id": request_id, "error": "%s: %s" % (type(error).__name__, error)})


def single_audio(request: Dict[str, Any]) -> str:
    """The path of the request's one audio file (a ValueError, sent back as that row's error,
    when the request carries another number of audios)."""
    paths = request.get("audio_paths") or []
    if len(paths) != 1:
        raise ValueError("this worker takes exactly one audio per request, got %d" % len(paths))
    return str(paths[0])


def file_identity(path: str) -> str:
    """``name:size:sha256-of-first-MiB`` of a checkpoint: cheap, and changes with the weights."""
    import hashlib

    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    return "%s:%d:%s" % (os.path.basename(path), os.path.getsize(path), hashlib.sha256(head).hexdigest()[:16])


def git_commit(repo: str) -> str:
    """The commit checked out in ``repo`` (read from .git without running git), or "unknown"."""
    git = os.path.join(repo, ".git")
    try:
        if os.path.isfile(git):  # a submodule or worktree: "gitdir: <path>"
            with open(git, encoding="utf-8") as handle:
                git = os.path.join(repo, handle.read().split(":", 1)[1].strip())
        with open(os.path.join(git, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
        if not head.startswith("ref:"):
            return head
        ref = head.split(" ", 1)[1]
        common = git
        if os.path.isfile(os.path.join(git, "commondir")):  # a linked worktree keeps refs there
            with open(os.path.join(git, "commondir"), encoding="utf-8") as handle:
                common = os.path.join(git, handle.read().strip())
        for base in (git, common):
            if os.path.isfile(os.path.join(base, ref)):
                with open(os.path.join(base, ref), encoding="utf-8") as handle:
                    return handle.read().strip()
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                if line.strip().endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except (OSError, IndexError):
        pass
    return "unknown"


def require_paths(**paths: Optional[str]) -> None:
    """Exit with a clear message (before any model import) when a required path is missing."""
    for name, path in paths.items():
        if not path or not os.path.exists(path):
            log("worker: --%s %s does not exist" % (name.replace("_", "-"), path))
            sys.exit(2)
