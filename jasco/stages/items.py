"""A task's item table as chat requests: the rows, their audio, their store keys.

``load_item_table`` reads an item table (``--items``; checked against the task's columns and row
key) or expands the task's items from its dataset. ``prepare_rows`` loads every audio file once
(mono float32 at 16 kHz; other rates resampled), builds each row's ``ChatRequest`` with the task's
conversation and answer format, and its result-store key (``infer_key``). A row whose audio cannot
be read gets its error instead (the run goes on).

Store keys hash everything that determines an answer: the model's identity (name, model id,
revision, backend), the decoding settings, and the request. A request that is one user turn of
one audio and an instruction (JASCO's shape) keeps the key of stores written before the task
layer (``key_version`` 1: the audio's sha256 and the instruction); any other conversation is
``key_version`` 2: every turn with each audio part's sha256 in its slot, the regex, the logprobs
asked for, and the task options that change answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, ChatRequest, TextPart
from jasco.stages.decoding import GenerationSettings
from jasco.tasks.base import Task

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class PreparedRow:
    """One table row ready for the model: its request and store key, or why it has none."""

    request: ChatRequest | None
    key: str | None
    error: str | None
    key_version: int = 1
    excluded: str | None = None  # why the task does not ask this model this row (not an error)


def task_data_dir(task: Task, data_dir: Path | None) -> Path:
    """``--data-dir``, else the task's dataset directory, absolute."""
    from jasco.tasks.datasets import get_dataset

    return Path(data_dir or get_dataset(task.dataset).default_dir()).expanduser().resolve()


def load_item_table(task: Task, items_csv: Path | None, data_dir: Path | None,
                    options: Mapping[str, Any]) -> pd.DataFrame:
    from jasco.core.table import check_unique, read_table

    if items_csv is None:
        return task.expand(task_data_dir(task, data_dir), options)
    frame = read_table(items_csv, required=task.item_columns)
    check_unique(frame, items_csv, task.row_key)
    return frame


def infer_key(identity: Mapping[str, Any], settings: GenerationSettings, request: ChatRequest,
              audio_sha256: Sequence[str], task_options: Mapping[str, Any]) -> tuple[str, int]:
    """The store key of one request and its key version (see the module docstring)."""
    from jasco.core.store import stable_key
    from jasco.models.conversation import describe_messages

    base = {"stage": "infer", **identity, "decoding": settings.as_dict()}
    (first, *others) = request.messages
    parts = first.parts
    if (not others and first.role == "user" and len(parts) == 2 and isinstance(parts[0], AudioPart)
            and isinstance(parts[1], TextPart) and request.regex is None and not request.top_logprobs
            and not task_options):
        return stable_key({**base, "key_version": 1, "audio_sha256": audio_sha256[0],
                           "instruction": parts[1].text}), 1
    conversation = describe_messages(request.messages)
    for message in conversation:
        for part in message["content"]:
            if part["type"] == "audio":
                part["sha256"] = audio_sha256[part["slot"]]
    return stable_key({**base, "key_version": 2, "conversation": conversation, "regex": request.regex,
                       "top_logprobs": request.top_logprobs, "task_options": dict(task_options)}), 2


def prepare_rows(
    task: Task, frame: pd.DataFrame, identity: Mapping[str, Any], settings: GenerationSettings, *,
    items_csv: Path | None, data_dir: Path, options: Mapping[str, Any], key_options: Mapping[str, Any],
    excluded: Mapping[int, str] | None = None,
) -> list[PreparedRow]:
    """Load each audio file once and build every row's request and store key (or its error); rows in
    ``excluded`` (position -> reason) are not built and their audio is not read."""
    from jasco.core.audio import AudioError, audio_content_sha256, load_audio
    from jasco.core.paths import resolve_audio_path

    loaded: dict[Path, tuple[AudioPart, str] | str] = {}
    answer_format = task.answer_format(options)
    rows = []
    where = items_csv or "the expanded items"
    excluded = excluded or {}
    audio_columns = task.audio_columns_for(options)
    for position, record in enumerate(frame.to_dict("records")):
        if position in excluded:
            rows.append(PreparedRow(None, None, None, excluded=excluded[position]))
            continue
        row = {str(k): str(v) for k, v in record.items()}
        audios: list[AudioPart] = []
        shas: list[str] = []
        error = None
        for column in audio_columns:
            path = resolve_audio_path(row[column], items_csv, data_dir)
            if path is None:
                error = f"{where}, row {position + 2}: no audio file in column {column!r}"
                break
            if path not in loaded:
                try:
                    audio = load_audio(path, clip_id=row.get("id", task.item_id(row, position)))
                    loaded[path] = (AudioPart(audio.samples, audio.sample_rate, path), audio_content_sha256(path))
                except (AudioError, OSError) as problem:
                    loaded[path] = f"{where}, row {position + 2}: {problem}"
            got = loaded[path]
            if isinstance(got, str):
                error = got
                break
            audios.append(got[0])
            shas.append(got[1])
        if error is not None:
            rows.append(PreparedRow(None, None, error))
            continue
        request = ChatRequest(
            index=position, item_id=task.item_id(row, position), messages=task.conversation(row, audios, options),
            sampling=settings.sampling(), regex=answer_format.regex, top_logprobs=answer_format.top_logprobs,
            row=row,
        )
        key, version = infer_key(identity, settings, request, shas, key_options)
        rows.append(PreparedRow(request, key, None, version))
    return rows
