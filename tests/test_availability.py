"""Whether a model id can be loaded here, answered without loading or downloading anything: a
local directory, the hub cache, or one metadata request to a (here: local, real) model hub."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from jasco.models.availability import ModelUnavailableError, ensure_available, hub_problem
from jasco.models.base import build_model
from tests.server_helpers import free_port

KNOWN = "/api/models/org/known"


class Hub(BaseHTTPRequestHandler):
    """A model hub that knows one model and records every path asked for."""

    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Hub.asked.append(self.path)
        self.send_response(200 if self.path == KNOWN else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    Hub.asked.clear()
    try:
        yield endpoint
    finally:
        server.shutdown()


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hub-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return cache


def test_a_local_directory_is_available(tmp_path: Path) -> None:
    assert hub_problem(str(tmp_path)) is None
    problem = hub_problem(str(tmp_path / "no-such-dir"))
    assert problem is not None and "no such local directory" in problem


def test_the_hub_cache_is_read_without_any_request(empty_cache: Path, hub: str) -> None:
    (empty_cache / "models--org--cached" / "snapshots" / "abc123").mkdir(parents=True)
    (empty_cache / "models--org--cached" / "refs").mkdir()
    (empty_cache / "models--org--cached" / "refs" / "main").write_text("abc123")
    assert hub_problem("org/cached") is None
    assert hub_problem("org/cached", "abc123") is None and hub_problem("org/cached", "main") is None
    assert Hub.asked == []
    problem = hub_problem("org/cached", "other-revision")  # not cached: the hub is asked for that revision
    assert problem is not None and "does not know it (HTTP 404)" in problem
    assert Hub.asked == ["/api/models/org/cached/revision/other-revision"]


def test_the_hub_is_asked_once_for_metadata_only(hub: str) -> None:
    assert hub_problem("org/known") is None
    problem = hub_problem("org/unknown")
    assert problem is not None and "'org/unknown'" in problem and "HTTP 404" in problem
    assert Hub.asked == [KNOWN, "/api/models/org/unknown"]


def test_offline_or_unreachable_hub_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    problem = hub_problem("org/model")
    assert problem is not None and "cannot be reached" in problem and "\n" not in problem
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    problem = hub_problem("org/model")
    assert problem is not None and "HF_HUB_OFFLINE is set" in problem and "local hub cache" in problem


def test_models_that_load_weights_say_what_they_lack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name, options in [("hf", {"model_id": "org/absent"}), ("qwen2-audio", {"backend": "transformers"}),
                          ("voxtral", {}), ("qwen2.5-omni", {})]:
        model = build_model(name, options)  # building loads nothing
        with pytest.raises(ModelUnavailableError, match=f"^{name}: model '.*': not a local directory"):
            ensure_available(model)
    ensure_available(build_model("hf", {"model_id": str(tmp_path)}))  # a local directory: fine
    ensure_available(build_model("reference"))  # needs nothing local
