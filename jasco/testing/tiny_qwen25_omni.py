"""A tiny random-weight Qwen2.5-Omni thinker (audio + text in, text out), built locally.

The saved directory holds a ``Qwen2_5OmniThinkerForConditionalGeneration`` (Whisper-style
audio encoder with 128 mel bins and 1500 source positions, a one-block vision encoder that is
never used, a 2-layer text model with head_dim 32 and M-RoPE) and a ``Qwen2_5OmniProcessor``
pieces: a WhisperFeatureExtractor (128 mel bins) and the tiny BPE tokenizer of
``tiny_text`` with the Omni special tokens and chat layout; see
``jasco.models.qwen25_omni.load_processor``). The real ``Qwen/Qwen2.5-Omni-7B`` loads with the
same classes. Random weights produce garbage text: test structure, determinism and that the
audio reaches the model, never content.
"""

from __future__ import annotations

from pathlib import Path

from jasco.testing.tiny_text import build_tokenizer

# token attribute -> token text, as in the real Qwen2.5-Omni tokenizer
OMNI_TOKENS = {
    "audio_token": "<|AUDIO|>", "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>",
    "image_token": "<|IMAGE|>", "video_token": "<|VIDEO|>",
    "vision_bos_token": "<|vision_bos|>", "vision_eos_token": "<|vision_eos|>",
}
# The Qwen2.5-Omni chat layout (system prompt, audio parts as <|audio_bos|><|AUDIO|><|audio_eos|>).
OMNI_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'audio' or 'audio' in part %}{{ '<|audio_bos|><|AUDIO|><|audio_eos|>' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def build_tiny_qwen25_omni(
    directory: str | Path, seed: int = 0, audio_gain: float = 1.0, init_std: float = 0.02
) -> Path:
    """Save the tiny thinker and its processor in ``directory``; return the path.

    ``audio_gain`` multiplies the audio encoder's output projection, to make the audio's
    influence on the random text model stronger when a test needs it; ``init_std`` is the text
    model's weight scale (larger: attention moves more information between positions).
    """
    import torch
    from transformers import (
        AutoTokenizer,
        GenerationConfig,
        Qwen2_5OmniThinkerConfig,
        Qwen2_5OmniThinkerForConditionalGeneration,
        WhisperFeatureExtractor,
    )

    directory = Path(directory)
    build_tokenizer(directory, extra_specials=[*OMNI_TOKENS.values(), "<|audio_placeholder|>"])
    tokenizer = AutoTokenizer.from_pretrained(str(directory), **OMNI_TOKENS)
    ids = {name: tokenizer.convert_tokens_to_ids(token) for name, token in OMNI_TOKENS.items()}
    hidden = 64
    config = Qwen2_5OmniThinkerConfig(
        audio_config={
            "num_mel_bins": 128, "encoder_layers": 1, "encoder_attention_heads": 2, "encoder_ffn_dim": 64,
            "d_model": 32, "max_source_positions": 1500, "n_window": 100, "output_dim": hidden,
        },
        vision_config={
            "depth": 1, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2,
            "out_hidden_size": hidden, "fullatt_block_indexes": [0],
        },
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": hidden, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
            "max_position_embeddings": 4096, "initializer_range": init_std,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [4, 6, 6]},
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),
        },
        audio_token_index=ids["audio_token"], image_token_index=ids["image_token"],
        video_token_index=ids["video_token"], audio_start_token_id=ids["audio_bos_token"],
        audio_end_token_id=ids["audio_eos_token"], vision_start_token_id=ids["vision_bos_token"],
        vision_end_token_id=ids["vision_eos_token"],
        user_token_id=tokenizer.encode("user", add_special_tokens=False)[0], initializer_range=init_std,
    )
    torch.manual_seed(seed)
    model = Qwen2_5OmniThinkerForConditionalGeneration(config)
    if audio_gain != 1.0:
        with torch.no_grad():
            model.audio_tower.proj.weight.mul_(audio_gain)
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=tokenizer.pad_token_id, do_sample=False)
    model.save_pretrained(str(directory))
    # Saved piece by piece: Qwen2_5OmniProcessor itself needs a torchvision video processor.
    tokenizer.chat_template = OMNI_TEMPLATE
    tokenizer.save_pretrained(str(directory))
    WhisperFeatureExtractor(feature_size=128).save_pretrained(str(directory))
    return directory


def as_full_omni_checkpoint(thinker_dir: str | Path, directory: str | Path) -> Path:
    """Re-save a tiny thinker in the layout of the published Qwen2.5-Omni checkpoints: a
    ``qwen2_5_omni`` config nesting ``thinker_config`` and the weights under ``thinker.``
    (the talker and token2wav configs are the defaults; no talker weights, never loaded)."""
    import shutil

    from safetensors.torch import load_file, save_file
    from transformers import AutoConfig, Qwen2_5OmniConfig

    source, directory = Path(thinker_dir), Path(directory)
    shutil.copytree(source, directory, ignore=shutil.ignore_patterns("model.safetensors", "config.json"))
    full = Qwen2_5OmniConfig(thinker_config=AutoConfig.from_pretrained(str(source)).to_dict(),
                             enable_audio_output=False)
    full.architectures = ["Qwen2_5OmniForConditionalGeneration"]
    full.save_pretrained(str(directory))
    weights = load_file(str(source / "model.safetensors"))
    save_file({f"thinker.{name}": tensor for name, tensor in weights.items()},
              str(directory / "model.safetensors"), metadata={"format": "pt"})
    return directory
