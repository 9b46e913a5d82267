#!/usr/bin/env python
"""jasco worker for WavLLM (microsoft/SpeechT5, ``WavLLM/``), on fairseq.

Runs inside WavLLM's own environment (python 3.10, its fairseq submodule installed editable,
transformers 4.32.1, numpy 1.23.5, sentencepiece; see workers/README.md) with ``wavllm`` copied
into ``fairseq/examples`` as the upstream README says, and answers jasco's JSON-lines requests.
Our own code written against the upstream inference entry points of
``wavllm/inference/generate.py`` (as run by ``wavllm/scripts/inference_sft.sh``):

* the same generation arguments (``--task speechllm_task --user-dir examples/wavllm
  --tokenizer-path .../tokenizer.model --beam 1 --nbest 1 --max-tokens 1600000 --max-len-a 0
  --max-len-b <prompt length + max_new_tokens>``) and the same task settings generate.py forces (Whisper
  large-v2 + WavLM base processors, LLaMA-2, LoRA r=32, prompt building, ...);
* the model is loaded once with ``checkpoint_utils.load_model_ensemble``;
* each request becomes a one-row manifest (``id, audio, n_frames, with_speech, prompt, tgt_text``)
  in a private temporary directory, loaded with ``task.load_dataset`` so that upstream's
  ``SpeechLLMDataset`` reads, resamples and prompts exactly as in the paper's evaluation;
* ``task.inference_step`` with the prompt as prefix tokens; the answer is the hypothesis after
  the prompt, decoded with the task's tokenizer.

Length: WavLLM's ``SequenceGenerator`` forces the prompt as the first tokens of the hypothesis
and counts them inside ``--max-len-b`` (upstream's script passes 512 for prompt and answer
together). Here ``--max-len-b`` is the prompt's length plus jasco's ``max_new_tokens``, so the
limit means new tokens as in every other backend, and a hypothesis that reached it (the generator
then forces the end token) is reported with finish reason ``length``.

Decoding: jasco's settings. Greedy at temperature 0 (upstream's script samples with
temperature 0.5: pass that through jasco's decoding options to reproduce it).

    python workers/wavllm_worker.py --fairseq /src/SpeechT5/WavLLM/fairseq --checkpoint /models/wavllm/final.pt
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any, Dict, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import (  # noqa: E402
    file_identity, git_commit, log, require_paths, serve, single_audio, stdout_to_stderr,
)

MODEL_ID = "microsoft/WavLLM"
SUBSET = "jasco"
# What generate.py sets on the task config before loading the model (upstream, verbatim values).
TASK_SETTINGS = {
    "is_whisper": True, "processor_path": "openai/whisper-large-v2", "whisper_with_decoder": False,
    "sft_stage": True, "llama_2": True, "use_lora": True, "lora_r": 32, "lora_alpha": 32,
    "freeze_audio_encoder": False, "use_wavlm": True, "wavlm_processor_path": "microsoft/wavlm-base",
    "wavlm_output_weight": True, "alpaca_text": True, "prompt_bulid": True, "load_pretrained_model": False,
    "second_stage_update_scale": True, "scale_with_audio": False, "scale_0_1": False,
}


def parse_args(argv: Any = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="jasco worker for WavLLM (JSON lines on stdin/stdout)")
    parser.add_argument("--fairseq", required=True,
                        help="SpeechT5/WavLLM/fairseq, with wavllm copied into its examples/ directory")
    parser.add_argument("--checkpoint", required=True, help="the WavLLM checkpoint (download/download.sh 0)")
    parser.add_argument("--max-new-tokens", type=int, default=512,
                        help="upper bound on new tokens (fairseq's --max-len-b is the prompt's length plus this)")
    parser.add_argument("--cpu", action="store_true", help="run on CPU (upstream runs on one GPU)")
    parser.add_argument("--fp16", action="store_true")
    return parser.parse_args(argv)


def finish_reason(n_tokens: int, max_len_b: int, generator_max_len: Optional[int]) -> str:
    """Why WavLLM's ``SequenceGenerator`` ended a hypothesis of ``n_tokens`` tokens (prompt prefix and
    end token included). With ``--max-len-a 0`` its limit is ``min(max_len_b, generator.max_len - 1)``
    and at that step it forces the end token, so a hypothesis longer than the limit was cut there:
    ``length``. A shorter one ended on its own end token: ``stop``."""
    limit = max_len_b if not generator_max_len else min(max_len_b, generator_max_len - 1)
    return "length" if n_tokens > limit else "stop"


def manifest_row(request_id: str, audio_path: str, instruction: str) -> str:
    """One manifest line in upstream's test_data/*.tsv layout; n_frames counted at 16 kHz."""
    import soundfile

    info = soundfile.info(audio_path)
    frames = int(round(info.frames * 16000 / info.samplerate))
    prompt = " ".join(instruction.split())  # no tabs or newlines inside a TSV field
    return "\t".join([request_id, os.path.abspath(audio_path), str(frames), "True", prompt, "-"])


