"""Newer ALLMs (Qwen2.5-Omni thinker, Voxtral) on tiny random configs, through transformers.

Each adapter is called through the Adapter protocol with real clips: greedy decoding is
deterministic, a batch gives the same tokens as one item at a time, the 48 kHz clip 47 goes
through, and real audio gives other outputs than silence of the same length (the audio reaches
the model). Random weights: garbage text, never content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from jasco.core.audio import load_audio
from jasco.models.base import MODELS as ADAPTERS
from jasco.models.base import Model as Adapter
from jasco.models.catalog import MODELS as _catalog  # noqa: F401
from jasco.models.types import ChatRequest as InferRequest
from jasco.stages.decoding import GenerationSettings
from jasco.tasks.jasco.samples import load_items
from tests.model_helpers import jasco_request, pairs

pytestmark = pytest.mark.slow
SETTINGS = GenerationSettings(max_new_tokens=6)


@pytest.fixture(scope="module")
def requests_(upstream_dir: Path) -> list[InferRequest]:
    wanted = {1: (1,), 5: (3,), 47: (1, 6)}  # clip -> variants; clip 47 is the 48 kHz one
    out = []
    for item in load_items(upstream_dir):
        if item.instruction.variant in wanted.get(item.clip.clip_id, ()):
            audio = load_audio(item.clip.audio_path, item.clip.clip_id)
            out.append(jasco_request(len(out), item.item_id, item.prompt, audio.samples, audio.sample_rate,
                                     item.clip.audio_path, settings=SETTINGS))
    assert any(r.item_id.startswith("47-") for r in out)
    assert load_audio(out[-1].audios[0].path).original_sample_rate == 48_000
    return out


def answers(adapter: Adapter, requests: list[InferRequest]) -> list[str]:
    results = pairs(adapter, requests)
    assert sorted(results) == [r.index for r in requests]
    errors = [error for _, error in results.values() if error]
    assert not errors, errors
    return [str(results[r.index][0]) for r in requests]


def build_omni(directory: Path) -> tuple[str, dict[str, Any]]:
    from jasco.testing.tiny_qwen25_omni import build_tiny_qwen25_omni

    path = build_tiny_qwen25_omni(directory, audio_gain=10.0, init_std=0.5)
    return "qwen2.5-omni", {"model_id": str(path), "dtype": "float32"}


def build_voxtral(directory: Path) -> tuple[str, dict[str, Any]]:
    from jasco.testing.tiny_voxtral import build_tiny_voxtral

    path = build_tiny_voxtral(directory, audio_gain=10.0, init_std=0.5)
    return "voxtral", {"model_id": str(path), "dtype": "float32"}


BUILDERS: dict[str, Callable[[Path], tuple[str, dict[str, Any]]]] = {"qwen2.5-omni": build_omni,
                                                                        "voxtral": build_voxtral}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def adapter(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    name, options = BUILDERS[request.param](tmp_path_factory.mktemp(request.param))
    built = ADAPTERS.load(name)(batch_size=8, **options)
    yield built
    built.close()


def test_describe_names_model_and_revision(adapter: Any) -> None:
    described = adapter.describe()
    assert described["backend"] == "transformers" and described["adapter"] == adapter.name
    assert described["revision"].startswith("local-") and Path(described["model_id"]).is_dir()


@pytest.fixture(scope="module")
def batched(adapter: Any, requests_: list[InferRequest]) -> list[str]:
    """One batched greedy run over all the requests, shared by the tests below."""
    texts = answers(adapter, requests_)
    assert all(texts)
    return texts


def test_greedy_batch_equals_one_by_one(adapter: Any, requests_: list[InferRequest], batched: list[str]) -> None:
    """Also determinism: two runs through different batch shapes give the same greedy tokens."""
    adapter.batch_size = 1
    try:
        single = answers(adapter, requests_)
    finally:
        adapter.batch_size = 8
    assert single == batched


def test_audio_reaches_the_model(adapter: Any, requests_: list[InferRequest], batched: list[str]) -> None:
    real = batched
    silent = answers(adapter, [r.with_audio(0, r.audios[0].silenced()) for r in requests_])
    differing = [r.item_id for r, a, b in zip(requests_, real, silent, strict=True) if a != b]
    assert differing == [r.item_id for r in requests_], (real, silent)


def test_wrong_sample_rate_is_a_row_error(adapter: Any, requests_: list[InferRequest]) -> None:
    bad = requests_[0].with_audio(0, replace(requests_[0].audios[0], sample_rate=48_000))
    results = pairs(adapter, [bad, requests_[1]])
    assert results[bad.index][0] is None and f"item {bad.item_id}" in str(results[bad.index][1])
    assert "48000 Hz" in str(results[bad.index][1])
    assert results[requests_[1].index][1] is None


def test_tiny_omni_behind_the_generic_worker_process(tmp_path: Path, requests_: list[InferRequest]) -> None:
    """A tiny Qwen2.5-Omni served by workers/jasco_adapter_worker.py in a real subprocess answers
    exactly as the in-process adapter (one model only: each worker process costs ~25 s here)."""
    import os

    from jasco.models.worker.process import workers_dir
    from jasco.models.worker.shipped import worker_adapter

    name, options = build_omni(tmp_path)
    chosen = [requests_[0], requests_[-1]]  # includes the 48 kHz clip, resampled by the worker
    local = ADAPTERS.load(name)(batch_size=2, **options)
    try:
        expected, revision = answers(local, chosen), local.describe()["revision"]
    finally:
        local.close()
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]))
    worker = worker_adapter(
        name=f"{name}-worker", worker_script=str(workers_dir() / "jasco_adapter_worker.py"),
        worker_args=["--adapter", name, *[f"--option={k}={v}" for k, v in options.items()]],
        env=env, startup_timeout_s=300, timeout_s=120, model_id=options["model_id"],
    )
    try:
        described = worker.describe()
        assert described["model_id"] == options["model_id"] and worker._process is None  # nothing started yet
        assert answers(worker, chosen) == expected
        assert worker.describe()["worker_revision"] == revision  # its hello: the same weights
    finally:
        worker.close()


def test_omni_thinker_loads_from_the_published_full_checkpoint_layout(tmp_path: Path) -> None:
    """Qwen/Qwen2.5-Omni-7B nests the thinker (config under thinker_config, weights under
    ``thinker.``): the adapter's loader must find the very same weights there."""
    import torch

    from jasco.models.qwen25_omni import load_thinker
    from jasco.testing.tiny_qwen25_omni import as_full_omni_checkpoint, build_tiny_qwen25_omni

    thinker_dir = build_tiny_qwen25_omni(tmp_path / "thinker")
    full_dir = as_full_omni_checkpoint(thinker_dir, tmp_path / "full")
    assert '"thinker_config"' in (full_dir / "config.json").read_text(encoding="utf-8")
    direct = load_thinker(str(thinker_dir), None, "float32", "cpu").state_dict()
    nested = load_thinker(str(full_dir), None, "float32", "cpu").state_dict()
    assert direct.keys() == nested.keys()
    assert all(torch.equal(direct[name], nested[name]) for name in direct)
