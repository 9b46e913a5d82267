"""A crash-safe, append-only result store shared by the infer and judge stages.

Every model call's result is appended as one JSON line under a key that hashes everything that
determines the result (model and revision, decoding settings, rendered prompt, audio content...).
A rerun looks keys up before calling a model, so it costs no calls for work already done; a run
killed at any instant (SIGKILL included) loses at most the line being written, which is dropped
on the next open. One process writes a store at a time (an exclusive lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def stable_key(fields: Mapping[str, Any]) -> str:
    """A sha256 over a canonical JSON encoding of ``fields`` (key order does not matter)."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class StoreLockedError(RuntimeError):
    pass


class ResultStore:
    """Append-only JSON-lines store of ``{"key": ..., "value": {...}}`` records.

    Use as a context manager; the file is created on first open. Later records for the same key
    win on load (they are only written when a caller deliberately recomputes).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._records: dict[str, dict[str, Any]] = {}
        self._handle: Any = None
        self.dropped_partial_line = False

    def __enter__(self) -> ResultStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - closed in close()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreLockedError(f"{self.path} is in use by another jasco process") from None
        self._handle = handle
        self._load()

    def close(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def _load(self) -> None:
        self._handle.seek(0)
        data = self._handle.read()
        good_end = data.rfind(b"\n") + 1
        if good_end < len(data):
            # A write interrupted by a crash: drop the partial last line.
            self._handle.truncate(good_end)
            self.dropped_partial_line = True
        for number, line in enumerate(data[:good_end].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                self._records[record["key"]] = record["value"]
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{self.path}:{number}: corrupt store record: {error}") from None
        self._handle.seek(0, os.SEEK_END)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def __len__(self) -> int:
        return len(self._records)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._records.get(key)

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        self.put_many([(key, value)])

    def put_many(self, items: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """Append records and fsync them before returning."""
        if self._handle is None:
            raise RuntimeError(f"store {self.path} is not open")
        lines = []
        for key, value in items:
            lines.append(json.dumps({"key": key, "value": value}, ensure_ascii=False) + "\n")
            self._records[key] = dict(value)
        if not lines:
            return
        self._handle.write("".join(lines).encode("utf-8"))
        self._handle.flush()
        os.fsync(self._handle.fileno())
