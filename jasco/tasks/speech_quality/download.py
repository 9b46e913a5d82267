"""A resumable HTTP download: a ``.part`` file, Range requests, a tqdm progress bar, retries.

Bytes go to ``<target>.part``; when it is complete it is renamed to ``target``. A rerun, or a
retry after a dropped connection, asks for ``Range: bytes=<have>-``: a 206 answer is appended,
a 200 answer (a server that ignores Range) starts the file over, a 416 answer means the part is
already whole. Nothing is ever appended at the wrong offset: a 206 whose Content-Range does not
start at ``have`` is refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any


def download_resumable(url: str, target: Path, *, expected_size: int | None = None, progress: bool = True,
                       retries: int = 5, timeout: float = 60.0, error: type[Exception] = RuntimeError,
                       client: Any = None) -> Path:
    import httpx

    part = target.with_name(target.name + ".part")
    own_client = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        failures: list[str] = []
        while True:
            try:
                total = _one_request(client, url, part, expected_size, progress, error)
            except httpx.TransportError as problem:  # a dropped or refused connection: resume
                failures.append(f"{type(problem).__name__}: {problem}")
                if len(failures) > retries:
                    have = part.stat().st_size if part.exists() else 0
                    raise error(f"could not download {url} ({failures[-1]}); {have} bytes are kept in {part}, "
                                "rerun to resume, or pass a local copy with --source DIR|ZIP") from None
                continue
            if total is not None and part.stat().st_size < total:
                failures.append(f"the server closed the connection at {part.stat().st_size} of {total} bytes")
                if len(failures) > retries:
                    raise error(f"could not download {url} ({failures[-1]}); rerun to resume")
                continue
            os.replace(part, target)
            return target
    finally:
        if own_client:
            client.close()


def _one_request(client: Any, url: str, part: Path, expected_size: int | None, progress: bool,
                 error: type[Exception]) -> int | None:
    """One GET that appends to ``part``; returns the full size when the server told it."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416 and have:
            return _total_from_range(response.headers.get("content-range")) or have
        if response.status_code == 206:
            start, total = _content_range(response.headers.get("content-range"))
            if start != have:
                raise error(f"{url}: asked for bytes from {have}, the server sent them from {start}")
            mode = "ab"
        elif response.status_code == 200:
            have, mode = 0, "wb"  # no Range support: start over
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise error(f"could not download {url}: HTTP {response.status_code}")
        total = total or expected_size
        with open(part, mode) as out, _bar(progress, total, have, url) as bar:
            for block in response.iter_bytes():  # as it arrives: a dropped connection keeps what came
                out.write(block)
                bar.update(len(block))
        return total


def _content_range(header: str | None) -> tuple[int, int | None]:
    match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", header or "")
    if not match:
        return -1, None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) != "*" else None)


def _total_from_range(header: str | None) -> int | None:
    match = re.match(r"bytes \*/(\d+)", header or "")
    return int(match.group(1)) if match else None


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _bar(enabled: bool, total: int | None, initial: int, url: str) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=url.rsplit("/", 1)[-1].split("?", 1)[0])
