"""Where jasco finds its own resource files, where datasets land, where a table's audio cell
points, and file names of ids.

Resource files (versioned prompts, dataset hash manifests, judge panels, worker scripts) live at
the top of the repository in a checkout, and inside the package (``jasco/_resources``) in a built
wheel. Datasets live outside the repository (their licences forbid committing them): by default
under the user's cache (``cache_dir()``; ``$XDG_CACHE_HOME`` is honoured), each dataset in a
directory of its own, or wherever ``--data-dir`` says.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = PACKAGE_DIR.parent
# Upstream's example.csv writes audio paths as "{data_folder}/dataset/v0/<id>.wav".
DATA_FOLDER_PLACEHOLDER = "{data_folder}"


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


def cache_dir() -> Path:
    """jasco's cache directory: ``$XDG_CACHE_HOME/jasco`` (default ``~/.cache/jasco``)."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "jasco"


def dataset_dir(name: str, env: str | None = None) -> Path:
    """A dataset's default directory: ``$<env>`` when that variable is set, else the cache's ``name``."""
    value = os.environ.get(env) if env else None
    return Path(value).expanduser() if value else cache_dir() / name


def default_store_path(out: Path) -> Path:
    """A stage's result store beside its output: ``answers.csv`` -> ``answers.csv.store.jsonl``."""
    return out.with_name(out.name + ".store.jsonl")


def resolve_audio_path(value: str, table_path: Path | None, data_dir: Path | None) -> Path | None:
    """A table's audio cell as a normalised path, or None when it names no file.

    ``{data_folder}`` stands for the dataset directory (None when no ``data_dir`` is known);
    another relative path is relative to the table's directory (``table_path``'s parent).
    """
    text = value.strip()
    if not text:
        return None
    if DATA_FOLDER_PLACEHOLDER in text:
        if data_dir is None:
            return None
        text = text.replace(DATA_FOLDER_PLACEHOLDER, str(data_dir))
    path = Path(text).expanduser()
    if not path.is_absolute() and table_path is not None:
        path = Path(table_path).parent / path
    return Path(os.path.normpath(path))
