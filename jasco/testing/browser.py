"""Drive Debian's headless chromium over the DevTools protocol (CDP) for page tests, no selenium.

``open_page(url)`` starts chromium with a fresh profile and the flags this project's machines need
(no network chatter), loads the page and returns a ``PageResult``: console errors, uncaught
exceptions and failed loads, the value of a JavaScript expression evaluated after load, and a
PNG screenshot. Uses the ``websockets`` package (synchronous client).
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--window-size=1280,1600", "--autoplay-policy=no-user-gesture-required",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageResult:
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    value: Any = None  # the evaluated expression's value
    screenshot: bytes = b""


class _Session:
    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.socket = connect(url, max_size=None, open_timeout=20)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        call_id = self.next_id
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"CDP {method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)
            if message.get("method") == method:
                return message

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.events.append(json.loads(self.socket.recv(timeout=left)))
            except TimeoutError:
                return


def _errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("exception: " + str(details.get("exception", {}).get("description", details.get("text"))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            errors.append(f"load failed: {params.get('errorText')} (request {params.get('requestId')})")
    return errors


def open_page(url: str, expression: str = "null", settle_s: float = 1.5, timeout_s: float = 60.0) -> PageResult:
    """Load ``url`` in headless chromium; evaluate ``expression`` (awaiting a promise) after load."""
    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("chromium is not installed (run scripts/setup-browser.sh)")
    with tempfile.TemporaryDirectory(prefix="jasco-chromium-") as profile:
        process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        )
        try:
            return _drive(process, url, expression, settle_s, timeout_s)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _devtools_port(process: subprocess.Popen[str], timeout_s: float) -> int:
    """Read chromium's stderr on a thread (so a full pipe never blocks it) until the DevTools line."""
    assert process.stderr is not None
    stderr = process.stderr
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    seen: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if match:
            return int(match.group(1))
    raise RuntimeError("chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))


def _drive(process: subprocess.Popen[str], url: str, expression: str, settle_s: float, timeout_s: float) -> PageResult:
    port = _devtools_port(process, timeout_s)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.loads(response.read())
    page = next(target for target in targets if target.get("type") == "page")
    session = _Session(page["webSocketDebuggerUrl"])
    try:
        for domain in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            session.call(domain)
        session.call("Page.navigate", url=url)
        session.wait_for("Page.loadEventFired", timeout=timeout_s)
        session.drain(settle_s)
        evaluated = session.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                                 timeout=timeout_s)
        if "exceptionDetails" in evaluated:
            raise RuntimeError(f"evaluating the check failed: {evaluated['exceptionDetails']}")
        shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        session.drain(0.2)
        return PageResult(errors=_errors(session.events), value=evaluated["result"].get("value"),
                          screenshot=base64.b64decode(shot["data"]))
    finally:
        session.socket.close()