def main(argv: Any = None) -> int:
    args = parse_args(argv)
    user_dir = os.path.join(args.fairseq, "examples", "wavllm")
    tokenizer_path = os.path.join(user_dir, "tokenizer", "tokenizer.model")
    require_paths(fairseq=os.path.join(user_dir, "tasks", "speechllm_task.py"), checkpoint=args.checkpoint,
                  tokenizer=tokenizer_path)
    channel = stdout_to_stderr()
    os.chdir(args.fairseq)
    sys.path.insert(0, args.fairseq)
    data_dir = tempfile.mkdtemp(prefix="jasco-wavllm-")
    header = "id\taudio\tn_frames\twith_speech\tprompt\ttgt_text\n"

    import torch
    from fairseq import checkpoint_utils, options, tasks, utils
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    def build_cfg(temperature: float, max_new_tokens: int) -> Any:
        argv_ = [data_dir, "--user-dir", user_dir, "--tokenizer-path", tokenizer_path, "--gen-subset", SUBSET,
                 "--task", "speechllm_task", "--path", args.checkpoint, "--skip-invalid-size-inputs-valid-test",
                 "--max-tokens", "1600000", "--beam", "1", "--nbest", "1", "--max-len-a", "0",
                 "--max-len-b", str(max_new_tokens)]
        argv_ += ["--sampling", "--temperature", str(temperature)] if temperature > 0 else []
        argv_ += ["--cpu"] if args.cpu else []
        argv_ += ["--fp16"] if args.fp16 else []
        parser = options.get_generation_parser()
        parser.add_argument("--arch", "-a", default="wav2vec2")  # as upstream's cli_main
        return convert_namespace_to_omegaconf(options.parse_args_and_arch(parser, input_args=argv_))

    cfg = build_cfg(0.0, args.max_new_tokens)
    utils.import_user_module(cfg.common)
    task = tasks.setup_task(cfg.task)
    for key, value in TASK_SETTINGS.items():
        setattr(task.cfg, key, value)
    models, saved_cfg = checkpoint_utils.load_model_ensemble(utils.split_paths(cfg.common_eval.path), task=task)
    use_cuda = torch.cuda.is_available() and not args.cpu
    for model in models:
        if args.fp16:
            model.half()
        if use_cuda:
            model.cuda()
        model.prepare_for_inference_(cfg)
    generators: Dict[Any, Any] = {}

    def answer(request: Dict[str, Any]) -> Tuple[str, str]:
        decoding = request.get("decoding") or {}
        temperature = float(decoding.get("temperature", 0.0))
        max_new = min(int(decoding.get("max_new_tokens", args.max_new_tokens)), args.max_new_tokens)
        with open(os.path.join(data_dir, SUBSET + ".tsv"), "w", encoding="utf-8") as handle:
            row = manifest_row(str(request["id"]), single_audio(request), request["instruction"])
            handle.write(header + row + "\n")
        task.load_dataset(SUBSET, task_cfg=saved_cfg.task)
        dataset = task.dataset(SUBSET)
        batch = dataset.collater([dataset[0]])
        batch = utils.move_to_cuda(batch) if use_cuda else batch
        prompt_mask = batch["net_input"]["prompt_masks"][0]
        prefix_size = int(batch["net_input"]["prompt_masks"].sum(axis=-1).max())
        prefix = batch["target"][:, :prefix_size] if prefix_size > 0 else None
        max_len_b = prefix_size + max_new  # the prompt prefix counts inside fairseq's limit
        key = (temperature, max_len_b)
        if key not in generators:
            generators[key] = task.build_generator(models, build_cfg(temperature, max_len_b).generation)
        if temperature > 0:
            utils.set_torch_seed(int(decoding.get("seed", 0)))
        with torch.no_grad():
            hypos = task.inference_step(generators[key], models, batch, prefix_tokens=prefix)
        tokens = hypos[0][0]["tokens"].int().cpu().tolist()
        text = task.tokenizer.decode(tokens[int(prompt_mask.sum()):]).strip()
        return text, finish_reason(len(tokens), max_len_b, getattr(generators[key], "max_len", None))

    revision = "%s@%s" % (file_identity(args.checkpoint), git_commit(os.path.dirname(os.path.dirname(args.fairseq))))
    log("wavllm_worker: model loaded, revision %s" % revision)
    return serve(channel, MODEL_ID, revision, answer, info={"fp16": args.fp16, "cpu": args.cpu})


if __name__ == "__main__":
    sys.exit(main())
