"""Benchmark: the speech-quality task's items on the in-process vLLM engine, one batched submission
against one item at a time (the same engine, the same requests), on the tiny random-weight
Qwen2-Audio, single- or double-ended, in one run.

Not a test. Run from the repository root::

    PYTHONPATH=$PWD python benchmarks/speech_quality_infer.py --files 24 [--with-reference]

The items are the task's own (``jasco.tasks.speech_quality``: expand, then the conversation the
infer stage sends) over a demo corpus built from ../shared/speech/clean. It prints both wall times
(engine start and a one-item warm-up excluded), their ratio, and checks that both ways produced
the same token ids.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=24, help="degraded files (one mos item each)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--with-reference", action="store_true")
    parser.add_argument("--clean", type=Path, default=Path("../shared/speech/clean"))
    args = parser.parse_args()
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

    import soundfile

    from jasco.models.types import AudioPart, ChatRequest, ModelResult, Sampling
    from jasco.models.vllm_chat import VllmChat
    from jasco.quality.demo_corpus import CONDITIONS, build_demo_corpus
    from jasco.tasks.base import get_task
    from jasco.testing.tiny_audio import build_tiny_qwen2_audio

    task = get_task("speech-quality")
    options = task.resolve_options({"split": ["DEMO_SIM"], "families": ["mos"],
                                    "with_reference": [args.with_reference]})
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        sources = sorted(args.clean.glob("arctic_*.wav")) + sorted(args.clean.glob("vctk_*.wav"))
        build_demo_corpus(sources, root / "corpus", files_per_condition=1, seed=0,
                          conditions=CONDITIONS[: args.files])
        frame = task.expand(root / "corpus", options)
        columns = task.audio_columns_for(options)
        sampling = Sampling(max_tokens=args.max_new_tokens)
        requests = []
        for index, row in enumerate(frame.to_dict("records")):
            audios = []
            for column in columns:
                samples, rate = soundfile.read(row[column], dtype="float32")
                audios.append(AudioPart(samples, rate, Path(row[column])))
            messages = task.conversation({str(k): str(v) for k, v in row.items()}, audios, options)
            requests.append(ChatRequest(index=index, item_id=str(row["id"]), sampling=sampling, messages=messages))
        model = str(build_tiny_qwen2_audio(root / "model"))
        engine = VllmChat(model, name="qwen2-audio", max_model_len=2048, dtype="float32", enforce_eager=True,
                          seed=0)
        batched: dict[int, object] = {}
        alone: dict[int, object] = {}

        def into(store: dict[int, object]) -> object:
            return lambda result: store.__setitem__(result.index, result.token_ids)

        def ignore(result: ModelResult) -> None:
            return None

        engine.generate(requests[:1], ignore)  # engine start, warm-up
        start = time.perf_counter()
        engine.generate(requests, into(batched))  # type: ignore[arg-type]
        batched_s = time.perf_counter() - start
        start = time.perf_counter()
        for request in requests:
            engine.generate([request], into(alone))  # type: ignore[arg-type]
        alone_s = time.perf_counter() - start
        engine.close()
    same = batched == alone
    print(f"{len(requests)} items ({'double' if args.with_reference else 'single'}-ended, "
          f"{args.max_new_tokens} new tokens): batched {batched_s:.2f} s, one at a time {alone_s:.2f} s, "
          f"ratio {alone_s / batched_s:.1f}x; same token ids: {same}")


if __name__ == "__main__":
    main()
