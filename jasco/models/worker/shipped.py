"""Factories of worker models: ``worker`` (any worker script) and the shipped SALMONN, LTU-AS and
WavLLM workers (``workers/``), each taking one audio per request. See ``workers/README.md``.

Each factory declares what names its results (``WorkerIdentity``) without starting anything: the
shipped workers their model id (SALMONN: the variant's release and the checkpoint file, e.g.
``tsinghua-ee/SALMONN-7B:salmonn_7b_v0.pth``), which the worker's hello must repeat; ``worker`` its
``model_id`` option, else ``worker:<script name>``.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jasco.models.worker.identity import WorkerIdentity
from jasco.models.worker.model import WorkerModel
from jasco.models.worker.process import WorkerSpec, workers_dir
from jasco.models.worker.salmonn import DEFAULT_SALMONN_VARIANT, salmonn_variant


def _split_args(worker_args: str | Sequence[str] | None) -> list[str]:
    if worker_args is None:
        return []
    if isinstance(worker_args, str):
        return shlex.split(worker_args)
    return [str(arg) for arg in worker_args]


def worker_adapter(
    name: str = "worker",
    worker_script: str | None = None,
    worker_python: str | None = None,
    checkpoint: str | None = None,
    worker_args: str | Sequence[str] | None = None,
    worker_cwd: str | None = None,
    timeout_s: float = 600.0,
    startup_timeout_s: float = 1800.0,
    max_restarts: int = 2,
    max_in_flight: int = 1,
    max_audios: int = 1,
    env: Mapping[str, str] | None = None,
    model_id: str | None = None,
    revision: str | None = None,
) -> WorkerModel:
    """Factory for any worker: ``worker_script`` is required (see workers/README.md);
    ``max_audios``: audio inputs per request the worker takes (its hello must allow as many);
    ``model_id``: the model it serves (its hello must name it; default ``worker:<script name>``);
    ``revision``: what pins its weights (default: computed from the checkpoint, script and arguments)."""
    if not worker_script:
        raise ValueError(f"{name}: pass worker_script (the worker program to run)")
    script = Path(worker_script).expanduser()
    if not script.is_file():
        raise ValueError(f"{name}: worker script {script} does not exist")
    python = worker_python or sys.executable
    args = [*(["--checkpoint", str(checkpoint)] if checkpoint else []), *_split_args(worker_args)]
    spec = WorkerSpec(label=f"{name} ({script.name}, python {python})", python=python, script=str(script),
                      args=args, cwd=worker_cwd, env=env)
    identity = WorkerIdentity(model_id or f"worker:{script.name}", spec, checkpoint=checkpoint,
                              declared=model_id is not None, revision=revision)
    return WorkerModel(name, spec, timeout_s=timeout_s, startup_timeout_s=startup_timeout_s,
                       max_restarts=max_restarts, max_in_flight=max_in_flight, max_audios=max_audios,
                       identity=identity)


def _need_python(name: str, worker_python: str | None) -> str:
    if not worker_python:
        raise ValueError(
            f"{name}: pass worker_python, the python of the environment where {name} is installed "
            f"(see workers/README.md); the worker cannot run in jasco's own environment"
        )
    return worker_python


def _shipped_factory(name: str, script: str, model_id: str, summary: str) -> Callable[..., WorkerModel]:
    """A factory for one of the shipped single-audio workers; its keyword arguments are the options."""

    def factory(
        worker_python: str | None = None, worker_script: str | None = None, checkpoint: str | None = None,
        worker_args: str | Sequence[str] | None = None, worker_cwd: str | None = None,
        timeout_s: float = 600.0, startup_timeout_s: float = 1800.0, max_restarts: int = 2,
        max_in_flight: int = 1,
    ) -> WorkerModel:
        return worker_adapter(
            name=name, worker_script=worker_script or str(workers_dir() / script),
            worker_python=_need_python(name, worker_python), checkpoint=checkpoint, worker_args=worker_args,
            worker_cwd=worker_cwd, timeout_s=timeout_s, startup_timeout_s=startup_timeout_s,
            max_restarts=max_restarts, max_in_flight=max_in_flight, model_id=model_id,
        )

    factory.__name__ = factory.__qualname__ = name.replace("-", "_")
    factory.__doc__ = summary
    return factory


def salmonn(
    worker_python: str | None = None, worker_script: str | None = None, checkpoint: str | None = None,
    variant: str = DEFAULT_SALMONN_VARIANT, worker_args: str | Sequence[str] | None = None,
    worker_cwd: str | None = None, timeout_s: float = 600.0, startup_timeout_s: float = 1800.0,
    max_restarts: int = 2, max_in_flight: int = 1,
) -> WorkerModel:
    """SALMONN (bytedance/SALMONN) in its own environment via workers/salmonn_worker.py; ``variant``
    7b (the paper's SALMONN-7B: vicuna-7b-v1.5, salmonn_7b_v0.pth; the default) or 13b (v1)."""
    python = _need_python("salmonn", worker_python)
    chosen = salmonn_variant(variant)
    if not checkpoint:
        raise ValueError(f"salmonn: pass checkpoint, the {chosen.checkpoint} of {chosen.release} "
                         f"(variant {variant}; see workers/README.md)")
    return worker_adapter(
        name="salmonn", worker_script=worker_script or str(workers_dir() / "salmonn_worker.py"),
        worker_python=python, checkpoint=checkpoint,
        worker_args=["--variant", chosen.name, *_split_args(worker_args)], worker_cwd=worker_cwd,
        timeout_s=timeout_s, startup_timeout_s=startup_timeout_s, max_restarts=max_restarts,
        max_in_flight=max_in_flight, model_id=chosen.model_id(checkpoint),
    )


ltu_as = _shipped_factory("ltu-as", "ltu_as_worker.py", "YuanGongND/ltu-as",
                          "LTU-AS (YuanGongND/ltu) in its own environment via workers/ltu_as_worker.py.")
wavllm = _shipped_factory("wavllm", "wavllm_worker.py", "microsoft/WavLLM",
                          "WavLLM (microsoft/SpeechT5) in its own environment via workers/wavllm_worker.py.")
