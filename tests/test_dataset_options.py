"""`jasco data fetch --dataset-option KEY=VALUE`: options of a dataset that is built, not copied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.quality.demo_corpus import CONDITIONS, CSV_NAME, read_corpus_csv
from jasco.quality.speech_demo import MANIFEST_NAME
from tests.quality_helpers import clean_dir


def _fetch(dest: Path, *options: str, force: bool = False) -> tuple[int, str]:
    arguments = ["data", "fetch", "--dataset", "speech-demo", "--source", str(clean_dir()), "--dest", str(dest)]
    for option in options:
        arguments += ["--dataset-option", option]
    result = CliRunner().invoke(cli, arguments + (["--force"] if force else []))
    return result.exit_code, result.output


def test_speech_demo_is_built_with_the_options_given(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, output = _fetch(dest, "files_per_condition=1", "seed=2")
    assert code == 0, output
    manifest = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["settings"]["files_per_condition"] == 1 and manifest["settings"]["seed"] == 2
    assert len(read_corpus_csv(dest / CSV_NAME)) == len(CONDITIONS)
    code, output = _fetch(dest, "files-per-condition=1", "seed=2")
    assert code == 0 and f"already installed and verified in {dest.resolve()}" in output
    code, output = _fetch(dest, "files_per_condition=2", "seed=2")  # other options: refused without --force
    assert code != 0 and "built with other settings; rerun with --force" in output
    assert _fetch(dest, "files_per_condition=2", "seed=2", force=True)[0] == 0
    assert len(read_corpus_csv(dest / CSV_NAME)) == 2 * len(CONDITIONS)


@pytest.mark.parametrize(("option", "message"), [
    ("files_per_condition=0", "files_per_condition must lie in 1-23 (one recording per file), got 0"),
    ("files_per_condition=24", "files_per_condition must lie in 1-23 (one recording per file), got 24"),
    ("files_per_condition=many", "dataset option files_per_condition: 'many' is not an integer"),
    ("pairs=3", "dataset 'speech-demo' takes no option pairs (it takes: files_per_condition, seed)"),
    ("seed", "--dataset-option: expected KEY=VALUE, got 'seed'"),
])
def test_a_bad_dataset_option_is_one_line_and_writes_nothing(tmp_path: Path, option: str, message: str) -> None:
    code, output = _fetch(tmp_path / "demo", option)
    assert code != 0 and message in output and "Traceback" not in output
    assert [line for line in output.splitlines() if line.startswith("Error:")] == [f"Error: {message}"]
    assert not (tmp_path / "demo").exists()


def test_a_copied_dataset_takes_no_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "jasco-what-are-they-doing", "--dest",
                                      str(tmp_path / "j"), "--dataset-option", "seed=1"])
    assert result.exit_code != 0
    assert "dataset 'jasco-what-are-they-doing' takes no option seed (it takes: none)" in result.output


def test_jasco_tasks_lists_the_datasets_and_their_options() -> None:
    result = CliRunner().invoke(cli, ["tasks"])
    assert result.exit_code == 0
    assert "--dataset-option files_per_condition (int, default 3)" in result.output
    assert "speech-demo " in result.output and "xacle-demo " in result.output
