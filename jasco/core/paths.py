"""Where jasco finds its own resource files and the user's dataset.

Resource files (versioned prompts, the dataset hash manifest, judge panels) live at the top of
the repository in a checkout, and inside the package (``jasco/_resources``) in a built wheel.
The dataset lives outside the repository (it is CC BY-NC 4.0 data and is never committed): by
default under the user's cache, or wherever ``--data-dir`` / ``JASCO_DATA_DIR`` says.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = PACKAGE_DIR.parent

DATA_DIR_ENV = "JASCO_DATA_DIR"

# The upstream dataset release this harness is pinned to.
UPSTREAM_REPO = "BenoitWang/What_Are_They_Doing"
UPSTREAM_COMMIT = "e728f83c6014d97a47294ab4810a6390598f8af5"
DATASET_NAME = f"what-are-they-doing-{UPSTREAM_COMMIT[:7]}"


def file_stem(name: str, fallback: str = "unnamed") -> str:
    """A model or judge id as a file name: ``meta-llama/Llama-3.1-70B`` -> ``meta-llama--Llama-3.1-70B``."""
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in name.replace("/", "--"))
    return safe.strip("-.") or fallback


def resource_dir(name: str) -> Path:
    """Return the directory of a resource tree: ``prompts``, ``dataset`` or ``evaluation``."""
    for candidate in (PACKAGE_DIR / "_resources" / name, REPO_DIR / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"jasco resource directory {name!r} not found in {PACKAGE_DIR / '_resources'} "
        f"or {REPO_DIR}; is the installation complete?"
    )


def prompts_dir() -> Path:
    return resource_dir("prompts")


def default_data_dir() -> Path:
    """The dataset directory used when neither ``--data-dir`` nor ``JASCO_DATA_DIR`` is given."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser()
    return cache / "jasco" / DATASET_NAME
