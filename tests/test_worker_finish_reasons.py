"""The shipped SALMONN, LTU-AS and WavLLM workers say why generation ended, so an answer cut at
``max_new_tokens`` is a row error (``truncated at max_tokens``) as in every other backend. Before,
they returned bare text: a cut answer was stored and judged as if complete.

The workers run in their models' own environments; what is tested here is the rule each applies to
its model's raw output, on the shapes upstream's ``generate`` returns (without weights)."""

from __future__ import annotations

import pytest

from tests.model_helpers import load_worker_script


@pytest.mark.parametrize(("decoded", "answer", "finish"), [
    ("<s>They are building a sandcastle.</s>", "They are building a sandcastle.", "stop"),
    ("They are building a sandcastle.</s><unk>", "They are building a sandcastle.", "stop"),
    ("</s>", "", "stop"),  # stopped at once: an empty answer, which jasco then reports as such
    ("<s>They are building a sand", "They are building a sand", "length"),  # ran out of max_new_tokens
    ("", "", "length"),
])
def test_salmonn_answer_and_finish_reason(decoded: str, answer: str, finish: str) -> None:
    assert load_worker_script("salmonn_worker.py").split_answer(decoded, "</s>") == (answer, finish)


@pytest.mark.parametrize(("sequence", "finish"), [
    ([1, 10, 11, 12, 20, 21, 2], "stop"),  # prompt [1, 10, 11, 12], answer, </s>
    ([1, 10, 11, 12, 20, 21, 22], "length"),  # three new tokens, the limit, no </s>
    ([1, 10, 11, 12, 2], "stop"),
    ([1, 10, 11, 12, 20], "stop"),  # ended early without </s> (another stopping rule): not cut
    ([1, 10, 11, 12, 20, 2, 0], "stop"),  # padded after </s>
])
def test_ltu_as_finish_reason(sequence: list[int], finish: str) -> None:
    worker = load_worker_script("ltu_as_worker.py")
    assert worker.finish_reason(sequence, 4, worker.EOS_TOKEN_ID, 3) == finish


def test_an_eos_id_inside_the_prompt_does_not_count() -> None:
    worker = load_worker_script("ltu_as_worker.py")
    assert worker.finish_reason([1, 2, 11, 12, 20, 21, 22], 4, worker.EOS_TOKEN_ID, 3) == "length"


@pytest.mark.parametrize(("n_tokens", "max_len_b", "generator_max_len", "finish"), [
    (41, 40, None, "length"),  # the generator forced the end token at step 40: 40 tokens + </s>
    (40, 40, None, "stop"),  # ended on its own one step before the limit
    (12, 40, 1024, "stop"),
    (1024, 4000, 1024, "length"),  # the model's positions cap the limit at 1023
    (1023, 4000, 1024, "stop"),
])
def test_wavllm_finish_reason(n_tokens: int, max_len_b: int, generator_max_len: int | None, finish: str) -> None:
    assert load_worker_script("wavllm_worker.py").finish_reason(n_tokens, max_len_b, generator_max_len) == finish
