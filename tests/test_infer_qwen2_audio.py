"""The tiny random-weight Qwen2-Audio through transformers, the in-process vLLM engine and a real
vLLM OpenAI-compatible server (``input_audio``): greedy answers identical across the three, the
audio check passing on each and failing for a processor call that drops the audio, the 48 kHz
clip through every backend, row errors and reruns with a real model.

The engine is built once for the module; the model and the server are the session's (conftest),
asked for first so the server warms up while the other backends run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jasco.core.audio import load_audio
from jasco.models.check import AudioCheckResult, check_audio
from jasco.models.types import ChatRequest as InferRequest
from jasco.stages.decoding import GenerationSettings
from tests.model_helpers import jasco_request, pairs, results
from tests.server_helpers import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

SETTINGS = GenerationSettings(max_new_tokens=12, accept_truncated=True)  # random weights never stop early
# (clip, instruction variant): clip 47 is the 48 kHz one.
ITEMS = ((1, 1), (2, 5), (47, 1), (47, 6), (12, 3))
MAX_MODEL_LEN = 1024

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


@pytest.fixture(scope="module")
def tiny_model(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def server(qwen2_audio_server: tuple[subprocess.Popen[bytes], str]) -> tuple[subprocess.Popen[bytes], str]:
    """The session's real vLLM OpenAI-compatible server on 127.0.0.1 (conftest), started, not waited for."""
    return qwen2_audio_server


@pytest.fixture(scope="module")
def requests(upstream_dir: Path, server: object) -> list[InferRequest]:
    from jasco.tasks.jasco.samples import load_instructions

    texts = {instruction.variant: instruction.text for instruction in load_instructions()}
    built = []
    for index, (clip, variant) in enumerate(ITEMS):
        audio = load_audio(upstream_dir / "dataset" / "v0" / f"{clip}.wav", clip_id=clip)
        built.append(jasco_request(index, f"{clip}-v{variant}", texts[variant], audio.samples, audio.sample_rate,
                                   audio.path, settings=SETTINGS))
    assert load_audio(built[2].audios[0].path).original_sample_rate == 48_000
    return built


Outputs = tuple[list[str], list[list[int]]]


def answers(adapter: Any, requests: list[InferRequest]) -> Outputs:
    """The adapter's texts and generated token ids for ``requests`` (no errors allowed)."""
    got = results(adapter, requests)
    assert sorted(got) == [r.index for r in requests]
    assert all(result.error is None for result in got.values()), got
    return [got[r.index].text or "" for r in requests], [list(got[r.index].token_ids or ()) for r in requests]


@pytest.fixture(scope="module")
def transformers_adapter(tiny_model: Path) -> Any:
    from jasco.models.qwen2_audio import qwen2_audio

    return qwen2_audio(backend="transformers", model_id=str(tiny_model), batch_size=3, dtype="float32")


@pytest.fixture(scope="module")
def reference(transformers_adapter: Any, requests: list[InferRequest]) -> Outputs:
    """The transformers answers, one item at a time (no padding at all)."""
    texts, tokens = [], []
    for request in requests:
        (text,), (ids,) = answers(transformers_adapter, [request])
        texts.append(text)
        tokens.append(ids)
    assert len({tuple(ids) for ids in tokens}) >= 3 and all(len(ids) > 0 for ids in tokens)
    return texts, tokens


@pytest.fixture(scope="module")
def vllm_outputs(tiny_model: Path, requests: list[InferRequest]) -> tuple[Outputs, AudioCheckResult]:
    from jasco.models.qwen2_audio import qwen2_audio

    adapter = qwen2_audio(backend="vllm", model_id=str(tiny_model), max_model_len=MAX_MODEL_LEN,
                          dtype="float32", enforce_eager=True)
    try:
        assert adapter.describe()["backend"] == "vllm"
        outputs, check = answers(adapter, requests), check_audio(adapter, requests[:3])
        # A prompt longer than max_model_len is that row's error; the rest of the batch goes on.
        first = requests[0].audios[0]
        too_long = jasco_request(7, "too-long", "why " * MAX_MODEL_LEN, first.samples, first.sample_rate, first.path,
                                 settings=SETTINGS)
        got = pairs(adapter, [too_long, requests[1]])
        assert got[7][0] is None and "vLLM rejected the request" in (got[7][1] or "")
        assert got[1] == (outputs[0][1], None)
        return outputs, check
    finally:
        adapter.close()


def test_transformers_batched_matches_one_at_a_time_and_hears_audio(
    transformers_adapter: Any, requests: list[InferRequest], reference: Outputs
) -> None:
    assert answers(transformers_adapter, requests) == reference  # batches of 3, left-padded
    result = check_audio(transformers_adapter, requests[:3])
    assert result.passed, result.message()


