"""Two audios in one prompt on the tiny random-weight Qwen2-Audio: transformers, the in-process vLLM
engine (``limit_mm_per_prompt`` sized to the requests), a real vLLM OpenAI-compatible server
(``input_audio`` parts) and the worker protocol give the same greedy tokens; the audio check
silences each audio slot in turn; top logprobs agree across backends; and the two-audio test task
runs expand -> infer -> score -> report through ``jasco run``.

The engine is built once for the module; the model and the server are the session's (conftest),
asked for first so the server warms up while the other backends run.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from jasco.models.check import check_audio
from jasco.models.types import AudioPart, ChatRequest, Message, Sampling, TextPart
from tests.model_helpers import results
from tests.server_helpers import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

REPO = Path(__file__).resolve().parents[1]
MAX_MODEL_LEN = 1024
SAMPLING = Sampling(max_tokens=10)
# (first clip, second clip): clip 47 is the 48 kHz one.
PAIRS = ((1, 2), (47, 5), (12, 3), (5, 47))
QUESTION = "Audio 1 and Audio 2 are two recordings. Which one has people talking outdoors? Answer 1 or 2."

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


@pytest.fixture(scope="module")
def tiny_model(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def server(qwen2_audio_server: tuple[subprocess.Popen[bytes], str]) -> tuple[subprocess.Popen[bytes], str]:
    """The session's real vLLM OpenAI-compatible server (conftest), two audios per prompt, not waited for."""
    return qwen2_audio_server


@pytest.fixture(scope="module")
def requests(upstream_dir: Path, server: object) -> list[ChatRequest]:
    from jasco.core.audio import load_audio

    def part(clip: int) -> AudioPart:
        audio = load_audio(upstream_dir / "dataset" / "v0" / f"{clip}.wav", clip_id=clip)
        return AudioPart(audio.samples, audio.sample_rate, audio.path)

    return [
        ChatRequest(index=i, item_id=f"{a}+{b}", sampling=SAMPLING,
                    messages=(Message("user", (part(a), part(b), TextPart(QUESTION))),))
        for i, (a, b) in enumerate(PAIRS)
    ]


Outputs = tuple[list[str], list[list[int]]]


def outputs(model: Any, requests: list[ChatRequest]) -> Outputs:
    got = results(model, requests)
    assert sorted(got) == [r.index for r in requests] and all(r.error is None for r in got.values()), got
    return [got[r.index].text or "" for r in requests], [list(got[r.index].token_ids or ()) for r in requests]


@pytest.fixture(scope="module")
def transformers_model(tiny_model: Path) -> Any:
    from jasco.models.qwen2_audio import qwen2_audio

    return qwen2_audio(backend="transformers", model_id=str(tiny_model), batch_size=3, dtype="float32")


@pytest.fixture(scope="module")
def reference(transformers_model: Any, requests: list[ChatRequest]) -> Outputs:
    """The transformers answers, one request at a time (no padding at all)."""
    texts, tokens = [], []
    for request in requests:
        (text,), (ids,) = outputs(transformers_model, [request])
        texts.append(text)
        tokens.append(ids)
    assert len({tuple(ids) for ids in tokens}) >= 3 and all(tokens)
    return texts, tokens


@pytest.fixture(scope="module")
def vllm_model(tiny_model: Path) -> Iterator[Any]:
    from jasco.models.qwen2_audio import qwen2_audio

    model = qwen2_audio(backend="vllm", model_id=str(tiny_model), max_model_len=MAX_MODEL_LEN, dtype="float32",
                        enforce_eager=True)
    yield model
    model.close()


def test_transformers_two_audios_batched_and_each_slot_heard(
    transformers_model: Any, requests: list[ChatRequest], reference: Outputs
) -> None:
    assert outputs(transformers_model, requests) == reference  # batches of 3, left-padded
    result = check_audio(transformers_model, requests[:3])
    assert result.passed and len(result.slots) == 2, result.message()
    assert "audio 1: " in result.message() and "audio 2: " in result.message()


