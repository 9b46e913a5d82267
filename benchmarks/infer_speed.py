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
    from jasco.models.base import GenerationSettings, InferRequest
    from jasco.models.transformers_chat import TransformersAudioChat
    from jasco.models.vllm_chat import VllmAudioChat
    from jasco.tasks.jasco.samples import load_items
    from jasco.testing.tiny_audio import build_tiny_qwen2_audio

    items = load_items(args.data_dir)[: args.items]
    audio = {item.clip.audio_path: load_audio(item.clip.audio_path, item.clip.clip_id) for item in items}
    requests = [
        InferRequest(index=i, item_id=item.item_id, instruction=item.prompt,
                     audio=audio[item.clip.audio_path].samples, sample_rate=16_000, audio_path=item.clip.audio_path)
        for i, item in enumerate(items)
    ]
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens)
    sink = lambda index, text, error: None  # noqa: E731

    with tempfile.TemporaryDirectory() as directory:
        model = str(build_tiny_qwen2_audio(directory))
        vllm = VllmAudioChat("qwen2-audio", model, max_model_len=2048, dtype="float32", enforce_eager=True)
        vllm.generate(requests[:1], settings, sink)  # build the engine, warm up
        start = time.perf_counter()
        vllm.generate(requests, settings, sink)
        vllm_s = time.perf_counter() - start
        vllm_tokens = dict(vllm.last_token_ids)
        vllm.close()

        hf = TransformersAudioChat("qwen2-audio", model, dtype="float32", batch_size=1)
        hf.generate(requests[:1], settings, sink)
        start = time.perf_counter()
        hf_tokens = {}
        for request in requests:  # one item at a time
            hf.generate([request], settings, sink)
            hf_tokens.update(hf.last_token_ids)
        hf_s = time.perf_counter() - start

    same = sum(vllm_tokens.get(i) == hf_tokens.get(i) for i in range(len(requests)))
    print(f"items: {len(requests)}, max_new_tokens: {args.max_new_tokens}, cpu cores: {os.cpu_count()}")
    print(f"vLLM batched:                  {vllm_s:7.2f} s")
    print(f"transformers one at a time:    {hf_s:7.2f} s")
    print(f"ratio (transformers / vLLM):   {hf_s / vllm_s:7.1f}x")
    print(f"token-identical answers:       {same}/{len(requests)}")


if __name__ == "__main__":
    main()
