"""The crash-safe result store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jasco.core.store import ResultStore, StoreLockedError, stable_key


def test_stable_key_ignores_field_order_and_sees_values() -> None:
    assert stable_key({"a": 1, "b": "x"}) == stable_key({"b": "x", "a": 1})
    assert stable_key({"a": 1}) != stable_key({"a": 2})


def test_records_survive_reopen_and_partial_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    with ResultStore(path) as store:
        store.put("k1", {"text": "one"})
        store.put_many([("k2", {"text": "two"}), ("k3", {"text": "three"})])
    with open(path, "ab") as handle:
        handle.write(b'{"key": "k4", "value": {"te')  # a write cut by a crash
    with ResultStore(path) as store:
        assert store.dropped_partial_line
        assert len(store) == 3 and store.get("k2") == {"text": "two"} and "k4" not in store
        store.put("k4", {"text": "four"})
    with ResultStore(path) as store:
        assert store.get("k4") == {"text": "four"} and not store.dropped_partial_line


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    with ResultStore(path):
        code = f"from jasco.core.store import ResultStore\nResultStore({str(path)!r}).open()"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode != 0 and "in use by another jasco process" in result.stderr
    with pytest.raises(StoreLockedError), ResultStore(path), ResultStore(path):
        pass


def test_corrupt_middle_record_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    path.write_text('{"key": "a", "value": {}}\nnot json\n{"key": "b", "value": {}}\n')
    with pytest.raises(ValueError, match=r"store\.jsonl:2: corrupt"):
        ResultStore(path).open()
    assert os.path.getsize(path) > 0
