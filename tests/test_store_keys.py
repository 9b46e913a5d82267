"""Store keys under the task and model layer: JASCO's keys are the ones stores were written with
before it (so existing stores keep working); any other conversation's key covers every part."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jasco.core.store import stable_key
from jasco.models.types import AudioPart, ChatRequest, Message, TextPart
from jasco.stages.decoding import GenerationSettings
from jasco.stages.items import infer_key
from jasco.stages.judge.keys import identity

IDENTITY = {"adapter": "qwen2-audio", "model_id": "Qwen/Qwen2-Audio-7B-Instruct", "revision": None, "backend": "vllm"}
SETTINGS = GenerationSettings(max_new_tokens=12)


def audio(value: float) -> AudioPart:
    return AudioPart(np.full(4, value, dtype=np.float32), 16_000, Path(f"/data/{value}.wav"))


def request(*parts: AudioPart | TextPart, top_logprobs: int = 0, regex: str | None = None) -> ChatRequest:
    return ChatRequest(index=0, item_id="x", messages=(Message("user", tuple(parts)),), top_logprobs=top_logprobs,
                       regex=regex, sampling=SETTINGS.sampling())


def test_a_jasco_request_keeps_the_key_of_stores_written_before_the_task_layer() -> None:
    key, version = infer_key(IDENTITY, SETTINGS, request(audio(0.1), TextPart("What are they doing?")), ["ab" * 32],
                             {})
    # The formula of jasco/infer/run.py store_key (key version 1), written out by hand.
    before = stable_key({"stage": "infer", "key_version": 1, **IDENTITY, "decoding": SETTINGS.as_dict(),
                         "audio_sha256": "ab" * 32, "instruction": "What are they doing?"})
    assert (key, version) == (before, 1)


def test_every_part_of_another_conversation_is_in_its_key() -> None:
    base = request(audio(0.1), audio(0.2), TextPart("Which is higher?"))
    key, version = infer_key(IDENTITY, SETTINGS, base, ["a" * 64, "b" * 64], {})
    assert version == 2
    variants = [
        infer_key(IDENTITY, SETTINGS, base, ["a" * 64, "c" * 64], {}),  # the second audio's content
        infer_key(IDENTITY, SETTINGS, base, ["b" * 64, "a" * 64], {}),  # the audios' order
        infer_key(IDENTITY, SETTINGS, request(audio(0.1), audio(0.2), TextPart("Which is lower?")),
                  ["a" * 64, "b" * 64], {}),
        infer_key(IDENTITY, SETTINGS, request(audio(0.1), audio(0.2), TextPart("Which is higher?"), top_logprobs=5),
                  ["a" * 64, "b" * 64], {}),
        infer_key(IDENTITY, SETTINGS, request(audio(0.1), audio(0.2), TextPart("Which is higher?"), regex="[12]"),
                  ["a" * 64, "b" * 64], {}),
        infer_key(IDENTITY, SETTINGS, base, ["a" * 64, "b" * 64], {"score_mode": "expected"}),
        infer_key(IDENTITY, GenerationSettings(max_new_tokens=13), base, ["a" * 64, "b" * 64], {}),
        infer_key({**IDENTITY, "revision": "abc"}, SETTINGS, base, ["a" * 64, "b" * 64], {}),
    ]
    keys = {key, *(k for k, _ in variants)}
    assert len(keys) == len(variants) + 1
    # the samples themselves are not the key: their sha256 is (the same file, the same key)
    same = infer_key(IDENTITY, SETTINGS, request(audio(0.9), audio(0.2), TextPart("Which is higher?")),
                     ["a" * 64, "b" * 64], {})
    assert same == (key, 2)
    # a single-audio request with a task option that changes answers is not JASCO's shape
    assert infer_key(IDENTITY, SETTINGS, request(audio(0.1), TextPart("q")), ["a" * 64], {"mode": "x"})[1] == 2


def test_judge_keys_name_the_backend_the_judge_runs_on() -> None:
    """transformers describes itself as such, but a judge chosen as ``--backend hf`` keeps the
    ``hf`` of stores written before the model layer; a model instance with no name uses its own."""
    described = {"backend": "transformers", "model": "m", "revision": None, "result_settings": {"dtype": "auto"}}
    assert identity(described, "m", "hf") == {"backend": "hf", "model": "m", "revision": None,
                                              "result_settings": {"dtype": "auto"}}
    assert identity(described, "m", None)["backend"] == "transformers"
