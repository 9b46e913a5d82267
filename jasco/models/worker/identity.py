"""What names a worker model's results, known without starting the worker.

The model id is declared by the factory (a shipped worker names its model and checkpoint: the
worker's hello must then agree), else ``worker:<script name>``. The revision is computed here from
files jasco can read without running anything: the checkpoint's identity (``name:size:sha256 of its
first MiB``, the same the shipped workers report), the worker script's sha256 and the worker
arguments, so other weights, another script or other worker options (beams, paths) are other
results. ``problem`` says what is missing to start the worker at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import cached_property
from pathlib import Path

from jasco.models.worker.process import WorkerSpec


def checkpoint_identity(path: str) -> str:
    """``name:size:sha256-of-first-MiB`` (as ``workers/_protocol.py``'s ``file_identity``)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    return f"{os.path.basename(path)}:{os.path.getsize(path)}:{hashlib.sha256(head).hexdigest()[:16]}"


class WorkerIdentity:
    """The declared model id and the computed revision of one worker configuration."""

    def __init__(self, model_id: str, spec: WorkerSpec, *, checkpoint: str | None = None, declared: bool = False,
                 revision: str | None = None) -> None:
        self.model_id = model_id
        self.spec = spec
        self.checkpoint = checkpoint
        self.declared = declared  # the worker's hello must name model_id
        self._revision = revision

    def revision(self) -> str:
        """The given revision, else checkpoint identity | script sha256 | arguments sha256."""
        return self._revision or self._computed

    @cached_property
    def _computed(self) -> str:
        parts = []
        if self.checkpoint:
            path = Path(self.checkpoint).expanduser()
            parts.append(checkpoint_identity(str(path)) if path.is_file() else f"{path.name}:missing")
        script = Path(self.spec.script)
        digest = hashlib.sha256(script.read_bytes()).hexdigest()[:12] if script.is_file() else "missing"
        parts.append(f"script:{digest}")
        arguments = json.dumps(self.spec.args, ensure_ascii=False).encode("utf-8")
        parts.append(f"args:{hashlib.sha256(arguments).hexdigest()[:12]}")
        return "|".join(parts)

    def problem(self) -> str | None:
        """Why the worker cannot start on this machine (checked without starting it), or None."""
        python = self.spec.python
        if os.sep in python:
            if not (Path(python).is_file() and os.access(python, os.X_OK)):
                return f"worker_python {python} is not an executable file"
        elif shutil.which(python) is None:
            return f"worker_python {python!r} is not on PATH"
        if not Path(self.spec.script).is_file():
            return f"worker_script {self.spec.script} does not exist"
        if self.checkpoint and not Path(self.checkpoint).expanduser().exists():
            return f"checkpoint {self.checkpoint} does not exist"
        if self.spec.cwd and not Path(self.spec.cwd).is_dir():
            return f"worker_cwd {self.spec.cwd} is not a directory"
        return None