def test_a_template_that_drops_the_second_audio_fails_the_slot_check(
    transformers_model: Any, requests: list[ChatRequest]
) -> None:
    """Only the first audio part reaches the model: the check must name audio 2."""

    class FirstAudioOnly:
        name, max_audios = "first-only", None

        def generate(self, batch: list[ChatRequest], on_result: Any) -> None:
            trimmed = []
            for request in batch:
                (message,) = request.messages
                parts = tuple(p for k, p in enumerate(message.parts) if k != 1)  # drop audio part 2
                trimmed.append(replace(request, messages=(Message("user", parts),)))
            transformers_model.generate(trimmed, on_result)

    result = check_audio(FirstAudioOnly(), requests[:3])  # type: ignore[arg-type]
    assert not result.passed
    assert "audio 2: all 3 answers are identical with the real audio and with silence" in result.message()
    assert all(pair.differs for pair in result.slots[0])


def test_vllm_in_process_two_audios_token_identical(vllm_model: Any, requests: list[ChatRequest],
                                                    reference: Outputs) -> None:
    _texts, tokens = outputs(vllm_model, requests)
    assert tokens == reference[1]
    assert vllm_model.describe()["engine_options"]["limit_mm_per_prompt"] == {"audio": 2}  # sized to the requests
    result = check_audio(vllm_model, requests[:3])
    assert result.passed, result.message()
    three = replace(requests[0], index=9, messages=(Message("user", (*requests[0].audios, requests[1].audios[0],
                                                                     TextPart(QUESTION))),))
    (error,) = [r.error for r in results(vllm_model, [three]).values()]
    assert error is not None and "at most 2 audio(s) per prompt" in error


def test_vllm_server_input_audio_two_audios_token_identical(
    server: tuple[subprocess.Popen[bytes], str], tiny_model: Path, requests: list[ChatRequest],
    reference: Outputs, vllm_model: Any,
) -> None:
    from jasco.models.openai_chat import OpenAIChat

    process, base_url = server
    wait_healthy(process, base_url)
    model = OpenAIChat(str(tiny_model), base_url=base_url, concurrency=4, max_retries=0, return_token_ids=True)
    texts, tokens = outputs(model, requests)
    assert tokens == reference[1]
    assert texts == outputs(vllm_model, requests)[0]  # the same detokenizer as the in-process engine
    result = check_audio(model, requests[:3])
    assert result.passed and len(result.slots) == 2, result.message()


def test_top_logprobs_and_finish_reasons_agree_across_backends(
    server: tuple[subprocess.Popen[bytes], str], tiny_model: Path, requests: list[ChatRequest],
    transformers_model: Any, vllm_model: Any,
) -> None:
    from jasco.models.openai_chat import OpenAIChat

    process, base_url = server
    wait_healthy(process, base_url)
    asked = [replace(r, top_logprobs=3) for r in requests[:2]]
    http = OpenAIChat(str(tiny_model), base_url=base_url, concurrency=2, max_retries=0)
    by_backend = {name: results(model, asked) for name, model in
                  (("vllm", vllm_model), ("openai", http), ("transformers", transformers_model))}
    for index in (0, 1):
        first = by_backend["vllm"][index]
        assert first.logprobs is not None and first.n_tokens == len(first.logprobs) == len(first.token_ids or ())
        for name, got in by_backend.items():
            result = got[index]
            assert result.logprobs is not None, name
            assert result.finish_reason == first.finish_reason, name
            plain = [(mine.token, theirs.token) for mine, theirs in zip(result.logprobs, first.logprobs, strict=True)
                     if theirs.token and "\ufffd" not in mine.token + theirs.token]  # whole characters only
            assert plain and all(mine == theirs for mine, theirs in plain), (name, plain)
            if name == "openai":  # the same engine's detokenizer: every token reads the same
                assert [p.token for p in result.logprobs] == [p.token for p in first.logprobs]
            for mine, theirs in zip(result.logprobs, first.logprobs, strict=True):
                assert mine.logprob == pytest.approx(theirs.logprob, abs=2e-3), name
                assert len(mine.top) >= 3 and mine.top[0][1] >= mine.top[-1][1], name
                assert mine.top[0][1] == pytest.approx(mine.logprob, abs=2e-3), name  # greedy: the best token
    reasons = {r.finish_reason for got in by_backend.values() for r in got.values()}
    assert reasons <= {"stop", "length"} and reasons


