"""A tiny random-weight Voxtral (audio + text in, text out), built locally.

Voxtral's processor tokenizes with mistral-common's "tekken" tokenizer, so this writes a tiny
``tekken.json`` (the 256 byte tokens, the control tokens up to ``[TRANSCRIBE]``, an audio section
at 16 kHz, 12.5 audio tokens per second in 30 s chunks, 128 mel bins, version v7) beside
a ``VoxtralForConditionalGeneration`` (a Whisper-style encoder with 1500 source positions, a
2-layer Llama text model with head_dim 32) and the processor's feature extractor. The real
``mistralai/Voxtral-Mini-3B-2507`` loads with the same classes. Random weights: garbage text.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

# GPT-2's pre-tokenization pattern (tiktoken syntax); the real tekken file has its own.
_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
NUM_SPECIAL_TOKENS = 32


def write_tekken(directory: Path) -> dict[str, int]:
    """Write ``tekken.json``; return the ids of the special tokens the model config needs."""
    from mistral_common.tokens.tokenizers.base import SpecialTokens

    names = [token.value for token in SpecialTokens]
    names = names[: names.index(SpecialTokens.transcribe.value) + 1]
    specials = [{"rank": rank, "token_str": name, "is_control": True} for rank, name in enumerate(names)]
    vocab = [
        {"rank": i, "token_bytes": base64.b64encode(bytes([i])).decode("ascii"), "token_str": None}
        for i in range(256)
    ]
    tekken = {
        "config": {
            "pattern": _PATTERN, "num_vocab_tokens": len(vocab),
            "default_vocab_size": len(vocab) + NUM_SPECIAL_TOKENS,
            "default_num_special_tokens": NUM_SPECIAL_TOKENS, "version": "v7",
        },
        "vocab": vocab,
        "special_tokens": specials,
        "audio": {
            "sampling_rate": 16000, "frame_rate": 12.5, "chunk_length_s": 30.0,
            "audio_encoding_config": {"num_mel_bins": 128, "hop_length": 160, "window_size": 400},
        },
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tekken.json").write_text(json.dumps(tekken), encoding="utf-8")
    rank = {name: index for index, name in enumerate(names)}
    return {
        "audio": rank[SpecialTokens.audio.value], "bos": rank[SpecialTokens.bos.value],
        "eos": rank[SpecialTokens.eos.value], "pad": rank[SpecialTokens.pad.value],
        "vocab_size": len(vocab) + NUM_SPECIAL_TOKENS,
    }


def build_tiny_voxtral(
    directory: str | Path, seed: int = 0, audio_gain: float = 1.0, init_std: float = 0.02
) -> Path:
    """Save the tiny Voxtral and its processor files in ``directory``; return the path.

    ``audio_gain`` scales the audio projector's output layer and ``init_std`` the text model's
    weights, to make the audio's influence on the random text model visible when a test needs it.
    """
    import torch
    from transformers import GenerationConfig, VoxtralConfig, VoxtralForConditionalGeneration, WhisperFeatureExtractor

    directory = Path(directory)
    ids = write_tekken(directory)
    config = VoxtralConfig(
        audio_config={
            "hidden_size": 32, "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 2,
            "num_mel_bins": 128, "max_source_positions": 1500, "vocab_size": ids["vocab_size"],
        },
        text_config={
            "vocab_size": ids["vocab_size"], "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
            "max_position_embeddings": 4096, "initializer_range": init_std,
            "bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
        },
        audio_token_id=ids["audio"], initializer_range=init_std,
    )
    torch.manual_seed(seed)
    model = VoxtralForConditionalGeneration(config)
    if audio_gain != 1.0:
        with torch.no_grad():
            model.model.multi_modal_projector.linear_2.weight.mul_(audio_gain)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["bos"], eos_token_id=ids["eos"], pad_token_id=ids["pad"], do_sample=False
    )
    model.save_pretrained(str(directory))
    WhisperFeatureExtractor(feature_size=128).save_pretrained(str(directory))
    return directory
