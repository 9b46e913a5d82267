#!/usr/bin/env python
"""Serve any registered jasco adapter as a worker process (needs jasco installed).

Useful to run a jasco adapter in another environment (another torch or transformers version,
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
    from jasco.models.base import ADAPTERS, GenerationSettings, InferRequest
    from jasco.models.catalog import ADAPTERS as _registered  # noqa: F401 - fills the registry

    options = parse_options(args.option)
    if args.checkpoint:
        options["model_id"] = args.checkpoint
    adapter = ADAPTERS.load(args.adapter)(**options)
    described = adapter.describe()
    log(f"jasco_adapter_worker: serving {args.adapter}: {described}")

    def answer(request: Dict[str, Any]) -> str:
        audio = load_audio(request["audio_path"])
        item_id = os.path.splitext(os.path.basename(request["audio_path"]))[0]
        item_id = str(request.get("item_id") or item_id)
        decoding = request.get("decoding") or {}
        settings = GenerationSettings(**{k: decoding[k] for k in GenerationSettings().as_dict() if k in decoding})
        infer_request = InferRequest(
            index=0, item_id=item_id, instruction=request["instruction"], audio=audio.samples,
            sample_rate=audio.sample_rate, audio_path=audio.path,
        )
        results: Dict[int, Any] = {}
        adapter.generate([infer_request], settings, lambda i, text, error: results.__setitem__(i, (text, error)))
        text, error = results[0]
        if error is not None:
            raise RuntimeError(error)
        return text

    try:
        return serve(channel, model=str(described.get("model_id")), revision=str(described.get("revision", "")),
                     answer=answer, info={"adapter": args.adapter, "describe": described})
    finally:
        adapter.close()


if __name__ == "__main__":
    sys.exit(main())
