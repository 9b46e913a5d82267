"""Can a model be loaded here? Answered without loading or downloading anything.

A model id is loadable when it is a local directory, when the hub cache holds it (the revision
asked for, or any snapshot), or when the model hub answers for it (one small metadata request;
``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` forbid it). Otherwise ``hub_problem`` says why in one
line, so a stage fails before it starts instead of with a loader's traceback after minutes.

A model says what it needs through an optional ``check_available() -> str | None`` method (the
weight-loading backends call ``hub_problem``; workers check their python, script and checkpoint);
``ensure_available`` raises ``ModelUnavailableError`` with that line. Models without the method
(control answers, HTTP endpoints, test doubles) need nothing local.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
HUB_TIMEOUT_S = 10.0


class ModelUnavailableError(RuntimeError):
    """A model cannot be loaded on this machine; the message says which and why, in one line."""


def hub_cache_dir() -> Path:
    """The hub cache as huggingface_hub resolves it (``HF_HUB_CACHE``, ``HF_HOME``/hub, ~/.cache)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def offline_variable() -> str | None:
    """The environment variable that forbids hub access, if one is set."""
    for name in OFFLINE_VARIABLES:
        if os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE"):
            return name
    return None


def in_hub_cache(model_id: str, revision: str | None = None) -> bool:
    """Whether the hub cache holds a snapshot of ``model_id`` (of ``revision`` when given)."""
    folder = hub_cache_dir() / ("models--" + model_id.replace("/", "--"))
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        return False
    if revision:
        return (snapshots / revision).is_dir() or (folder / "refs" / revision).is_file()
    return any(snapshots.iterdir())


def hub_answers(model_id: str, revision: str | None = None, timeout_s: float = HUB_TIMEOUT_S) -> str | None:
    """None when the model hub knows ``model_id`` (one metadata request, no download), else why not."""
    import httpx

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/models/{model_id}" + (f"/revision/{revision}" if revision else "")
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(url, timeout=timeout_s, headers=headers, follow_redirects=True)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return f"the model hub ({endpoint}) cannot be reached: {error or type(error).__name__}"
    if response.status_code == 200:
        return None
    if response.status_code in (401, 403):
        return f"the model hub refuses access to it (HTTP {response.status_code}: gated or private; set HF_TOKEN)"
    return f"the model hub does not know it (HTTP {response.status_code})"


def hub_problem(model_id: str, revision: str | None = None) -> str | None:
    """Why ``model_id`` (a local directory or a hub id) cannot be loaded here, or None when it can."""
    text = str(model_id)
    if Path(text).expanduser().is_dir():
        return None
    if text.startswith(("/", ".", "~")) or not HUB_ID.match(text):
        return f"model {text!r}: no such local directory (and not a model hub id)"
    if in_hub_cache(text, revision):
        return None
    where = f"not a local directory and not in the local hub cache ({hub_cache_dir()})"
    offline = offline_variable()
    if offline:
        return f"model {text!r}: {where}, and {offline} is set; download it first or pass a local directory"
    problem = hub_answers(text, revision)
    if problem:
        return f"model {text!r}: {where}, and {problem}; download it first or pass a local directory"
    return None


def availability_problem(model: Any) -> str | None:
    """What ``model`` says it lacks to load here (None: nothing, or it needs nothing local)."""
    check = getattr(model, "check_available", None)
    return check() if callable(check) else None


def ensure_available(model: Any) -> None:
    problem = availability_problem(model)
    if problem:
        raise ModelUnavailableError(f"{getattr(model, 'name', 'model')}: {problem}")
