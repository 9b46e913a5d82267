#!/usr/bin/env python
"""jasco worker for LTU-AS (YuanGongND/ltu, ``src/ltu_as``), joint audio + speech mode.

Runs inside LTU-AS's own environment (python 3.10 with the repository's patched ``hf-dev``
transformers, ``peft-main`` and ``whisper`` installed editable; see workers/README.md) and
answers jasco's JSON-lines requests. Our own code written against the upstream inference entry
points of ``src/ltu_as/inference_gradio.py``:

1. the transcript: ``whisper_at.load_model("large-v2").transcribe(path)``, with the same
   "thanks for watching" hallucinations removed;
2. the audio features: the repository's patched ``whisper.model.Whisper`` (``large-v1.pt``)
   ``transcribe_audio(path)`` encoder states, layers x time block-averaged by 20 frames, first
   layer dropped;
3. the prompt: ``utils.prompter.Prompter("alpaca_short").generate_prompt(instruction, transcript)``;
4. the LLM: ``LlamaForCausalLM`` (vicuna_ltuas) + LoRA (r=8, alpha=16, q_proj/v_proj) with the
   LTU-AS checkpoint, ``generate(input_ids=..., audio_input=...)``; the answer is the text after
   ``### Response:``.

Decoding: jasco's settings (greedy at temperature 0; upstream's demo samples with temperature
0.1, top_p 0.95, top_k 500: pass those through jasco's decoding options to reproduce it) with
upstream's ``--repetition-penalty`` 1.1 and ``--top-k`` 500 (used only when sampling).

    python workers/ltu_as_worker.py --repo /src/ltu --checkpoint pretrained_mdls/ltuas_long_noqa_a6.bin \\
        --base-model pretrained_mdls/vicuna_ltuas --whisper-feature-checkpoint pretrained_mdls/large-v1.pt
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any, Dict, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import (  # noqa: E402
    file_identity, git_commit, log, require_paths, serve, single_audio, stdout_to_stderr,
)

MODEL_ID = "YuanGongND/ltu-as"
EOS_TOKEN_ID = 2  # vicuna's </s>, as upstream sets it
_THANKS = re.compile(r"(?i)thank(s| you) for watching[.!]?")


def finish_reason(sequence: Sequence[int], prompt_length: int, eos_token_id: int, max_new_tokens: int) -> str:
    """Why generation ended, from the returned token ids (``generate(...).sequences[0]``: the prompt's
    ``prompt_length`` ids, then the new ones, as upstream's ``output[len(prompt):]`` relies on):
    ``stop`` when the model wrote its end token, ``length`` when it wrote ``max_new_tokens`` tokens
    without one (jasco keeps that as a row error, a cut answer, as for every other backend)."""
    generated = list(sequence[prompt_length:])
    if eos_token_id in generated:
        return "stop"
    return "length" if len(generated) >= max_new_tokens else "stop"


def parse_args(argv: Any = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="jasco worker for LTU-AS (JSON lines on stdin/stdout)")
    parser.add_argument("--repo", required=True, help="a checkout of YuanGongND/ltu")
    parser.add_argument("--checkpoint", required=True, help="LTU-AS weights, e.g. ltuas_long_noqa_a6.bin")
    parser.add_argument("--base-model", required=True, help="the vicuna_ltuas directory")
    parser.add_argument("--whisper-feature-checkpoint", required=True, help="large-v1.pt (audio features)")
    parser.add_argument("--asr-model", default="large-v2", help="whisper_at model for the transcript")
    parser.add_argument("--device", default="cuda:0", help="LLM and feature encoder device")
    parser.add_argument("--asr-device", default=None, help="whisper_at device (default: --device)")
    parser.add_argument("--repetition-penalty", type=float, default=1.1)
    parser.add_argument("--top-k", type=int, default=500)
    return parser.parse_args(argv)


def main(argv: Any = None) -> int:
    args = parse_args(argv)
    source = os.path.join(args.repo, "src", "ltu_as")
    require_paths(repo=os.path.join(source, "utils", "prompter.py"), checkpoint=args.checkpoint,
                  base_model=args.base_model, whisper_feature_checkpoint=args.whisper_feature_checkpoint)
    channel = stdout_to_stderr()
    os.chdir(source)  # Prompter reads ./templates relative to the working directory
    sys.path.insert(0, source)

    import numpy as np
    import skimage.measure
    import torch
    import whisper_at
    from peft import LoraConfig, get_peft_model
    from transformers import GenerationConfig, LlamaForCausalLM, LlamaTokenizer
    from utils.prompter import Prompter
    from whisper.model import ModelDimensions, Whisper

    half = args.device.startswith("cuda")
    asr_model = whisper_at.load_model(args.asr_model, device=args.asr_device or args.device)
    state = torch.load(args.whisper_feature_checkpoint, map_location="cpu")
    feature_model = Whisper(ModelDimensions(**state["dims"]))
    feature_model.load_state_dict(state["model_state_dict"], strict=False)
    feature_model.to(args.device)

    prompter = Prompter("alpaca_short")
    tokenizer = LlamaTokenizer.from_pretrained(args.base_model)
    model = LlamaForCausalLM.from_pretrained(
        args.base_model, device_map="auto", **({"torch_dtype": torch.float16} if half else {})
    )
    for name, param in model.named_parameters():  # as upstream: audio encoder layer norms in float32
        if "audio_encoder" in name and "ln" in name and param.dtype == torch.float16:
            param.data = param.data.float()
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                             lora_dropout=0.05, bias="none", task_type="CAUSAL_LM"))
    missing, unexpected = model.load_state_dict(torch.load(args.checkpoint, map_location="cpu"), strict=False)
    log("ltu_as_worker: checkpoint loaded, %d unexpected keys" % len(unexpected))
    model.is_parallelizable = True
    model.model_parallel = True
    model.config.pad_token_id = tokenizer.pad_token_id = 0  # as upstream (the decapoda config fix)
    model.config.bos_token_id = 1
    model.config.eos_token_id = EOS_TOKEN_ID
    model.eval()

    def features(path: str) -> Any:
        _, audio_feat = feature_model.transcribe_audio(path)
        audio_feat = torch.permute(audio_feat[0], (2, 0, 1)).detach().cpu().numpy()
        audio_feat = skimage.measure.block_reduce(audio_feat, (1, 20, 1), np.mean)[1:]
        tensor = torch.FloatTensor(audio_feat).unsqueeze(0)
        return tensor.half().to(args.device) if half else tensor.to(args.device)

    def answer(request: Dict[str, Any]) -> Tuple[str, str]:
        decoding = request.get("decoding") or {}
        path = single_audio(request)
        transcript = _THANKS.sub("", asr_model.transcribe(path)["text"].lstrip())
        prompt = prompter.generate_prompt(request["instruction"], transcript)
        input_ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(args.device)
        temperature = float(decoding.get("temperature", 0.0))
        sampling = {"do_sample": True, "temperature": temperature, "top_p": float(decoding.get("top_p", 1.0)),
                    "top_k": args.top_k} if temperature > 0 else {"do_sample": False}
        if temperature > 0:
            torch.manual_seed(int(decoding.get("seed", 0)))
        config = GenerationConfig(
            repetition_penalty=args.repetition_penalty, max_new_tokens=int(decoding.get("max_new_tokens", 400)),
            bos_token_id=1, eos_token_id=EOS_TOKEN_ID, pad_token_id=0, num_return_sequences=1, **sampling,
        )
        with torch.no_grad():
            output = model.generate(input_ids=input_ids, audio_input=features(path), generation_config=config,
                                    return_dict_in_generate=True, max_new_tokens=config.max_new_tokens)
        sequence = output.sequences[0].tolist()
        text = tokenizer.decode(sequence, skip_special_tokens=True)
        finish = finish_reason(sequence, int(input_ids.shape[1]), EOS_TOKEN_ID, int(config.max_new_tokens))
        return text.partition("### Response:\n")[2].strip(), finish

    revision = "%s@%s" % (file_identity(args.checkpoint), git_commit(args.repo))
    log("ltu_as_worker: model loaded, revision %s" % revision)
    return serve(channel, MODEL_ID, revision, answer, info={
        "asr_model": args.asr_model, "repetition_penalty": args.repetition_penalty, "top_k": args.top_k,
        "fp16": half,
    })


if __name__ == "__main__":
    sys.exit(main())
