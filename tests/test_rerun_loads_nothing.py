"""A rerun of finished work loads nothing (issue 10, section 5): for every registered model, once
its answers are stored, a rerun builds no weights, engine or processor, starts no process and
never calls ``generate``; describing the model (what the store key needs) is enough.

The first run stands the model's ``generate`` in for canned answers (no weights exist here); the
second makes every loader (transformers, vLLM, sentence-transformers) and every new process fail.
A model registered without an entry below fails the test: each new model must prove it too."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import jasco.stages.infer as infer_stage
from jasco.models.base import MODELS, build_model
from jasco.models.catalog import MODELS as _catalog  # noqa: F401 - registrations
from jasco.models.types import ChatRequest, ModelResult, ResultCallback
from jasco.models.worker.process import workers_dir


def _weights(tmp: Path) -> dict[str, Any]:
    folder = tmp / "weights"
    folder.mkdir(exist_ok=True)
    return {"model_id": str(folder)}


def _worker(tmp: Path) -> dict[str, Any]:
    checkpoint = tmp / "checkpoint.pth"
    checkpoint.write_bytes(b"weights")
    return {"worker_python": sys.executable, "checkpoint": str(checkpoint)}


# registered name -> options that build it offline (model ids are local folders, workers point at
# this python); one entry per registered model.
OPTIONS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "qwen2-audio": _weights, "qwen2.5-omni": _weights, "voxtral": _weights, "vllm": _weights, "hf": _weights,
    "salmonn": _worker, "ltu-as": _worker, "wavllm": _worker,
    "worker": lambda tmp: {"worker_script": str(workers_dir() / "jasco_adapter_worker.py"),
                           "worker_args": ["--adapter", "testing-echo"]},
    "openai": lambda tmp: {"model_id": "served-model", "base_url": "http://127.0.0.1:9/v1"},
    **{name: (lambda tmp: {}) for name in ("reference", "audio-only", "speech-only", "describe-only", "similarity",
                                           "fake", "fake-allm", "testing-echo", "dnsmos", "distillmos",
                                           "signal", "fake-alld-allm", "fake-captioner")},
}
EXTRA_BACKENDS = {"qwen2-audio": ({"backend": "transformers"},)}  # its other engine, proved too


def _canned(requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
    for request in requests:
        on_result(ModelResult(index=request.index, text=f"stored answer to {request.item_id}"))


def _forbidden(what: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a stored rerun {what}")

    return fail


@pytest.fixture(scope="module")
def items_csv(tmp_path_factory: pytest.TempPathFactory, upstream_dir: Path) -> Path:
    from jasco.core.table import write_table
    from jasco.tasks.jasco.samples import load_items
    from jasco.tasks.jasco.table import items_to_frame

    path = tmp_path_factory.mktemp("items") / "items.csv"
    write_table(items_to_frame(load_items(upstream_dir)[:3]), path)
    return path


def _forbid_loading(monkeypatch: pytest.MonkeyPatch, started: list[Sequence[str]]) -> None:
    import sentence_transformers
    import transformers
    import vllm

    for name in ("AutoProcessor", "AutoTokenizer", "AutoConfig", "AutoModelForCausalLM", "AutoModelForSeq2SeqLM",
                 "PreTrainedModel", "WhisperFeatureExtractor"):
        monkeypatch.setattr(getattr(transformers, name), "from_pretrained", _forbidden(f"loaded {name}"))
    monkeypatch.setattr(vllm, "LLM", _forbidden("built a vLLM engine"))
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", _forbidden("loaded a sentence encoder"))
    real = subprocess.Popen.__init__

    def popen(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        started.append([str(a) for a in (args if isinstance(args, list | tuple) else [args])])
        real(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", popen)


# roles other than "infer": text judges take no audio; the chat backends serve both roles
ROLES = {"fake": ("judge",), "similarity": ("judge",), "fake-captioner": ("judge",), "vllm": ("infer", "judge"),
         "hf": ("infer", "judge"), "openai": ("infer", "judge")}


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    return [(role, name, extra) for name in MODELS.names() for role in ROLES.get(name, ("infer",))
            for extra in ({}, *EXTRA_BACKENDS.get(name, ()))]


def _answers(items_csv: Path, tmp_path: Path) -> Path:
    from jasco.core.table import read_table, write_table

    path = tmp_path / "to-judge.csv"
    write_table(read_table(items_csv).assign(allm_output="They are building a sandcastle."), path)
    return path


def _run(role: str, name: str, options: dict[str, Any], items_csv: Path, tmp_path: Path,
         check_audio: int = 0) -> tuple[int, int, int]:
    """(from store, generated now, errors) of one infer or judge run."""
    if role == "infer":
        summary = infer_stage.run_infer(tmp_path / "answers.csv", model=name, items_csv=items_csv, options=options,
                                        progress=False, check_audio_items=check_audio)
        return summary.n_from_store, summary.n_generated_now, summary.n_errors
    from jasco.stages.judge.run import run_judge

    judge_options = dict(options)
    judge = str(judge_options.pop("model_id", name))
    result = run_judge(_answers(items_csv, tmp_path), tmp_path / "judged.csv", judge=judge, backend=name,
                       backend_options=judge_options, progress=False)
    return result.n_from_store, result.n_judged_now, result.n_errors


@pytest.mark.parametrize(("role", "name", "extra"), _cases(),
                         ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()))
def test_a_fully_stored_rerun_loads_nothing_and_starts_nothing(
    role: str, name: str, extra: dict[str, Any], items_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jasco.stages.judge.backends as judge_backends

    options = {**OPTIONS[name](tmp_path), **extra}
    where = infer_stage if role == "infer" else judge_backends

    def canned_model(model_name: str, model_options: Any = None, **kwargs: Any) -> Any:
        model = build_model(model_name, model_options, **kwargs)
        model.generate = _canned  # type: ignore[method-assign]
        return model

    monkeypatch.setattr(where, "build_model", canned_model)
    assert _run(role, name, options, items_csv, tmp_path) == (0, 3, 0)

    started: list[Sequence[str]] = []
    built: list[Any] = []

    def guarded_model(model_name: str, model_options: Any = None, **kwargs: Any) -> Any:
        model = build_model(model_name, model_options, **kwargs)
        model.generate = _forbidden("called generate")  # type: ignore[method-assign]
        built.append(model)
        return model

    monkeypatch.setattr(where, "build_model", guarded_model)
    _forbid_loading(monkeypatch, started)
    # --check-audio too: with nothing to generate, the audio check is skipped (it would load the model)
    assert _run(role, name, options, items_csv, tmp_path, check_audio=2) == (3, 0, 0)
    assert [argv for argv in started if argv[:1] != ["git"]] == []  # git: the manifest's commit only
    assert len(built) == 1 and getattr(built[0], "_process", None) is None