def test_a_processor_call_with_the_old_audios_keyword_fails_the_check(
    tiny_model: Path, requests: list[InferRequest]
) -> None:
    from jasco.models.transformers_chat import TransformersChat

    class OldKeyword(TransformersChat):
        audio_keyword = "audios"  # silently ignored by current processors

    deaf = OldKeyword(str(tiny_model), name="qwen2-audio", model_class="AutoModelForSeq2SeqLM", batch_size=6)
    result = check_audio(deaf, requests[:3])
    assert not result.passed and all(p.with_audio == p.with_silence and p.error is None for p in result.pairs)
    assert "identical with the real audio and with silence" in result.message()


def test_vllm_in_process_is_token_identical_to_transformers(
    vllm_outputs: tuple[Outputs, AudioCheckResult], reference: Outputs
) -> None:
    (_texts, tokens), check = vllm_outputs
    assert tokens == reference[1]
    assert check.passed, check.message()


def test_vllm_server_with_input_audio_is_token_identical(
    server: tuple[subprocess.Popen[bytes], str], tiny_model: Path, requests: list[InferRequest],
    reference: Outputs, vllm_outputs: tuple[Outputs, AudioCheckResult],
) -> None:
    from jasco.models.openai_chat import OpenAIChat as OpenAIAudioChat

    process, base_url = server
    wait_healthy(process, base_url)
    adapter = OpenAIAudioChat(str(tiny_model), base_url=base_url, concurrency=4, max_retries=0,
                              return_token_ids=True)
    texts, tokens = answers(adapter, requests)
    assert tokens == reference[1]
    assert texts == vllm_outputs[0][0]  # the same detokenizer as the in-process engine
    result = check_audio(adapter, requests[:3])
    assert result.passed, result.message()


def test_run_with_a_real_model_row_errors_and_rerun_without_loading(
    tmp_path: Path, tiny_model: Path, transformers_adapter: Any, reference: Outputs,
    requests: list[InferRequest], upstream_dir: Path,
) -> None:
    import pandas as pd

    from jasco.core.table import read_table, write_table
    from jasco.models.qwen2_audio import qwen2_audio
    from jasco.stages.infer import run_infer
    from jasco.tasks.jasco.samples import load_items
    from jasco.tasks.jasco.table import items_to_frame

    wanted = {r.item_id for r in requests}
    items = [item for item in load_items(upstream_dir) if item.item_id in wanted]
    frame = items_to_frame(items)
    broken = frame.iloc[[0]].copy()
    (tmp_path / "truncated.wav").write_bytes((upstream_dir / "dataset/v0/3.wav").read_bytes()[:2000])
    broken["audio"], broken["id"] = str(tmp_path / "truncated.wav"), "3"
    items_csv = tmp_path / "items.csv"
    write_table(pd.concat([frame, broken], ignore_index=True), items_csv)

    out = tmp_path / "out.csv"
    summary = run_infer(out, model="qwen2-audio", items_csv=items_csv, settings=SETTINGS, progress=False,
                        adapter=transformers_adapter, check_audio_items=2)
    assert (summary.n_rows, summary.n_generated_now, summary.n_errors) == (6, 5, 1)
    table = read_table(out)
    by_item = {r.item_id: text for r, text in zip(requests, reference[0], strict=True)}
    expected = [by_item[item.item_id] for item in items]
    assert table["allm_output"].tolist()[:5] == expected
    assert table.at[5, "allm_output"] == "" and "truncated audio file" in table.at[5, "infer_error"]
    assert set(table["model"]) == {str(tiny_model)}

    fresh = qwen2_audio(backend="transformers", model_id=str(tiny_model), batch_size=3, dtype="float32")
    again = run_infer(out, model="qwen2-audio", items_csv=items_csv, settings=SETTINGS, progress=False,
                      adapter=fresh)
    assert (again.n_from_store, again.n_generated_now, again.n_errors) == (5, 0, 1)
    assert fresh._model is None  # type: ignore[attr-defined]  # nothing to generate: never loaded
    assert read_table(out)["allm_output"].tolist()[:5] == expected


def test_cli_with_the_transformers_backend_and_the_audio_check(
    tmp_path: Path, tiny_model: Path, upstream_dir: Path, reference: Outputs, requests: list[InferRequest]
) -> None:
    from click.testing import CliRunner

    from jasco.cli import cli
    from jasco.core.table import read_table

    out = tmp_path / "cli.csv"
    args = ["infer", "--model", "qwen2-audio", "--backend", "transformers", "--model-id", str(tiny_model),
            "--dtype", "float32", "--batch-size", "4", "--data-dir", str(upstream_dir), "--limit", "2",
            "--max-new-tokens", str(SETTINGS.max_new_tokens), "--accept-truncated", "--out", str(out), "--check-audio",
            "--check-audio-items", "2", "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "audio check passed for qwen2-audio: 2/2" in result.output and "2 generated now" in result.output
    table = read_table(out)
    assert table.at[0, "allm_output"] == reference[0][0]  # item 1-v1, the same as the adapter gave
    assert requests[0].item_id == "1-v1"
    manifest = out.with_name(out.name + ".manifest.json").read_text(encoding="utf-8")
    assert '"backend": "transformers"' in manifest and str(tiny_model) in manifest
