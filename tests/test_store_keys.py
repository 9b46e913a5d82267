"""Store keys: every part of a conversation, the model's options and (for models answering from it)
the item row are in the key (key version 3); see tests/test_stale_results.py for every option and
stamp component end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jasco.core.store import stable_key
from jasco.models.types import AudioPart, ChatRequest, Message, TextPart
from jasco.stages.decoding import GenerationSettings
from jasco.stages.items import infer_key
from jasco.stages.judge.keys import identity

IDENTITY = {"adapter": "qwen2-audio", "model_id": "Qwen/Qwen2-Audio-7B-Instruct", "revision": None, "backend": "vllm",
            "options": {}}
SETTINGS = GenerationSettings(max_new_tokens=12)


def audio(value: float) -> AudioPart:
    return AudioPart(np.full(4, value, dtype=np.float32), 16_000, Path(f"/data/{value}.wav"))


def request(*parts: AudioPart | TextPart, top_logprobs: int = 0, regex: str | None = None) -> ChatRequest:
    return ChatRequest(index=0, item_id="x", messages=(Message("user", tuple(parts)),), top_logprobs=top_logprobs,
                       regex=regex, sampling=SETTINGS.sampling())


def test_every_key_has_version_3_and_old_keys_are_never_reused() -> None:
    """Version 1 (JASCO's audio + instruction) left the model's options out, so a store written
    with another dtype or system prompt served stale answers: no version-3 key equals it."""
    key, version = infer_key(IDENTITY, SETTINGS, request(audio(0.1), TextPart("What are they doing?")), ["ab" * 32],
                             {})
    before = stable_key({"stage": "infer", "key_version": 1, **IDENTITY, "decoding": SETTINGS.as_dict(),
                         "audio_sha256": "ab" * 32, "instruction": "What are they doing?"})
    assert version == 3 and key != before


def test_the_item_row_is_in_the_key_of_a_model_that_answers_from_it() -> None:
    base = request(audio(0.1), TextPart("What are they doing?"))
    row = {"id": "1", "tgt_text": "building a sandcastle"}
    with_row = infer_key(IDENTITY, SETTINGS, base, ["a" * 64], {}, row)
    assert with_row != infer_key(IDENTITY, SETTINGS, base, ["a" * 64], {})
    assert with_row != infer_key(IDENTITY, SETTINGS, base, ["a" * 64], {}, {**row, "tgt_text": "surfing"})
    assert with_row == infer_key(IDENTITY, SETTINGS, base, ["a" * 64], {}, dict(row))


def test_every_part_of_another_conversation_is_in_its_key() -> None:
    base = request(audio(0.1), audio(0.2), TextPart("Which is higher?"))
    key, version = infer_key(IDENTITY, SETTINGS, base, ["a" * 64, "b" * 64], {})
    assert version == 3
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
        infer_key({**IDENTITY, "options": {"dtype": "float16"}}, SETTINGS, base, ["a" * 64, "b" * 64], {}),
    ]
    keys = {key, *(k for k, _ in variants)}
    assert len(keys) == len(variants) + 1
    # the samples themselves are not the key: their sha256 is (the same file, the same key)
    same = infer_key(IDENTITY, SETTINGS, request(audio(0.9), audio(0.2), TextPart("Which is higher?")),
                     ["a" * 64, "b" * 64], {})
    assert same == (key, 3)


def test_judge_keys_name_the_backend_the_judge_runs_on() -> None:
    """transformers describes itself as such, but a judge chosen as ``--backend hf`` keeps the
    ``hf`` of stores written before the model layer; a model instance with no name uses its own."""
    described = {"backend": "transformers", "model": "m", "revision": None, "result_settings": {"dtype": "auto"}}
    assert identity(described, "m", "hf") == {"backend": "hf", "model": "m", "revision": None,
                                              "result_settings": {"dtype": "auto"}, "options": {}}
    assert identity(described, "m", None)["backend"] == "transformers"
