"""The infer stage: answer every item of a task with a model, crash-safely and resumably.

``run_infer`` reads the item table (``--items`` or the items the task expands from its dataset),
builds every row's chat request (``jasco.stages.items``: audio loaded once per file, the task's
conversation) and looks it up in the result store under a key of everything that determines the
answer. Only the missing requests go to the model, in one submission; each answer is appended
(fsynced) to the store as it arrives, so a run killed at any moment, SIGKILL included, resumes
where it stopped, and a rerun costs no model call (the model is not even loaded). A row whose
audio cannot be read, or that the model fails on, gets its error in the ``infer_error`` column
and an empty answer; the run goes on and counts the errors. An empty answer (``content: null``
included) or one cut at the token limit is such a row error (``empty content``, ``truncated at
max_tokens``; ``jasco.stages.guard``), and so is a stored answer of either kind from an older
run. Errors are not stored, so the next run retries them. After ``max_consecutive_errors``
consecutive failures to reach the model (a dead server or worker) the run stops: the rows not
answered get an error saying so, and what succeeded is written. A model that takes fewer audio
inputs than the task's items hold is refused before anything is loaded.

The output is the item table plus the answer (in the task's ``answer_column``: ``allm_output``
for JASCO) and two columns: ``model`` (the model id the model describes, or its name for models
without one) and ``infer_error`` (empty, or why this row has no answer). Answers carrying named
values (predictors) add ``answer_values`` and requests asking for logprobs add
``answer_logprobs`` (JSON); rows the task does not ask this model (``Task.excluded_rows``: e.g. an
audio longer than its window, under an "exclude" policy) add ``infer_excluded``, the reason, and
are counted, never sent. It is written atomically with ``<out>.manifest.json`` (arguments,
the task and its options, the model's description, decoding settings and seed, counts).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.models.availability import ensure_available
from jasco.models.base import Model, audio_capacity_error, build_model
from jasco.models.types import ChatRequest
from jasco.stages.decoding import GenerationSettings
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS, ModelUnavailableError, ResultGuard
from jasco.stages.items import PreparedRow, load_item_table, prepare_rows, task_data_dir
from jasco.tasks.base import TaskError, get_task


@dataclass(frozen=True)
class InferSummary:
    out_csv: Path
    manifest_path: Path
    n_rows: int
    n_generated_now: int
    n_from_store: int
    n_errors: int
    n_truncated: int = 0  # rows that failed as "truncated at max_tokens" (finish reason "length")
    n_empty: int = 0  # rows that failed as "empty content"
    stopped: str | None = None  # why the run stopped early (the model could not be reached), else None
    n_excluded: int = 0  # rows the task does not ask this model (``infer_excluded`` says why)


def model_identity(model: Model, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What names the model in a store key: its name, model id, revision, backend, and the options
    it was built with minus those that cannot change a result (``jasco.stages.result_options``)."""
    from jasco.stages.result_options import key_options

    description = model.describe()
    return {
        "adapter": model.name,
        "model_id": description.get("model_id"),
        "revision": description.get("revision"),
        "backend": description.get("backend"),
        "options": key_options(options, model),
    }


def check_capacity(model: Model, n_audios: int) -> None:
    problem = audio_capacity_error(model, n_audios)
    if problem:
        raise TaskError(problem)


