"""Versioned prompt files under ``prompts/``, rendered with jinja2's StrictUndefined.

A template is named by its path relative to ``prompts/`` (e.g. ``jasco/judge_eval_py.v1.j2``).
A missing variable is an error, never an empty string. Each template's sha256 goes into run
manifests and result-store keys, so editing a prompt can never silently reuse old results.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from jasco.core.paths import prompts_dir


@cache
def _environment(root: str) -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def template_path(name: str) -> Path:
    path = prompts_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"prompt file {name!r} not found under {prompts_dir()}")
    return path


def template_sha256(name: str) -> str:
    return hashlib.sha256(template_path(name).read_bytes()).hexdigest()


def render(name: str, **variables: Any) -> str:
    """Render a prompt template; raises ``jinja2.UndefinedError`` naming any missing variable."""
    template_path(name)
    return str(_environment(str(prompts_dir())).get_template(name).render(**variables))


def load_json(name: str) -> Any:
    """Load a versioned JSON resource (instruction sets, label sets) from ``prompts/``."""
    return json.loads(template_path(name).read_text(encoding="utf-8"))
