"""A tiny byte-level BPE tokenizer and a tiny random-weight Qwen2 chat model, built locally.

``build_tokenizer`` trains a byte-level BPE on a few sentences (all 256 bytes are in the
alphabet, so any text round-trips) and wraps it as a ``Qwen2Tokenizer`` with ChatML specials and
a chat template. ``build_tiny_chat_model`` saves a ``Qwen2ForCausalLM`` (hidden 64, 2 layers,
head_dim 32: vLLM's CPU attention supports head_dim 32) that vLLM and transformers both load.
Random weights produce garbage text: use it to test structure, parsing under constraints,
determinism and parity, never content.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHATML_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'audio' or part['type'] == 'audio_url' or part['type'] == 'input_audio' %}"
    "{{ 'Audio ' + loop.index|string + ': <|audio_bos|><|AUDIO|><|audio_eos|>\n' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
_CORPUS = [
    "Rating: 0 Rating: 1 Rating: 2 Orientation: Audio-Oriented Speech-Oriented Both Neither Good",
    "Explanation1: The provided audio sound is waves crashing, the spoken text is let's build a castle.",
    "They are planning to build a sandcastle at the beach. What is the audio sound? What is the spoken text?",
    "You are an NLP assistant. Based on both the audio sound and the spoken text, infer what they are doing.",
]


def build_tokenizer(
    directory: str | Path, extra_specials: Sequence[str] = (), vocab_size: int = 400, corpus: Sequence[str] = ()
) -> Any:
    """Train, wrap and save a tiny tokenizer in ``directory``; return the transformers tokenizer.

    ``corpus``: extra training text (e.g. a long prompt) so that it tokenizes into few tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    specials = [*CHATML_SPECIALS, *extra_specials]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator([*_CORPUS * 4, *corpus], trainer)
    bpe.save(str(directory / "bpe.json"))
    import json

    model = json.loads((directory / "bpe.json").read_text(encoding="utf-8"))["model"]
    (directory / "bpe.json").unlink()
    # Renumber the non-special tokens 0..n-1: the specials are added after them (ids n, n+1, ...);
    # keeping the trainer's ids (which start after the specials) would give two tokens one id.
    ordered = sorted((t for t in model["vocab"] if t not in specials), key=model["vocab"].__getitem__)
    vocab = {token: index for index, token in enumerate(ordered)}
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    tokenizer = Qwen2Tokenizer(
        vocab=vocab, merges=merges, unk_token=None, bos_token=None,
        eos_token="<|im_end|>", pad_token="<|endoftext|>",
    )
    tokenizer.add_special_tokens({"additional_special_tokens": list(specials[1:])})
    tokenizer.chat_template = CHATML_TEMPLATE
    tokenizer.save_pretrained(str(directory))
    return tokenizer


def build_tiny_chat_model(
    directory: str | Path,
    seed: int = 0,
    max_position_embeddings: int = 4096,
    vocab_size: int = 400,
    corpus: Sequence[str] = (),
    tie_word_embeddings: bool = True,
) -> Path:
    """Save a tiny random Qwen2ForCausalLM plus tokenizer in ``directory``; return the path.

    ``vocab_size``/``corpus`` train a larger tokenizer on text the model will be fed (fewer tokens
    per prompt, so long prompts stay cheap in tests). ``tie_word_embeddings=False`` gives a random
    output head: with tied embeddings a random model tends to repeat the prompt's last token."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    directory = Path(directory)
    tokenizer = build_tokenizer(directory, vocab_size=vocab_size, corpus=corpus)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        max_position_embeddings=max_position_embeddings, tie_word_embeddings=tie_word_embeddings,
        bos_token_id=None, eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id, dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id, do_sample=False
    )
    model.save_pretrained(str(directory))
    return directory