def run_infer(
    out_csv: Path,
    *,
    model: str,
    task: str = "jasco",
    task_options: Mapping[str, Any] | None = None,
    items_csv: Path | None = None,
    data_dir: Path | None = None,
    options: Mapping[str, Any] | None = None,
    settings: GenerationSettings | None = None,
    store_path: Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    check_audio_items: int = 0,
    adapter: Model | None = None,
    echo: Callable[[str], None] | None = None,
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
) -> InferSummary:
    """Answer ``task``'s items with ``model`` and write ``out_csv`` plus its manifest.

    ``task_options``: the task's options as given (checked by the task). ``check_audio_items`` > 0
    first runs that many items with their audio and with each audio silenced and raises
    ``AudioCheckError`` if no answer changes. ``adapter`` reuses a model already built (it is
    then not closed); otherwise the one registered as ``model`` is built from ``options``.
    """
    from jasco.core.paths import default_store_path
    from jasco.core.store import ResultStore
    from jasco.tasks.options import as_given, result_options

    out_csv = Path(out_csv)
    the_task = get_task(task)
    values = the_task.resolve_options(as_given(task_options))
    settings = settings or GenerationSettings()
    echo = echo or (lambda message: print(message, file=sys.stderr))
    store_path = Path(store_path) if store_path else default_store_path(out_csv)
    items_csv = Path(items_csv) if items_csv else None
    data_path = task_data_dir(the_task, data_dir)
    frame = load_item_table(the_task, items_csv, data_path, values)
    if limit is not None:
        frame = frame.iloc[:limit].reset_index(drop=True)
    own = adapter is None
    active = adapter if adapter is not None else build_model(model, options)
    try:
        check_capacity(active, len(the_task.audio_columns_for(values)))
        excluded = the_task.excluded_rows(frame, active, values)
        identity = model_identity(active, options)
        key_options = {**result_options(the_task.options, values), **the_task.fingerprint(values)}
        prepared = prepare_rows(the_task, frame, identity, settings, items_csv=items_csv, data_dir=data_path,
                                options=values, key_options=key_options, excluded=excluded,
                                key_row=bool(getattr(active, "answers_from_row", False)))
        run = _Answers(prepared, settings.accept_truncated)
        guard_label = f"model {model!r} ({identity['model_id'] or identity['adapter']})"
        with ResultStore(store_path) as store:
            pending = run.look_up(store)
            if pending:  # something to generate: the model must load here, and hear the audio
                ensure_available(active)
                if check_audio_items > 0:
                    _run_audio_check(active, prepared, check_audio_items, echo)
            elif check_audio_items > 0:
                echo("audio check skipped: every answer is already stored (the model is not loaded)")
            run.answer(active, store, pending, progress, max_consecutive_errors, guard_label)
        description = active.describe()
    finally:
        if own:
            active.close()

    frame = frame.copy()
    frame[the_task.answer_column] = [run.texts.get(i, "") for i in range(len(frame))]
    frame["model"] = identity["model_id"] or identity["adapter"]
    frame["infer_error"] = [run.errors.get(i, "") for i in range(len(frame))]
    if excluded:
        frame["infer_excluded"] = [excluded.get(i, "") for i in range(len(frame))]
    if run.values:
        frame["answer_values"] = [json.dumps(run.values[i]) if i in run.values else "" for i in range(len(frame))]
    if any(row.request is not None and row.request.top_logprobs for row in prepared):
        frame["answer_logprobs"] = [json.dumps(run.logprobs.get(i)) if i in run.logprobs else ""
                                    for i in range(len(frame))]
    return _finish(frame, out_csv, run, echo, arguments={
        "model": model, "task": the_task.name, "task_options": values, "items_csv": items_csv,
        "data_dir": data_dir, "options": dict(options or {}), "store_path": store_path, "limit": limit,
        "check_audio_items": check_audio_items, "max_consecutive_errors": max_consecutive_errors,
    }, details={
        "adapter": description, "model_id": identity["model_id"], "revision": identity["revision"],
        "backend": identity["backend"], "decoding": settings.as_dict(), "seed": settings.seed,
        "accept_truncated": settings.accept_truncated,
        "store_key_version": max((row.key_version for row in prepared), default=1),
        "prompt_hashes": the_task.fingerprint(values),
    }, excluded=len(excluded))


def _finish(frame: Any, out_csv: Path, run: _Answers, echo: Callable[[str], None], *,
            arguments: dict[str, Any], details: dict[str, Any], excluded: int = 0) -> InferSummary:
    from jasco.core.runinfo import write_manifest
    from jasco.core.table import write_table

    write_table(frame, out_csv)
    counts = {"rows": len(frame), "generated_now": run.generated_now, "from_store": run.from_store,
              "errors": len(run.errors), "truncated": run.truncated, "empty": run.empty,
              "truncated_kept": run.truncated_kept, "excluded": excluded}
    manifest = write_manifest(out_csv, stage="infer", arguments=arguments, details={**details, "counts": counts})
    labels = [str(value) for value in frame["id"]] if "id" in frame.columns else [""] * len(frame)
    for position in sorted(run.errors)[:20]:
        echo(f"error: row {position + 2} ({labels[position]}): {run.errors[position]}")
    if len(run.errors) > 20:
        echo(f"... and {len(run.errors) - 20} more errors (see the infer_error column)")
    if run.stopped:
        echo(f"error: {run.stopped}")
    return InferSummary(out_csv=out_csv, manifest_path=manifest, n_rows=len(frame), n_generated_now=run.generated_now,
                        n_from_store=run.from_store, n_errors=len(run.errors), n_truncated=run.truncated,
                        n_empty=run.empty, stopped=run.stopped, n_excluded=excluded)


