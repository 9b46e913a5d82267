"""Installing a NISQA-layout corpus: from a directory, a zip, or a download that resumes (local HTTP servers)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jasco.tasks.speech_quality.download import download_resumable
from jasco.tasks.speech_quality.install import (
    ARCHIVE_URL,
    InstallError,
    RemoteFile,
    install_nisqa,
    resolve_remote,
)
from jasco.tasks.speech_quality.licence import LICENCE_FILE
from jasco.tasks.speech_quality.listing import Listing, verify_corpus
from tests.speech_quality_corpus import build_corpus, read_rows


class _Server:
    """Serves ``payload`` at /file (Range if ``ranges``; drops the first answer after ``drop_after``
    bytes) and ``record`` JSON at /api; logs each request's Range header."""

    def __init__(self, payload: bytes, ranges: bool = True, drop_after: int | None = None,
                 record: dict | None = None) -> None:
        self.payload, self.ranges, self.drop_after, self.record = payload, ranges, drop_after, record
        self.requests: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                if self.path == "/api" and server.record is not None:
                    body = json.dumps(server.record).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path != "/file":
                    self.send_error(404)
                    return
                server.requests.append(self.headers.get("Range"))
                start = 0
                match = re.match(r"bytes=(\d+)-", self.headers.get("Range") or "")
                if server.ranges and match:
                    start = int(match.group(1))
                    if start >= len(server.payload):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(server.payload)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(server.payload) - 1}/{len(server.payload)}")
                else:
                    self.send_response(200)
                body = server.payload[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.drop_after is not None:
                    cut, server.drop_after = server.drop_after, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return build_corpus(tmp_path / "source" / "NISQA_Corpus")


def _listing(root: Path) -> Listing:
    return Listing(tuple(sorted(row["filepath_deg"] for row in read_rows(root))))


def _zip(corpus: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(corpus.rglob("*")):
            archive.write(path, Path("NISQA_Corpus") / path.relative_to(corpus))
    return target


def test_install_from_a_directory_is_verified_atomic_and_idempotent(corpus: Path, tmp_path: Path) -> None:
    dest = tmp_path / "installed"
    result = install_nisqa(dest, corpus, listing=_listing(corpus), progress=False)
    assert result.changed and result.dest == dest.resolve()
    assert verify_corpus(dest, _listing(corpus)) == []
    licence = (dest / LICENCE_FILE).read_text()
    assert "non-commercial" in licence.lower() and "4728081" in licence
    again = install_nisqa(dest, corpus, listing=_listing(corpus), progress=False)
    assert not again.changed
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_installing_from_an_installed_copy_never_writes_into_the_source(corpus: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    install_nisqa(first, corpus, listing=_listing(corpus), progress=False)
    (first / LICENCE_FILE).write_text("the source's own licence file")
    install_nisqa(tmp_path / "second", first, listing=_listing(corpus), progress=False)
    assert (first / LICENCE_FILE).read_text() == "the source's own licence file"
    assert "4728081" in (tmp_path / "second" / LICENCE_FILE).read_text()


def test_install_from_a_zip_with_a_top_folder(corpus: Path, tmp_path: Path) -> None:
    archive = _zip(corpus, tmp_path / "NISQA_Corpus.zip")
    dest = tmp_path / "from-zip"
    install_nisqa(dest, archive, listing=_listing(corpus), progress=False)
    assert (dest / "NISQA_corpus_file.csv").is_file() and verify_corpus(dest, _listing(corpus)) == []


def test_a_source_with_a_missing_wav_installs_nothing(corpus: Path, tmp_path: Path) -> None:
    listing = _listing(corpus)
    missing = corpus / read_rows(corpus)[3]["filepath_deg"]
    missing.unlink()
    dest = tmp_path / "never"
    with pytest.raises(InstallError, match=rf"is not the NISQA corpus as listed:\n  .*{missing.name}: file does not"):
        install_nisqa(dest, corpus, listing=listing, progress=False)
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_an_unverified_destination_is_replaced_only_with_force(corpus: Path, tmp_path: Path) -> None:
    dest = tmp_path / "occupied"
    dest.mkdir()
    (dest / "something.txt").write_text("mine")
    with pytest.raises(InstallError, match="rerun with --force"):
        install_nisqa(dest, corpus, listing=_listing(corpus), progress=False)
    assert (dest / "something.txt").read_text() == "mine"
    install_nisqa(dest, corpus, listing=_listing(corpus), force=True, progress=False)
    assert not (dest / "something.txt").exists() and verify_corpus(dest, _listing(corpus)) == []


@pytest.mark.parametrize("source", ["nothing-here", "plain.txt"])
def test_a_source_that_is_no_corpus(tmp_path: Path, source: str) -> None:
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(InstallError, match=source):
        install_nisqa(tmp_path / "d", tmp_path / source, listing=Listing(("A/deg/a.wav",)), progress=False)


def test_download_resumes_after_a_dropped_connection(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 4000
    target = tmp_path / "archive.zip"
    with _Server(payload, drop_after=300_000) as server:
        download_resumable(f"{server.url}/file", target, progress=False)
    assert target.read_bytes() == payload
    assert server.requests[0] is None and server.requests[1] == "bytes=300000-"
    assert not target.with_name("archive.zip.part").exists()


def test_download_continues_a_part_file_from_an_earlier_run(tmp_path: Path) -> None:
    payload = b"0123456789" * 50_000
    target = tmp_path / "archive.zip"
    target.with_name("archive.zip.part").write_bytes(payload[:123_456])
    with _Server(payload) as server:
        download_resumable(f"{server.url}/file", target, progress=False)
    assert target.read_bytes() == payload and server.requests == ["bytes=123456-"]


def test_download_starts_over_where_the_server_ignores_ranges(tmp_path: Path) -> None:
    payload = b"abcdefgh" * 10_000
    target = tmp_path / "archive.zip"
    target.with_name("archive.zip.part").write_bytes(b"stale bytes from somewhere else")
    with _Server(payload, ranges=False) as server:
        download_resumable(f"{server.url}/file", target, progress=False)
    assert target.read_bytes() == payload


def test_download_of_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with _Server(b"x") as server, pytest.raises(InstallError, match="HTTP 404"):
        download_resumable(f"{server.url}/nothing", tmp_path / "a.zip", progress=False, error=InstallError)


def test_install_downloads_checks_the_md5_and_removes_the_archive(corpus: Path, tmp_path: Path) -> None:
    payload = _zip(corpus, tmp_path / "served.zip").read_bytes()
    dest = tmp_path / "downloaded"
    with _Server(payload, drop_after=len(payload) // 2) as server:
        remote = RemoteFile(f"{server.url}/file", len(payload), hashlib.md5(payload).hexdigest())
        install_nisqa(dest, listing=_listing(corpus), remote=remote, progress=False)
    assert verify_corpus(dest, _listing(corpus)) == []
    assert not (tmp_path / "downloaded.download").exists()
    with _Server(payload) as server:
        remote = RemoteFile(f"{server.url}/file", len(payload), "0" * 32)
        with pytest.raises(InstallError, match="md5 differs"):
            install_nisqa(tmp_path / "other", listing=_listing(corpus), remote=remote, progress=False)
    assert not (tmp_path / "other.download" / "NISQA_Corpus.zip").exists()


def test_resolve_remote_reads_the_record_and_falls_back_to_the_plain_url() -> None:
    record = {"files": [{"key": "other.zip", "size": 1, "checksum": "md5:aa", "links": {"self": "x"}},
                        {"key": "NISQA_Corpus.zip", "size": 15_000, "checksum": "md5:" + "b" * 32,
                         "links": {"self": "https://example.org/NISQA_Corpus.zip/content"}}]}
    with _Server(b"", record=record) as server:
        got = resolve_remote(f"{server.url}/api")
        assert got == RemoteFile("https://example.org/NISQA_Corpus.zip/content", 15_000, "b" * 32)
        assert resolve_remote(f"{server.url}/missing") == RemoteFile(ARCHIVE_URL)

