"""Benchmark: the infer stage's vLLM backend (one batched submission) against transformers one
item at a time, on the tiny random-weight Qwen2-Audio, the same items, in one run.

Not a test. Run from the repository root::

    PYTHONPATH=$PWD python benchmarks/infer_speed.py --items 32 --max-new-tokens 32

It prints both wall times (model loading and a one-item warm-up excluded) and their ratio, and
checks that both backends produced the same generated token ids.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("JASCO_TEST_DATA", "../shared/jasco")))
    args = parser.parse_args()
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

    from jasco.core.audio import load_audio
    from jasco.models.transformers_chat import TransformersChat
    from jasco.models.types import AudioPart, ChatRequest, Message, ModelResult, Sampling, TextPart
    from jasco.models.vllm_chat import VllmChat
    from jasco.tasks.jasco.samples import load_items
    from jasco.testing.tiny_audio import build_tiny_qwen2_audio

    items = load_items(args.data_dir)[: args.items]
    audio = {item.clip.audio_path: load_audio(item.clip.audio_path, item.clip.clip_id) for item in items}
    sampling = Sampling(max_tokens=args.max_new_tokens)
    requests = [
        ChatRequest(index=i, item_id=item.item_id, sampling=sampling, messages=(Message("user", (
            AudioPart(audio[item.clip.audio_path].samples, 16_000, item.clip.audio_path), TextPart(item.prompt))),))
        for i, item in enumerate(items)
    ]
    vllm_tokens: dict[int, object] = {}
    hf_tokens: dict[int, object] = {}

    def sink(into: dict[int, object]) -> Callable[[ModelResult], None]:
        return lambda result: into.__setitem__(result.index, result.token_ids)

    with tempfile.TemporaryDirectory() as directory:
        model = str(build_tiny_qwen2_audio(directory))
        vllm = VllmChat(model, name="qwen2-audio", max_model_len=2048, dtype="float32", enforce_eager=True)
        vllm.generate(requests[:1], sink({}))  # build the engine, warm up
        start = time.perf_counter()
        vllm.generate(requests, sink(vllm_tokens))
        vllm_s = time.perf_counter() - start
        vllm.close()

        hf = TransformersChat(model, name="qwen2-audio", model_class="AutoModelForSeq2SeqLM", dtype="float32",
                              batch_size=1)
        hf.generate(requests[:1], sink({}))
        start = time.perf_counter()
        for request in requests:  # one item at a time
            hf.generate([request], sink(hf_tokens))
        hf_s = time.perf_counter() - start

    same = sum(vllm_tokens.get(i) == hf_tokens.get(i) for i in range(len(requests)))
    print(f"items: {len(requests)}, max_new_tokens: {args.max_new_tokens}, cpu cores: {os.cpu_count()}")
    print(f"vLLM batched:                  {vllm_s:7.2f} s")
    print(f"transformers one at a time:    {hf_s:7.2f} s")
    print(f"ratio (transformers / vLLM):   {hf_s / vllm_s:7.1f}x")
    print(f"token-identical answers:       {same}/{len(requests)}")


if __name__ == "__main__":
    main()