class _Answers:
    """Every row's answer: from the store, or from the model (stored the moment it arrives)."""

    def __init__(self, prepared: list[PreparedRow], accept_truncated: bool = False) -> None:
        self.prepared = prepared
        self.accept_truncated = accept_truncated
        self.texts: dict[int, str] = {}
        self.values: dict[int, dict[str, float]] = {}
        self.logprobs: dict[int, Any] = {}
        self.errors: dict[int, str] = {i: row.error for i, row in enumerate(prepared) if row.error}
        self.from_store = self.generated_now = self.truncated = self.empty = self.truncated_kept = 0
        self.stopped: str | None = None

    def _take(self, index: int, stored: Mapping[str, Any]) -> None:
        self.texts[index] = str(stored.get("text") or "")
        if stored.get("values") is not None:
            self.values[index] = dict(stored["values"])
        if stored.get("logprobs") is not None:
            self.logprobs[index] = stored["logprobs"]

    def look_up(self, store: Any) -> list[ChatRequest]:
        """Take every stored answer; return the requests still to generate."""
        pending = []
        for index, row in enumerate(self.prepared):
            if row.key is None or row.request is None:
                continue
            stored = store.get(row.key)
            if stored is not None and _usable(stored, self.accept_truncated):
                self._take(index, stored)
                self.from_store += 1
            else:
                pending.append(row.request)
        return pending

    def answer(self, model: Model, store: Any, pending: list[ChatRequest], progress: bool,
               max_consecutive_errors: int, label: str) -> None:
        from tqdm import tqdm

        from jasco.models.types import ModelResult

        if not pending:
            return
        bar = tqdm(total=len(pending), desc=f"infer {model.name}", unit="item", disable=not progress)

        def on_result(result: ModelResult) -> None:
            request = self.prepared[result.index].request
            key = self.prepared[result.index].key
            if result.ok and key is not None and request is not None:
                value: dict[str, Any] = {"text": result.text or "", "item_id": request.item_id}
                extras = {"finish_reason": result.finish_reason, "n_tokens": result.n_tokens,
                          "values": dict(result.values) if result.values is not None else None,
                          "logprobs": [p.as_dict() for p in result.logprobs] if result.logprobs else None}
                value.update({k: v for k, v in extras.items() if v is not None})
                store.put(key, value)
                self._take(result.index, value)
                self.generated_now += 1
            else:
                self.errors[result.index] = result.error or "the model returned neither an answer nor an error"
            bar.update(1)

        guard = ResultGuard(on_result, max_consecutive_errors, label, accept_truncated=self.accept_truncated)
        try:
            model.generate(pending, guard)
        except ModelUnavailableError:
            pass  # guard.stopped says why; the rows not answered get that error below
        finally:
            bar.close()
        self.stopped, self.truncated, self.empty = guard.stopped, guard.n_truncated, guard.n_empty
        self.truncated_kept = guard.n_truncated_kept
        for request in pending:
            if request.index not in self.texts and request.index not in self.errors:
                self.errors[request.index] = guard.not_run()


def _usable(stored: Mapping[str, Any], accept_truncated: bool = False) -> bool:
    """A stored answer that is not empty and not truncated (older runs stored both as successes)."""
    from jasco.models.types import ModelResult

    values = stored.get("values")
    return ModelResult(index=0, text=stored.get("text"), finish_reason=stored.get("finish_reason"),
                       values=dict(values) if values is not None else None).problem(accept_truncated) is None


def _run_audio_check(model: Model, prepared: list[PreparedRow], n_items: int, echo: Callable[[str], None]) -> None:
    from jasco.models.check import AudioCheckError, check_audio

    usable = [row.request for row in prepared if row.request is not None]
    chosen: list[Any] = []
    seen: set[tuple[str, ...]] = set()
    for request in usable:  # one item per set of audio files first, then any others
        files = tuple(str(audio.path) for audio in request.audios)
        if files not in seen:
            seen.add(files)
            chosen.append(request)
    picked = {request.index for request in chosen}
    chosen += [request for request in usable if request.index not in picked]
    result = check_audio(model, chosen[:n_items])
    if not result.passed:
        raise AudioCheckError(result.message())
    echo(result.message())
