"""Stop when a server is gone (issue 10 section 2), and exit 3 whenever a row failed.

Before: ``jasco infer --model openai --base-url http://127.0.0.1:<dead>/v1`` spent 638 s failing
all 640 rows one by one and exited 0; the judge did the same. Now a run of
``--max-consecutive-errors`` (default 8) failures to reach the model stops the run with a clear
message, the rows not answered get an error saying so, what succeeded is written, and the exit
status is 3. The CLI runs below use the default retry settings and assert the exit status and the
message, never a time; a dead worker (one that dies on every request) stops the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.infer import run_infer
from tests.fake_openai import scripted_server
from tests.judge_helpers import answers_frame
from tests.server_helpers import free_port

REPO = Path(__file__).resolve().parents[1]
STOPPED = "stopped after 8 consecutive failures to reach"


def jasco(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "import sys\nfrom jasco.cli import main\nsys.argv = ['jasco', *sys.argv[1:]]\nmain()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture()
def items(tmp_path: Path, upstream_dir: Path) -> Path:
    """40 items (clips 1-5) with their answers: an items table for infer, an answers table for judge."""
    write_table(answers_frame(upstream_dir, 40), tmp_path / "items.csv")
    return tmp_path / "items.csv"


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there: every connection is refused


def test_infer_against_a_dead_endpoint_stops_and_exits_3(tmp_path: Path, upstream_dir: Path, items: Path) -> None:
    out = tmp_path / "answers.csv"
    result = jasco("infer", "--model", "openai", "--model-id", "m", "--base-url", dead_url(), "--items", str(items),
                   "--data-dir", str(upstream_dir), "--out", str(out), "--no-progress")
    assert result.returncode == 3, result.stderr
    assert f"{STOPPED} model 'openai' (m) (--max-consecutive-errors 8)" in result.stderr
    assert "ConnectError" in result.stderr  # the last error says why
    assert "error: 40 of 40 rows failed (rerun to retry them)" in result.stderr
    errors = list(read_table(out, required=())["infer_error"])
    assert len(errors) == 40 and all(errors)
    assert any(error.startswith(f"not run: {STOPPED}") for error in errors)  # never sent: the run stopped


def test_judge_against_a_dead_endpoint_stops_and_exits_3(tmp_path: Path, items: Path) -> None:
    out = tmp_path / "judged.csv"
    result = jasco("judge", "--judge", "m", "--backend", "openai", "--base-url", dead_url(), str(items), str(out),
                   "--no-progress")
    assert result.returncode == 3, result.stderr
    assert f"error: m: {STOPPED} judge 'm' (--max-consecutive-errors 8)" in result.stderr
    statuses = list(read_table(out, required=())["parse_status"])
    assert len(statuses) == 40 and all(status.startswith("unscored: judge error: ") for status in statuses)


def test_some_failed_rows_exit_3_after_writing_the_rest(tmp_path: Path, upstream_dir: Path, items: Path) -> None:
    def reply(text: str) -> tuple[str | None, str]:
        if "number 3." in text or "number 7." in text:
            return None, "stop"
        return "Explanation1: ok\nRating: 1\nExplanation2: ok\nOrientation: Good", "stop"

    with scripted_server(reply) as server:
        judged = tmp_path / "judged.csv"
        result = jasco("judge", "--judge", "m", "--backend", "openai", "--base-url", server.url, str(items),
                       str(judged), "--no-progress")
        assert result.returncode == 3, result.stderr
        assert "m: 2 rows failed" in result.stderr and "38" in result.stdout
        assert list(read_table(judged, required=())["parse_status"]).count("ok") == 38
        everything = jasco("judge", "--judge", "m", "--backend", "openai", "--base-url", server.url, str(items),
                           str(tmp_path / "other.csv"), "--no-progress", "--max-tokens", "999")
        assert everything.returncode == 3  # the same two rows fail again: still 3
        ok_items = answers_frame(upstream_dir, 40)
        ok_items = ok_items[~ok_items["allm_output"].str.contains(r"number [37]\.")]
        write_table(ok_items, tmp_path / "fine.csv")
        fine = jasco("judge", "--judge", "m", "--backend", "openai", "--base-url", server.url,
                     str(tmp_path / "fine.csv"), str(tmp_path / "fine_judged.csv"), "--no-progress")
        assert fine.returncode == 0, fine.stderr


DYING_WORKER = textwrap.dedent('''
    import os, sys
    sys.path.insert(0, {workers!r})
    from _protocol import serve, stdout_to_stderr

    def answer(request):
        sys.stderr.write("dying on purpose\\n")
        sys.stderr.flush()
        os._exit(7)

    serve(stdout_to_stderr(), model="dying", revision="1", answer=answer)
''')


@pytest.mark.parametrize("limit", [8, 0])
def test_a_worker_that_dies_on_every_request_stops_the_run(tmp_path: Path, upstream_dir: Path, items: Path,
                                                           limit: int) -> None:
    script = tmp_path / "dying_worker.py"
    script.write_text(DYING_WORKER.format(workers=str(REPO / "workers")))
    options = {"worker_script": str(script), "worker_python": sys.executable, "startup_timeout_s": 60}
    summary = run_infer(tmp_path / "answers.csv", model="worker", items_csv=items, data_dir=upstream_dir,
                        options=options, progress=False, max_consecutive_errors=limit, limit=16, echo=lambda m: None)
    assert summary.n_errors == 16
    errors = list(read_table(tmp_path / "answers.csv", required=())["infer_error"])
    assert "exited with code 7" in errors[0] and "dying on purpose" in errors[0]
    if limit:
        assert summary.stopped is not None and summary.stopped.startswith(f"{STOPPED} model 'worker'")
        assert errors[-1].startswith("not run: ")
    else:  # 0: never stop early; the restart budget still ends the run quickly
        assert summary.stopped is None and "already restarted 2 times" in errors[-1]
