"""A tiny random-weight Qwen2-Audio (encoder + projector + Qwen2 decoder), built locally.

``build_tiny_qwen2_audio(directory)`` saves a ``Qwen2AudioForConditionalGeneration`` with its
``Qwen2AudioProcessor`` (a ``WhisperFeatureExtractor`` with 128 mel bins and a tiny byte-level
BPE tokenizer carrying the ``<|AUDIO|>``, ``<|audio_bos|>``, ``<|audio_eos|>`` specials and a
Qwen2-Audio-style chat template), so that transformers, the in-process vLLM engine and a vLLM
OpenAI-compatible server all load the same directory. It is ~1 MB and builds in well under a
second.

Random weights give garbage text, but the audio must change that text, or no test could tell a
model that hears the audio from one that does not (``jasco infer --check-audio``). With default
initialisation the projected audio embeddings are tiny next to the text ones; the projector is
scaled up (``audio_gain``) so the audio positions dominate the decoder's attention. Use the
model for structure, parity, determinism and the audio check, never for content.
"""

from __future__ import annotations

from pathlib import Path

AUDIO_SPECIALS = ("<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>")

# The chat template of Qwen/Qwen2-Audio-7B-Instruct, verbatim: an audio part is recognised by an
# ``audio`` or ``audio_url`` key (not by its type), so the adapters send
# ``{"type": "audio", "audio_url": ...}``; servers must insert the placeholder themselves
# (vLLM: ``--chat-template-content-format string``).
QWEN2_AUDIO_TEMPLATE = (
    "{% set audio_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant."
    "<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if 'audio' in content or 'audio_url' in content or message['type'] == 'audio' %}"
    "{% set audio_count.value = audio_count.value + 1 %}"
    "Audio {{ audio_count.value }}: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tiny_qwen2_audio(directory: str | Path, seed: int = 0, audio_gain: float = 50.0) -> Path:
    """Save a tiny random Qwen2-Audio and its processor in ``directory``; return the path."""
    import torch
    from transformers import (
        GenerationConfig,
        Qwen2AudioConfig,
        Qwen2AudioForConditionalGeneration,
        Qwen2AudioProcessor,
        WhisperFeatureExtractor,
    )

    from jasco.testing.tiny_text import build_tokenizer

    directory = Path(directory)
    tokenizer = build_tokenizer(directory, extra_specials=AUDIO_SPECIALS)
    tokenizer.chat_template = QWEN2_AUDIO_TEMPLATE
    feature_extractor = WhisperFeatureExtractor(feature_size=128)
    processor = Qwen2AudioProcessor(
        feature_extractor=feature_extractor, tokenizer=tokenizer, chat_template=QWEN2_AUDIO_TEMPLATE
    )
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = Qwen2AudioConfig(
        audio_config={
            "d_model": 32, "encoder_layers": 1, "encoder_attention_heads": 2, "encoder_ffn_dim": 64,
            "num_mel_bins": 128, "max_source_positions": feature_extractor.nb_max_frames // 2,
        },
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
            "max_position_embeddings": 4096, "tie_word_embeddings": False, "bos_token_id": None,
            "eos_token_id": eos, "pad_token_id": tokenizer.pad_token_id,
        },
        audio_token_index=tokenizer.convert_tokens_to_ids("<|AUDIO|>"),
        dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2AudioForConditionalGeneration(config)
    with torch.no_grad():
        model.model.multi_modal_projector.linear.weight.mul_(audio_gain)
    model.generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=tokenizer.pad_token_id, do_sample=False)
    model.save_pretrained(str(directory))
    _use_original_checkpoint_names(directory / "model.safetensors")
    processor.save_pretrained(str(directory))
    return directory


def _use_original_checkpoint_names(path: Path) -> None:
    """Rename weights to the layout of the published checkpoint (``language_model.model.*``).

    transformers 5 saves the decoder as ``language_model.model.model.*``, which vLLM's loader
    rejects; it reads the published layout back itself, so one file serves both.
    """
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(path))
    renamed = {key.replace("language_model.model.model.", "language_model.model."): value
               for key, value in tensors.items()}
    save_file(renamed, str(path), metadata={"format": "pt"})
