"""The registered speech-quality datasets through ``jasco data``: speech-demo built offline from
the shared clean recordings, verified, tampering named; nisqa refusing a source that is not the
corpus with one line."""

from __future__ import annotations

from pathlib import Path

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
