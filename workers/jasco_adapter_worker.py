#!/usr/bin/env python
"""Serve any registered jasco adapter as a worker process (needs jasco installed).

Useful to run a jasco model in another environment (another torch or transformers version,
another machine's python) behind ``jasco infer --model worker``, and to test the worker runner
with a real process. Audio is read with ``jasco.core.audio.load_audio`` (mono, 16 kHz).

    python workers/jasco_adapter_worker.py --adapter qwen2.5-omni --option model_id=/models/omni
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import log, serve, stdout_to_stderr  # noqa: E402


def parse_options(pairs: list) -> Dict[str, Any]:
    options: Dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--option expects KEY=VALUE, got {pair!r}")
        try:  # as `jasco infer --option`: JSON when it parses, else text
            options[key.replace("-", "_")] = json.loads(value)
        except ValueError:
            options[key.replace("-", "_")] = value
    return options


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", required=True, help="a registered jasco adapter name")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="an adapter option (repeatable); JSON values are parsed, others kept as text")
    parser.add_argument("--checkpoint", help="passed to the adapter as its model_id option")
    args = parser.parse_args(argv)
    channel = stdout_to_stderr()

    from jasco.core.audio import load_audio
    from jasco.models.base import build_model
    from jasco.models.conversation import messages_from_description
    from jasco.models.types import AudioPart, ChatRequest, ModelResult, Sampling

    options = parse_options(args.option)
    if args.checkpoint:
        options["model_id"] = args.checkpoint
    model = build_model(args.adapter, options)
    described = model.describe()
    log(f"jasco_adapter_worker: serving {args.adapter}: {described}")

    def answer(request: Dict[str, Any]) -> str:
        audios = []
        for path in request["audio_paths"]:
            audio = load_audio(path)
            audios.append(AudioPart(audio.samples, audio.sample_rate, audio.path))
        decoding = request.get("decoding") or {}
        sampling = Sampling(temperature=float(decoding.get("temperature", 0.0)),
                            top_p=float(decoding.get("top_p", 1.0)),
                            max_tokens=int(decoding.get("max_new_tokens", 256)), seed=int(decoding.get("seed", 0)))
        chat = ChatRequest(index=0, item_id=str(request.get("item_id") or request["id"]),
                           messages=messages_from_description(request["messages"], audios), sampling=sampling)
        results: Dict[int, ModelResult] = {}
        model.generate([chat], lambda result: results.__setitem__(result.index, result))
        result = results[0]
        if result.error is not None or result.text is None:
            raise RuntimeError(result.error or "the model returned no text")
        return result.text

    limit = getattr(model, "max_audios", None)
    try:
        return serve(channel, model=str(described.get("model_id")), revision=str(described.get("revision", "")),
                     answer=answer, info={"adapter": args.adapter, "describe": described},
                     max_audios=1000 if limit is None else int(limit))
    finally:
        model.close()


if __name__ == "__main__":
    sys.exit(main())
