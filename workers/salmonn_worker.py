#!/usr/bin/env python
"""jasco worker for SALMONN (bytedance/SALMONN, branch ``salmonn``): SALMONN-7B (the JASCO paper's,
the default) or the 13B v1 model.

Runs inside SALMONN's own environment (python 3.9, torch 2.0.1, transformers 4.28, peft 0.3;
see workers/README.md) and answers jasco's JSON-lines requests. Our own code written against
the upstream inference entry points of ``cli_inference.py``: ``Config`` + ``SALMONN.from_config``
to build the model, a ``WhisperFeatureExtractor`` for the spectrogram, ``model.generate(samples,
generate_cfg, prompts=...)`` with the upstream prompt template ``USER: {}\\nASSISTANT:`` around
``<Speech><SpeechHere></Speech> <instruction>``.

Variants (``--variant``; jasco's ``jasco.models.worker.salmonn`` keeps the same table): 7b is
``salmonn_7b_v0.pth`` (tsinghua-ee/SALMONN-7B) on lmsys/vicuna-7b-v1.5, 13b is ``salmonn_v1.pth``
(tsinghua-ee/SALMONN) on lmsys/vicuna-13b-v1.1; both use Whisper large-v2, BEATs iter3+ (AS2M)
cpt2 and the branch's decode config (window-level Q-Former, LoRA rank 8, ``--lora-alpha`` 32 as
upstream; its model card suggests 28 with ``--low-resource`` 8-bit loading). The LLM's size is
checked against the variant before anything loads. The model id in the hello is
``<release>:<checkpoint file name>``.

Audio: jasco sends mono 16 kHz float WAVs (its own decoding and resampling, the same for every
model); then as upstream's ``prepare_one_sample``: padded to at least 1 s and cut to 30 s. Files
at other rates (a hand-written request) are resampled to 16 kHz with librosa, and multi-channel
files averaged. Decoding: jasco's settings (greedy at temperature 0) with ``--num-beams``
beams (upstream's decode_config.yaml uses 4, the default here).

    python workers/salmonn_worker.py --variant 7b --repo /src/SALMONN --checkpoint salmonn_7b_v0.pth \\
        --whisper-path whisper-large-v2 --beats-path BEATs_iter3_plus_AS2M_finetuned_on_AS2M_cpt2.pt \\
        --llama-path vicuna-7b-v1.5
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import (  # noqa: E402
    file_identity, git_commit, log, require_paths, serve, single_audio, stdout_to_stderr,
)

SAMPLE_RATE = 16000
# variant -> (release, checkpoint file, LLM, the LLM's hidden size); as jasco.models.worker.salmonn.VARIANTS
VARIANTS = {
    "7b": ("tsinghua-ee/SALMONN-7B", "salmonn_7b_v0.pth", "lmsys/vicuna-7b-v1.5", 4096),
    "13b": ("tsinghua-ee/SALMONN", "salmonn_v1.pth", "lmsys/vicuna-13b-v1.1", 5120),
}


def model_id(variant: str, checkpoint: str) -> str:
    """``<release>:<checkpoint file name>``: 7B and 13B (or another checkpoint) never share a name."""
    return "%s:%s" % (VARIANTS[variant][0], os.path.basename(checkpoint))


def llm_size_problem(variant: str, llama_path: str) -> Any:
    """Why the LLM at ``llama_path`` is not the variant's (by its config's hidden size), or None."""
    config = os.path.join(llama_path, "config.json")
    if not os.path.isfile(config):
        return None  # a hub id or another layout: the model loader will say
    with open(config, encoding="utf-8") as handle:
        hidden = json.load(handle).get("hidden_size")
    release, _, llm, expected = VARIANTS[variant]
    if hidden != expected:
        return ("--llama-path %s has hidden size %s, but variant %s (%s) was trained on %s (hidden size %d)"
                % (llama_path, hidden, variant, release, llm, expected))
    return None


def split_answer(decoded: str, end_sym: str) -> Tuple[str, str]:
    """(answer, finish_reason) of one SALMONN output. Upstream's ``generate`` decodes without
    skipping special tokens, so the text holds ``end_sym`` (``</s>``) when the model stopped on its
    own: ``stop``. Without it generation ran out of ``max_new_tokens``: ``length``, which jasco
    keeps as a row error (a cut answer) as for every other backend. The answer is the text before
    ``end_sym``, without ``<s>``, stripped, as upstream's ``cli_inference.py``."""
    answer, found, _ = decoded.partition(end_sym)
    return answer.replace("<s>", "").strip(), ("stop" if found else "length")


