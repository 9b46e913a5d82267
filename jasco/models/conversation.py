"""A ``ChatRequest``'s conversation in the shapes backends need.

- ``hf_messages``: for a chat template (transformers processors and tokenizers, in-process vLLM):
  a message whose only part is text keeps a plain string as content; otherwise each audio part
  is ``{"type": "audio", "audio_url": <file>}`` (Qwen2-Audio's template spots audio parts by the
  ``audio_url`` key; the samples travel separately) and each text part ``{"type": "text", ...}``.
- ``openai_messages``: for an OpenAI-compatible server: text-only messages as plain strings,
  audio parts as ``input_audio`` base64 WAVs (32-bit float by default: exactly our samples).
- ``describe_messages``: a JSON-ready form with each audio part replaced by its slot number,
  for the worker protocol and for store keys (with the audio's sha256 added by the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jasco.models.types import AudioPart, ChatRequest, Message, TextPart


def _text_only(message: Message) -> bool:
    return len(message.parts) == 1 and isinstance(message.parts[0], TextPart)


def _render(messages: Sequence[Message], audio: Callable[[AudioPart], dict[str, Any]]) -> list[dict[str, Any]]:
    """Text-only messages as plain strings; others as parts, each audio part rendered by ``audio``."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if _text_only(message):
            out.append({"role": message.role, "content": message.text})
            continue
        content = [audio(part) if isinstance(part, AudioPart) else {"type": "text", "text": part.text}
                   for part in message.parts]
        out.append({"role": message.role, "content": content})
    return out


def hf_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return _render(messages, lambda part: {"type": "audio", "audio_url": str(part.path or "audio")})


def openai_messages(messages: Sequence[Message], wav_subtype: str = "FLOAT") -> list[dict[str, Any]]:
    from jasco.core.audio import wav_base64

    return _render(messages, lambda part: {"type": "input_audio", "input_audio": {
        "data": wav_base64(part.samples, part.sample_rate, wav_subtype), "format": "wav"}})


def describe_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Messages as JSON: ``{"role", "content": [{"type": "text", "text"} | {"type": "audio", "slot": k}]}``."""
    out = []
    slot = 0
    for message in messages:
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, AudioPart):
                content.append({"type": "audio", "slot": slot})
                slot += 1
            else:
                content.append({"type": "text", "text": part.text})
        out.append({"role": message.role, "content": content})
    return out


def messages_from_description(described: Sequence[Any], audios: Sequence[AudioPart]) -> tuple[Message, ...]:
    """The inverse of ``describe_messages``: audio slots filled from ``audios``."""
    messages = []
    for message in described:
        parts: list[AudioPart | TextPart] = []
        for part in message["content"]:
            if part.get("type") == "audio":
                parts.append(audios[int(part["slot"])])
            else:
                parts.append(TextPart(str(part["text"])))
        messages.append(Message(str(message["role"]), tuple(parts)))
    return tuple(messages)


def messages_from_dicts(conversation: Sequence[dict[str, Any]]) -> tuple[Message, ...]:
    """``[{"role": ..., "content": "text"}, ...]`` (a text-only chat) as ``Message``s."""
    return tuple(Message.of_text(str(m["role"]), str(m["content"])) for m in conversation)


def user_text(request: ChatRequest) -> str:
    """The text of the request's user turns, joined by blank lines (for single-prompt models)."""
    return "\n\n".join(m.text for m in request.messages if m.role == "user" and m.text)
