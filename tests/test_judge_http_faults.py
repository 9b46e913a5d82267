"""The openai backend against a fault-injecting HTTP server of the tests' own (127.0.0.1).

The server fails the first attempt of chosen rows in different ways (500, 429 with Retry-After,
a stall past the client timeout, a dropped connection) and always fails one poisoned row. The run
must finish with every other row judged exactly once, the poisoned row unscored with a clear
final error, and a rerun must send nothing but the failed row again.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.judge.run import run_judge
from tests.judge_helpers import answers_frame

STALL_S = 2.5
ROW = re.compile(r"activity number (\d+)\.")


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.lock = threading.Lock()
        self.attempts: Counter[int] = Counter()  # row -> POSTs received
        self.answered: Counter[int] = Counter()  # row -> 200 answers sent
        self.faults: list[tuple[int, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][-1]["content"]
        row = int(ROW.search(text).group(1)) if ROW.search(text) else -1
        with self.server.lock:
            self.server.attempts[row] += 1
            attempt = self.server.attempts[row]
        fault = ("500", "429", "stall", "drop", None)[row % 5] if attempt == 1 else None
        if "POISON" in text:
            fault = "poison"
        if fault:
            self.server.faults.append((row, fault))
        if fault in ("500", "poison"):
            self.reply(500, {"error": "injected server error"})
        elif fault == "429":
            self.reply(429, {"error": "slow down"}, {"Retry-After": "0.2"})
        elif fault == "stall":
            time.sleep(STALL_S)  # the client has given up by now
            self.close_connection = True
        elif fault == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            digest = hashlib.sha256(text.encode()).hexdigest()
            answer = f"Explanation1: ok\nRating: {int(digest, 16) % 3}\nExplanation2: ok\nOrientation: Good"
            with self.server.lock:
                self.server.answered[row] += 1
            self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]})

    def reply(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens here any more


def test_faults_every_row_judged_once_and_a_clear_final_error(
    upstream_dir: Path, fault_server: FaultServer, tmp_path: Path
) -> None:
    frame = answers_frame(upstream_dir, 20)
    frame.loc[13, "allm_output"] = "POISON activity number 13."
    write_table(frame, tmp_path / "in.csv")
    options = {"base_urls": [fault_server.url], "concurrency": 6, "timeout_s": 1.0, "max_retries": 3,
               "backoff_initial_s": 0.05, "backoff_max_s": 0.5}
    started = time.monotonic()
    summary = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="some/judge", backend="openai",
                        backend_options=options, progress=False)
    assert time.monotonic() - started < 30
    kinds = Counter(kind for _, kind in fault_server.faults)
    assert kinds["500"] and kinds["429"] and kinds["stall"] and kinds["drop"] and kinds["poison"] == 4
    assert (summary.n_judged_now, summary.n_errors, summary.n_unscored) == (19, 1, 1)
    assert all(fault_server.answered[row] == 1 for row in range(20) if row != 13)
    assert fault_server.answered[13] == 0 and fault_server.attempts[13] == 4
    out = read_table(tmp_path / "out.csv", required=())
    status = out.loc[13, "parse_status"]
    assert status.startswith("unscored: judge error: POST /chat/completions to http://127.0.0.1:")
    assert "failed after 4 attempts; last error: HTTP 500" in status and "injected server error" in status
    assert set(out.drop(index=13)["parse_status"]) == {"ok"}
    # a rerun sends only the failed row (4 more attempts), nothing else
    before = sum(fault_server.attempts.values())
    again = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="some/judge", backend="openai",
                      backend_options=options, progress=False)
    assert (again.n_from_store, again.n_judged_now, again.n_errors) == (19, 0, 1)
    assert sum(fault_server.attempts.values()) - before == 4


def test_load_spreads_over_urls_and_a_dead_one_is_retried_elsewhere(
    upstream_dir: Path, fault_server: FaultServer, tmp_path: Path
) -> None:
    write_table(answers_frame(upstream_dir, 10).assign(allm_output=lambda f: f["allm_output"].str.replace(
        "activity number", "plan number")), tmp_path / "in.csv")  # no row faults: only the dead URL
    options = {"base_urls": [_dead_url(), fault_server.url], "concurrency": 2, "timeout_s": 2.0,
               "max_retries": 2, "backoff_initial_s": 0.01}
    summary = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="some/judge", backend="openai",
                        backend_options=options, progress=False)
    assert (summary.n_judged_now, summary.n_errors) == (10, 0)
    assert fault_server.answered[-1] == 10


def test_no_base_url_is_a_clear_error(upstream_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jasco.stages.judge.backends import BackendOptionError

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    write_table(answers_frame(upstream_dir, 2), tmp_path / "in.csv")
    with pytest.raises(BackendOptionError, match="no base URL: pass --base-url or set OPENAI_BASE_URL"):
        run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge="j", backend="openai", progress=False)