def parse_args(argv: Any = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="jasco worker for SALMONN (JSON lines on stdin/stdout)")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="7b",
                        help="7b: salmonn_7b_v0.pth on vicuna-7b-v1.5 (the paper's); 13b: salmonn_v1.pth on "
                             "vicuna-13b-v1.1")
    parser.add_argument("--repo", required=True, help="a checkout of bytedance/SALMONN, branch salmonn")
    parser.add_argument("--checkpoint", required=True, help="the variant's checkpoint (the model config's ckpt)")
    parser.add_argument("--whisper-path", required=True, help="openai/whisper-large-v2 directory")
    parser.add_argument("--beats-path", required=True, help="BEATs_iter3+ (AS2M) cpt2 checkpoint file")
    parser.add_argument("--llama-path", required=True, help="the variant's LLM directory (vicuna-7b-v1.5 or "
                                                           "vicuna-13b-v1.1)")
    parser.add_argument("--cfg-path", help="decode config (default: <repo>/configs/decode_config.yaml)")
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--num-beams", type=int, default=4, help="beam size (upstream decode config: 4)")
    parser.add_argument("--lora-alpha", type=int, default=32, help="LoRA scaling (upstream: 32)")
    parser.add_argument("--low-resource", action="store_true", help="load the LLM in 8 bits (upstream's option)")
    parser.add_argument("--no-fp16", action="store_true", help="do not run under float16 autocast")
    return parser.parse_args(argv)


def load_audio(path: str) -> Any:
    import librosa
    import numpy as np
    import soundfile

    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE)
    if len(audio) < SAMPLE_RATE:  # at least 1 s, as upstream
        audio = np.concatenate([audio, np.zeros(SAMPLE_RATE - len(audio), dtype=audio.dtype)])
    return audio[: SAMPLE_RATE * 30]  # at most 30 s, as upstream


def main(argv: Any = None) -> int:
    args = parse_args(argv)
    cfg_path = args.cfg_path or os.path.join(args.repo, "configs", "decode_config.yaml")
    require_paths(repo=os.path.join(args.repo, "models", "salmonn.py"), checkpoint=args.checkpoint,
                  whisper_path=args.whisper_path, beats_path=args.beats_path, llama_path=args.llama_path,
                  cfg_path=cfg_path)
    problem = llm_size_problem(args.variant, args.llama_path)
    if problem:
        log("worker: " + problem)
        return 2
    channel = stdout_to_stderr()
    os.chdir(args.repo)  # the config refers to prompts/*.json relative to the repository
    sys.path.insert(0, args.repo)

    import torch
    from config import Config
    from models.salmonn import SALMONN
    from transformers import WhisperFeatureExtractor

    overrides = ["ckpt=" + args.checkpoint, "whisper_path=" + args.whisper_path,
                 "beats_path=" + args.beats_path, "llama_path=" + args.llama_path,
                 "lora_alpha=%d" % args.lora_alpha, "low_resource=%s" % args.low_resource]
    cfg = Config(argparse.Namespace(cfg_path=cfg_path, options=["model." + o for o in overrides]))
    model = SALMONN.from_config(cfg.config.model)
    model.to(args.device)
    model.eval()
    wav_processor = WhisperFeatureExtractor.from_pretrained(args.whisper_path)
    template = cfg.config.model.prompt_template
    end_sym = cfg.config.model.get("end_sym", "</s>")

    def answer(request: Dict[str, Any]) -> Tuple[str, str]:
        decoding = request.get("decoding") or {}
        audio = load_audio(single_audio(request))
        samples = {
            "spectrogram": wav_processor(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt")["input_features"],
            "raw_wav": torch.from_numpy(audio).unsqueeze(0),
            "padding_mask": torch.zeros(len(audio), dtype=torch.bool).unsqueeze(0),
        }
        samples = {key: value.to(args.device) for key, value in samples.items()}
        prompt = [template.format("<Speech><SpeechHere></Speech> " + request["instruction"].strip())]
        temperature = float(decoding.get("temperature", 0.0))
        generate_cfg = dict(cfg.config.generate)
        generate_cfg.update(
            max_new_tokens=int(decoding.get("max_new_tokens", 200)), num_beams=args.num_beams,
            do_sample=temperature > 0, temperature=temperature if temperature > 0 else 1.0,
            top_p=float(decoding.get("top_p", 1.0)),
        )
        if temperature > 0:
            torch.manual_seed(int(decoding.get("seed", 0)))
        with torch.no_grad(), torch.cuda.amp.autocast(dtype=torch.float16, enabled=not args.no_fp16):
            text = model.generate(samples, generate_cfg, prompts=prompt)[0]
        return split_answer(text, end_sym)

    revision = "%s@%s" % (file_identity(args.checkpoint), git_commit(args.repo))
    log("salmonn_worker: model loaded, revision %s" % revision)
    return serve(channel, model_id(args.variant, args.checkpoint), revision, answer,
                 info={"variant": args.variant, "num_beams": args.num_beams, "lora_alpha": args.lora_alpha,
                       "low_resource": args.low_resource, "fp16": not args.no_fp16, "device": args.device})


if __name__ == "__main__":
    sys.exit(main())
