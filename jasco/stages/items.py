"""A task's item table as chat requests: the rows, their audio, their store keys.

``load_item_table`` reads an item table (``--items``; checked against the task's columns and row
key) or expands the task's items from its dataset. ``prepare_rows`` loads every audio file once
(mono float32 at 16 kHz; other rates resampled), builds each row's ``ChatRequest`` with the task's
conversation and answer format, and its result-store key (``infer_key``). A row whose audio cannot
be read gets its error instead (the run goes on).

Store keys (``key_version`` 3) hash everything that determines an answer: the model's identity
(name, model id, revision, backend), every model option given except the few that cannot change
a result (``jasco.stages.result_options``: so dtype, batch size, device, context length, system
prompt, worker arguments, base URLs are in it), the decoding settings, the whole conversation
with each audio part's sha256 in its slot, the regex, the logprobs asked for, the task options
that change answers, and, for a model that answers from the item's row rather than from the
conversation (``answers_from_row``: the control answers), the row's cells (all but its audio
paths). Versions 1 and 2 (before the deny-list) are never reused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, ChatRequest
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


def verify_dataset(task: Task, data_dir: Path) -> None:
    """The task's installed dataset against its committed hashes (well under a second), so no stage
    reads a changed table or a truncated file; a ``DatasetError`` naming the first problem."""
    from jasco.tasks.datasets import DatasetError, get_dataset

    name = task.dataset_for(Path(data_dir))
    if name is None:  # a corpus in the task's layout without committed hashes: the task's reader checks it
        return
    dataset = get_dataset(name)
    if not Path(data_dir).is_dir():
        raise DatasetError(f"dataset {dataset.name} is not installed in {data_dir}: run "
                           f"`jasco data fetch --dataset {dataset.name}`, or pass --data-dir")
    problems = dataset.verify(Path(data_dir)).problems
    if problems:
        raise DatasetError(
            f"dataset {dataset.name} in {data_dir} does not match its committed hashes ({len(problems)} "
            f"problem(s), first: {problems[0]}); `jasco data verify --dataset {dataset.name}` lists them, "
            f"`jasco data fetch --dataset {dataset.name} --force` reinstalls it"
        )


def expand_items(task: Task, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
    """The task's items, expanded from its dataset once the dataset verifies."""
    verify_dataset(task, data_dir)
    return task.expand(data_dir, options)


def load_item_table(task: Task, items_csv: Path | None, data_dir: Path | None,
                    options: Mapping[str, Any]) -> pd.DataFrame:
    """``--items`` (checked, and the dataset verified when the table reads audio from it), else the
    items expanded from the verified dataset."""
    from jasco.core.paths import resolve_audio_path
    from jasco.core.table import check_unique, read_table

    root = task_data_dir(task, data_dir)
    if items_csv is None:
        return expand_items(task, root, options)
    frame = read_table(items_csv, required=task.item_columns)
    check_unique(frame, items_csv, task.row_key)
    for column in task.audio_columns:
        for cell in frame[column]:
            path = resolve_audio_path(str(cell), items_csv, root)
            if path is not None and (path == root or root in path.parents):
                verify_dataset(task, root)
                return frame
    return frame


KEY_VERSION = 3


def infer_key(identity: Mapping[str, Any], settings: GenerationSettings, request: ChatRequest,
              audio_sha256: Sequence[str], task_options: Mapping[str, Any],
              row: Mapping[str, str] | None = None) -> tuple[str, int]:
    """The store key of one request and its key version (see the module docstring). ``identity``
    holds the model's name, id, revision, backend and key options; ``row``: the item's cells, for
    a model that answers from them."""
    from jasco.core.store import stable_key
    from jasco.models.conversation import describe_messages

    conversation = describe_messages(request.messages)
    for message in conversation:
        for part in message["content"]:
            if part["type"] == "audio":
                part["sha256"] = audio_sha256[part["slot"]]
    fields = {"stage": "infer", "key_version": KEY_VERSION, **identity, "decoding": settings.as_dict(),
              "conversation": conversation, "regex": request.regex, "top_logprobs": request.top_logprobs,
              "task_options": dict(task_options)}
    if row is not None:
        fields["row"] = dict(row)
    return stable_key(fields), KEY_VERSION


def prepare_rows(
    task: Task, frame: pd.DataFrame, identity: Mapping[str, Any], settings: GenerationSettings, *,
    items_csv: Path | None, data_dir: Path, options: Mapping[str, Any], key_options: Mapping[str, Any],
    key_row: bool = False,
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
                    audio = load_audio(path)  # a problem names the file; each row using it names itself
                    loaded[path] = (AudioPart(audio.samples, audio.sample_rate, path), audio_content_sha256(path))
                except (AudioError, OSError) as problem:
                    loaded[path] = str(problem)  # the row is named below, for every row that uses the file
            got = loaded[path]
            if isinstance(got, str):
                error = f"{where}, row {position + 2} (item {task.item_id(row, position)}): {got}"
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
        cells = {k: v for k, v in row.items() if k not in audio_columns} if key_row else None
        key, version = infer_key(identity, settings, request, shas, key_options, cells)
        rows.append(PreparedRow(request, key, None, version))
    return rows
