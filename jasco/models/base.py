"""The model protocol and the one registry of models (ALLMs, judges, predictors, backends).

A model answers ``ChatRequest``s (``jasco.models.types``) with ``ModelResult``s, each handed to
the caller's callback as soon as it exists, so the caller can store it crash-safely. The same
protocol serves every role: an ALLM hearing audio, an LLM judge reading text, a predictor
answering with named numbers. A backend (in-process vLLM, transformers, an OpenAI-compatible
server, a worker process) is a model whose ``model_id`` says which weights it serves; an
adapter (``qwen2-audio``, ``voxtral``, ...) picks a backend and a default model id.

Models register in ``MODELS`` by name with a lazy ``"module:attribute"`` target (see
``jasco.models.catalog``), so listing or choosing among them imports no heavy library. A
factory is called as ``factory(model_id=..., **options)``; options come from the command line.
Building a model must not load it: weights load on the first ``generate`` (a rerun whose
results are all stored loads nothing), and ``describe()`` never loads weights or starts a process.
A model whose weights or programs must be on this machine may say so with an optional
``check_available() -> str | None`` (``jasco.models.availability``), asked before any stage spends
anything on it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from jasco.core.registry import Registry
from jasco.models.types import ChatRequest, ResultCallback


class Model(Protocol):
    name: str
    # The most audio parts one request may hold (None: any number). A task whose items carry
    # more is refused before anything is loaded. Optionally, a model may also declare
    # ``max_audio_s``, the longest audio it hears whole (Qwen2-Audio: 30 s); tasks that know their
    # audio durations then refuse or exclude longer items rather than let them be cropped.
    max_audios: int | None

    def describe(self) -> dict[str, Any]:
        """Model id, revision, backend and settings, recorded in manifests.

        The stages key their result stores on parts of it: infer on ``model_id``, ``revision``
        and ``backend`` (with the model's name), judge on ``backend``, ``model``, ``revision`` and
        ``result_settings``. Describing a model must not load it.
        """

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        """Answer every request, calling ``on_result`` once per request as each finishes."""

    def close(self) -> None:
        """Release the model (memory, processes, connections). One that held large objects
        (weights, an engine) runs ``gc.collect()`` here: its callers do not."""


class ModelOptionError(ValueError):
    """A model could not be built from the options given; the message names the model."""


MODELS: Registry[Callable[..., Model]] = Registry("model")


def accepted_options(factory: Callable[..., Any]) -> set[str] | None:
    """The keyword options a factory takes (None: it takes any, through ``**options``)."""
    parameters = inspect.signature(factory).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


def build_model(name: str, options: Mapping[str, Any] | None = None, *, model_id: str | None = None) -> Model:
    """The model registered as ``name``, built with ``options`` (checked against its factory).

    ``model_id`` (the weights to serve) is passed only when given, so a model keeps its default.
    Raises ``UnknownNameError`` for an unknown name and ``ModelOptionError`` for a bad option.
    """
    import jasco.models.catalog  # noqa: F401 - registers the models

    factory = MODELS.load(name)
    options = dict(options or {})
    if model_id is not None:
        if "model_id" in options and options["model_id"] != model_id:
            raise ModelOptionError(f"model {name!r}: model_id is given twice ({model_id!r}, {options['model_id']!r})")
        options["model_id"] = model_id
    accepted = accepted_options(factory)
    if accepted is not None:
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise ModelOptionError(
                f"model {name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(accepted)) or '(none)'}"
            )
    try:
        return factory(**options)
    except TypeError as error:  # an option a class behind the factory does not take
        if "unexpected keyword argument" not in str(error):
            raise
        raise ModelOptionError(f"model {name!r}: {error}") from None
    except ValueError as error:  # a bad value, a missing base URL, ...
        if isinstance(error, ModelOptionError):
            raise
        raise ModelOptionError(f"model {name!r}: {error}") from None


def audio_capacity_error(model: Model, n_audios: int) -> str | None:
    """Why ``model`` cannot take requests with ``n_audios`` audio parts, or None when it can."""
    limit = getattr(model, "max_audios", None)
    if limit is None or n_audios <= limit:
        return None
    return (f"model {model.name!r} takes at most {limit} audio input(s) per request and these items "
            f"have {n_audios}; choose a model that takes {n_audios} audios")
