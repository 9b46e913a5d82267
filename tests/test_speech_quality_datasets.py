"""The registered speech-quality datasets through ``jasco data``: speech-demo built offline from
the shared clean recordings, verified, tampering named; nisqa refusing a source that is not the
corpus with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from tests.conftest import REPO

CLEAN = Path(REPO.parent / "shared" / "speech" / "clean")


def test_speech_demo_fetch_verify_and_tamper(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    runner = CliRunner()
    fetched = runner.invoke(cli, ["data", "fetch", "--dataset", "speech-demo", "--source", str(CLEAN),
                                  "--dest", str(dest)])
    assert fetched.exit_code == 0, fetched.output
    verified = runner.invoke(cli, ["data", "verify", "--dataset", "speech-demo", "--data-dir", str(dest)])
    assert verified.exit_code == 0, verified.output
    n_files = int(fetched.output.split()[0])
    assert f"{n_files} files verified" in verified.output
    again = runner.invoke(cli, ["data", "fetch", "--dataset", "speech-demo", "--source", str(CLEAN),
                                "--dest", str(dest)])
    assert again.exit_code == 0 and "already installed and verified" in again.output
    victim = next(dest.rglob("*.wav"))
    victim.write_bytes(victim.read_bytes()[:-100])
    broken = runner.invoke(cli, ["data", "verify", "--dataset", "speech-demo", "--data-dir", str(dest)])
    assert broken.exit_code == 1 and victim.name in broken.output and "Traceback" not in broken.output


def test_nisqa_refuses_a_source_that_is_not_the_corpus(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "nisqa", "--source", str(tmp_path / "src"),
                                      "--dest", str(tmp_path / "corpus")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "NISQA" in result.output or "NISQA_corpus_file.csv" in result.output, result.output
    assert not (tmp_path / "corpus").exists()


def test_each_directory_is_verified_as_the_dataset_it_holds(tmp_path: Path) -> None:
    """An installed copy (its manifest or licence file) is checked against its committed hashes
    before any stage reads it; any other corpus in NISQA's layout has none and is read as it is."""
    from jasco.quality.speech_demo import MANIFEST_NAME
    from jasco.stages.items import verify_dataset
    from jasco.tasks.base import get_task
    from jasco.tasks.datasets import DatasetError
    from jasco.tasks.speech_quality.datasets import nisqa_layout_dataset
    from jasco.tasks.speech_quality.licence import LICENCE_FILE

    demo, nisqa, other = (tmp_path / name for name in ("demo", "nisqa", "other"))
    for root in (demo, nisqa, other):
        root.mkdir()
        (root / "NISQA_corpus_file.csv").write_text("db,filepath_deg\n", encoding="utf-8")
    (demo / MANIFEST_NAME).write_text("{}", encoding="utf-8")
    (nisqa / LICENCE_FILE).write_text("licence\n", encoding="utf-8")
    assert [nisqa_layout_dataset(root) for root in (demo, nisqa, other)] == ["speech-demo", "nisqa", None]
    for task in ("speech-quality", "alld-describe", "alld-ab"):
        verify_dataset(get_task(task), other)  # nothing committed to check
        for root, name in ((demo, "speech-demo"), (nisqa, "nisqa")):
            with pytest.raises(DatasetError, match=f"dataset {name} in {root} does not match"):
                verify_dataset(get_task(task), root)
