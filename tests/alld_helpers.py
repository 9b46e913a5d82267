"""Shared pieces of the ALLD integration tests: a small demo corpus and running the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.conftest import REPO

CLEAN_DIR = REPO.parent / "shared" / "speech" / "clean"
# One file per condition: clean, white noise 15 and 5 dB, low-pass 2 kHz, 15% clipping, 10% dropouts.
# Their synthetic MOS: 4.5, 2.9, 2.0, 2.7, 2.7, 2.3 (two identical: a pair with no right answer).
CONDITIONS = (1, 4, 6, 15, 19, 22)


def build_small_demo(dest: Path) -> Path:
    """The speech-demo corpus layout (DEMO_SIM) with 6 files built from the real clean recordings."""
    from jasco.quality.demo_corpus import CONDITIONS as ALL
    from jasco.quality.demo_corpus import build_demo_corpus

    clean = sorted(CLEAN_DIR.glob("*.wav"))
    if len(clean) < 6:
        pytest.fail(f"the clean speech recordings are not at {CLEAN_DIR}")
    build_demo_corpus(clean, dest, files_per_condition=1, seed=0,
                      conditions=[c for c in ALL if c.con in CONDITIONS])
    return dest


def invoke(*args: str) -> Result:
    from jasco.cli import cli

    return CliRunner().invoke(cli, [str(arg) for arg in args])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def one_error_line(result: Result) -> str:
    """The single 'Error: ...' line of a failed command (no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]
