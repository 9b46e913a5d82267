"""Judge-stage speed on one machine, in one run (ratios are what matter; not a test).

On the same prompts (N rows of the JASCO item table with a made-up answer) and the same tiny
random-weight chat model, with the same greedy decoding:

  in-process vLLM:  ``run_judge --backend vllm``  vs  a bare ``LLM.chat`` of all prompts (the
                    harness's overhead; goal < 10%)  vs  one ``LLM.chat`` per prompt, as upstream's
                    eval.py loops (the speed-up)
  HTTP:             ``run_judge --backend openai`` (concurrent)  vs  sequential requests, against
                    a local vLLM OpenAI-compatible server

Prefix caching is off everywhere so that no method warms the cache for another.

    PYTHONPATH=$PWD python benchmarks/judge_speed.py --data-dir /path/to/jasco --rows 128
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("JASCO_DATA_DIR", "../shared/jasco")))
    parser.add_argument("--rows", type=int, default=128)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3,
                        help="bare vs harness are measured this many times, interleaved; the best counts")
    parser.add_argument("--no-server", action="store_true", help="skip the HTTP comparison")
    args = parser.parse_args()

    import httpx
    from vllm import SamplingParams

    from jasco.core.table import write_table
    from jasco.models.vllm_chat import VllmChat
    from jasco.stages.decoding import Decoding
    from jasco.stages.judge.run import run_judge
    from jasco.tasks.jasco.samples import load_items
    from jasco.tasks.jasco.table import items_to_frame
    from jasco.tasks.jasco.templates import TEMPLATES, judge_messages
    from jasco.testing.tiny_text import build_tiny_chat_model

    work = Path(tempfile.mkdtemp(prefix="judge-speed-"))
    frame = items_to_frame(load_items(args.data_dir)).iloc[: args.rows].copy()
    frame["allm_output"] = [f"They are probably doing activity number {i}." for i in range(len(frame))]
    write_table(frame, work / "in.csv")
    template = TEMPLATES["eval_py"]
    conversations = [list(judge_messages(template, row)) for row in frame.to_dict(orient="records")]
    model = build_tiny_chat_model(work / "model", vocab_size=4000, corpus=[c[1]["content"] for c in conversations[::8]],
                                  tie_word_embeddings=False)
    engine = {"enforce_eager": True, "max_model_len": 2048, "dtype": "float32", "enable_prefix_caching": False}
    decoding = Decoding(max_tokens=args.max_tokens)
    params = SamplingParams(temperature=0, max_tokens=args.max_tokens, seed=0)
    judge = VllmChat(str(model), **engine)
    judge.llm.chat(conversations[:4], params, use_tqdm=False)  # warm-up

    rows: list[tuple[str, float]] = []

    def timed(name: str, function: object) -> float:
        start = time.perf_counter()
        function()  # type: ignore[operator]
        seconds = time.perf_counter() - start
        rows.append((name, seconds))
        return seconds

    runs = iter(range(1000))

    def harness(backend: str, **options: object) -> None:
        summary = run_judge(work / "in.csv", work / f"out{next(runs)}.csv", judge=str(model), backend=backend,
                            decoding=decoding, progress=False, **options)  # type: ignore[arg-type]
        assert summary.n_judged_now == len(frame), summary

    bares, ourses = [], []
    for _ in range(args.repeats):  # interleaved, best of N: a shared machine is noisy
        bares.append(timed("bare LLM.chat, all prompts in one call",
                           lambda: judge.llm.chat(conversations, params, use_tqdm=False)))
        ourses.append(timed("run_judge --backend vllm (store, parse, CSV)",
                            lambda: harness("vllm", backend_instance=judge)))
    bare, ours = min(bares), min(ourses)
    loop = timed("one LLM.chat per prompt (upstream's loop)",
                 lambda: [judge.llm.chat([c], params, use_tqdm=False) for c in conversations])
    judge.close()

    http_ours = http_seq = None
    if not args.no_server:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--enforce-eager", "--max-model-len", "2048", "--dtype", "float32",
             "--no-enable-prefix-caching"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            body = {"model": str(model), "temperature": 0, "max_tokens": args.max_tokens, "seed": 0, "top_p": 1.0}
            httpx.post(f"{url}/v1/chat/completions", json={**body, "messages": conversations[0]}, timeout=60)

            def sequential() -> None:
                with httpx.Client(timeout=120) as client:
                    for conversation in conversations:
                        response = client.post(f"{url}/v1/chat/completions", json={**body, "messages": conversation})
                        response.raise_for_status()

            http_ours = timed("run_judge --backend openai (16 concurrent)", lambda: harness(
                "openai", backend_options={"base_urls": [f"{url}/v1"], "concurrency": 16}))
            http_seq = timed("sequential HTTP requests", sequential)
        finally:
            server.terminate()
            server.wait(30)

    print(f"\n{len(frame)} prompts, max_tokens={args.max_tokens}, tiny random Qwen2 chat model, {os.cpu_count()} CPUs")
    print(f"{'method':48s} {'seconds':>8s} {'prompts/s':>10s}")
    for name, seconds in rows:
        print(f"{name:48s} {seconds:8.2f} {len(frame) / seconds:10.1f}")
    print(f"\nharness overhead vs bare LLM.chat: {100 * (ours / bare - 1):+.1f}% (best of {args.repeats}; goal < 10%)")
    print(f"speed-up vs one prompt per call:    {loop / ours:.1f}x")
    if http_ours and http_seq:
        print(f"openai backend vs sequential HTTP:  {http_seq / http_ours:.1f}x")


if __name__ == "__main__":
    main()
