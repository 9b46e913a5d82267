"""The command line: fast help, data fetch/verify and expand through click's runner and a subprocess."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from jasco.cli import cli

HEAVY = ("torch", "transformers", "vllm", "pandas", "numpy", "jinja2", "httpx")


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\nfrom jasco.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "expand" in result.stdout and "data" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_fetch_verify_expand(tmp_path: Path, upstream_dir: Path) -> None:
    runner = CliRunner()
    data_dir = tmp_path / "data"
    result = runner.invoke(cli, ["data", "fetch", "--source", str(upstream_dir), "--dest", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "83 files installed" in result.output
    result = runner.invoke(cli, ["data", "verify", "--data-dir", str(data_dir)])
    assert result.exit_code == 0 and "83 files verified" in result.output
    out = tmp_path / "items.csv"
    result = runner.invoke(cli, ["expand", "--out", str(out)], env={"JASCO_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 640 and rows[0]["audio"] == str(data_dir / "dataset/v0/1.wav")


def test_verify_fails_on_tampered_copy_naming_the_file(tmp_path: Path, upstream_dir: Path) -> None:
    runner = CliRunner()
    data_dir = tmp_path / "data"
    runner.invoke(cli, ["data", "fetch", "--source", str(upstream_dir), "--dest", str(data_dir)])
    (data_dir / "dataset/v0/v0.csv").write_text("tampered", encoding="utf-8")
    result = runner.invoke(cli, ["data", "verify", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "dataset/v0/v0.csv: sha256 mismatch" in result.output


def test_expand_without_dataset_says_how_to_get_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["expand", "--out", str(tmp_path / "x.csv"), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "jasco data fetch" in result.output
