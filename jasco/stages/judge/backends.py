"""Which model judges, built and released: a judge is a model (``jasco.models``) in the judge role.

``choose_backend``: ``--backend`` if given; else the judge id itself when it names a registered
model (``similarity``, ``fake``); else in-process vLLM. ``load_backend`` builds it (an option it
does not take, a missing base URL, ... is a ``BackendOptionError`` naming the backend and the
judge); ``release`` closes it and gives the memory back before another judge loads.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import Any

from jasco.models.base import MODELS, Model, ModelOptionError, build_model


class JudgeInputError(ValueError):
    """The input cannot be judged; the message names the file, columns or rows."""


class BackendOptionError(ValueError):
    """A judge backend could not be built from the options given; the message names it."""


def choose_backend(judge: str, backend: str | None) -> str:
    """``backend`` if given; else a model registered under the judge's name; else vllm."""
    import jasco.models.catalog  # noqa: F401 - registrations

    if backend:
        MODELS.entry(backend)  # raises naming the known models
        return backend
    if judge in MODELS:
        return judge
    if importlib.util.find_spec("vllm") is not None:
        return "vllm"
    raise JudgeInputError(
        f"no backend given for judge {judge!r} and vllm is not installed; pass --backend "
        f"(one of {', '.join(MODELS.names())}) or install jasco[vllm]"
    )


def load_backend(name: str, judge: str, options: Mapping[str, Any] | None) -> Model:
    """The model ``name`` serving ``judge`` (its own default model when the judge is its name)."""
    try:
        return build_model(name, options, model_id=None if judge == name else judge)
    except ModelOptionError as error:  # an option it does not take, a missing base URL, ...
        raise BackendOptionError(f"judge backend {name!r} for {judge!r}: {error}") from error


def release(backend: Model) -> None:
    """Close a backend and give its memory back before another judge loads.

    A backend that held large objects (an engine, weights) collects garbage in its own ``close``;
    a full collection here would cost a third of a second per call in a process that has imported
    torch and vLLM, even after a backend that held nothing (an HTTP client, a rule)."""
    backend.close()
    torch = sys.modules.get("torch")  # never import torch just for this
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