def test_two_audios_through_the_worker_protocol(tiny_model: Path, requests: list[ChatRequest],
                                                reference: Outputs) -> None:
    """workers/jasco_adapter_worker.py serving the tiny model in a real subprocess, protocol 2."""
    from jasco.models.worker.process import workers_dir
    from jasco.models.worker.shipped import worker_adapter

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    options = ["backend=transformers", f"model_id={tiny_model}", "dtype=float32"]
    worker = worker_adapter(name="qwen2-audio-worker", worker_script=str(workers_dir() / "jasco_adapter_worker.py"),
                            worker_args=["--adapter", "qwen2-audio", *[f"--option={o}" for o in options]],
                            env=env, startup_timeout_s=300, timeout_s=120, max_audios=2)
    try:
        got = results(worker, requests[:2])
        assert worker.describe()["worker_protocol"] == 2
    finally:
        worker.close()
    assert [got[i].text for i in (0, 1)] == reference[0][:2]


def test_each_request_keeps_its_own_sampling_in_one_batch(
    transformers_model: Any, vllm_model: Any, requests: list[ChatRequest]
) -> None:
    """Several decoding settings in one submission (as ALLD's caption passes need): each request is
    answered with its own, exactly as when it is asked alone."""
    mixed = [replace(requests[0], sampling=Sampling(max_tokens=3)),
             replace(requests[1], index=1, sampling=Sampling(max_tokens=7)),
             replace(requests[2], index=2, sampling=Sampling(max_tokens=5, temperature=0.8, seed=3))]
    for model in (transformers_model, vllm_model):
        together = results(model, mixed)
        for request in mixed:
            alone = results(model, [request])[request.index]
            got = together[request.index]
            assert got.token_ids == alone.token_ids and got.text == alone.text, model.name
            assert got.n_tokens is not None and got.n_tokens <= request.sampling.max_tokens
            assert (got.finish_reason == "length") == (got.n_tokens == request.sampling.max_tokens)


def test_the_two_audio_test_task_runs_end_to_end_on_vllm(tiny_model: Path, tmp_path: Path) -> None:
    """Last in the module: the CLI builds and closes an engine of its own, and closing an in-process
    engine tears down vLLM's process-wide parallel state under any engine still open."""
    from click.testing import CliRunner

    from jasco.cli import cli

    tones = tmp_path / "tones"
    assert CliRunner().invoke(cli, ["data", "fetch", "--dataset", "testing-tones", "--dest", str(tones)]).exit_code == 0
    engine = ["--option", "enforce_eager=true", "--option", f"max_model_len={MAX_MODEL_LEN}",
              "--option", "dtype=float32"]
    result = CliRunner().invoke(cli, [
        "run", "--task", "testing-pairs", "--model", "qwen2-audio", "--backend", "vllm", "--model-id",
        str(tiny_model), *engine, "--data-dir", str(tones), "--pairs", "8", "--max-new-tokens", "6",
        "--accept-truncated",
        "--check-audio", "--bootstrap", "20", "--out", str(tmp_path / "run"), "--no-progress",
    ])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    (entry,) = report["results"]
    assert entry["model"] == str(tiny_model) and entry["n_rows"] == 8
    assert entry["n_scored"] + entry["n_unscored"] == 8
    answers = (tmp_path / "run" / "answers" / "qwen2-audio.csv").read_text()
    assert answers.splitlines()[0] == "id,audio_a,audio_b,freq_a,freq_b,expected,answer,model,infer_error"
    manifest = json.loads((tmp_path / "run" / "answers" / "qwen2-audio.csv.manifest.json").read_text())
    assert manifest["store_key_version"] == 3 and manifest["arguments"]["task"] == "testing-pairs"
    assert manifest["adapter"]["engine_options"]["limit_mm_per_prompt"] == {"audio": 2}
