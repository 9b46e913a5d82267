"""One judge run over the rows of an answers table: look up, send what is missing, store, repair.

Each row with an answer is rendered into the task's judge conversation and looked up in the
result store; the missing conversations go to the model in ONE batch (the backend schedules it),
rows sharing a conversation share one call, and every judgment is stored the moment it arrives.
With ``repair``, every row whose verdict the task can repair gets its re-asks (the task says which:
JASCO's orientation and rating re-asks), each once, also stored. Rows without an answer are never
sent (the task's ``no_answer`` verdict, decided by rule). Every result passes ``ResultGuard``: an
empty or truncated judge answer is an error, and after ``max_consecutive_errors`` failures to
reach the judge the run stops (``stopped``); a call that fails for good is the task's ``failed``
verdict with the error, and is retried by the next run (errors are never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jasco.core.store import ResultStore
from jasco.models.base import Model
from jasco.models.conversation import messages_from_dicts
from jasco.models.types import ChatRequest, ModelResult
from jasco.stages.decoding import Decoding
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS, ModelUnavailableError, ResultGuard
from jasco.stages.judge.keys import judgment_key
from jasco.tasks.base import JudgeSpec, Verdict

JUDGMENT = "judgment"


class JudgeJob:
    """The rows of one run and what is known about each."""

    def __init__(self, frame: Any, spec: JudgeSpec, template: str, decoding: Decoding, who: dict[str, Any],
                 progress: bool, max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS) -> None:
        self.spec, self.template, self.decoding, self.who, self.progress = spec, template, decoding, who, progress
        self.max_consecutive_errors = max_consecutive_errors
        self.hashes = spec.template_hashes(template)
        self.rows: list[dict[str, str]] = frame.to_dict(orient="records")
        self.texts: list[str | None] = [None] * len(self.rows)
        self.errors: dict[int, str] = {}  # row -> judgment call error (retries exhausted)
        self.repair_errors: dict[int, dict[str, str]] = {}  # row -> {kind: error}
        self.verdicts: dict[int, Verdict] = {}  # rows whose verdict came from a repair
        self.from_store = self.judged_now = self.repaired = self.calls = 0
        self.n_empty = self.n_truncated = 0
        self.stopped: str | None = None  # why the run stopped early (the judge could not be reached)

    def has_answer(self, row: Mapping[str, str]) -> bool:
        return bool(str(row[self.spec.answer_column]).strip())

    def judge_all(self, store: ResultStore, backend: Model) -> None:
        pending: dict[str, list[tuple[int, str]]] = {}  # key -> (row, kind) sharing that conversation
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        for index, row in enumerate(self.rows):
            if not self.has_answer(row):
                continue
            conversation = self.spec.messages(self.template, row)
            key = judgment_key(self.who, self.decoding, self.template, JUDGMENT, conversation, self.hashes)
            hit = store.get(key)
            if hit is not None and str(hit.get("text") or "").strip():
                self.texts[index] = hit["text"]
                self.from_store += 1
            else:
                pending.setdefault(key, []).append((index, JUDGMENT))
                messages[key] = conversation
        n_sendable = sum(1 for row in self.rows if self.has_answer(row))
        self._call(store, backend, pending, messages, total=n_sendable, done=self.from_store)

    def repair_all(self, store: ResultStore, backend: Model) -> None:
        """Each re-ask the task asks for, once per row and kind."""
        pending: dict[str, list[tuple[int, str]]] = {}
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        keys: dict[int, dict[str, str]] = {}  # row -> {kind: key}
        for index, text in enumerate(self.texts):
            requests = {} if text is None else self.spec.repair_requests(self.template, text)
            for kind, conversation in requests.items():
                key = judgment_key(self.who, self.decoding, self.template, kind, conversation, self.hashes)
                keys.setdefault(index, {})[kind] = key
                if store.get(key) is None:
                    pending.setdefault(key, []).append((index, kind))
                    messages[key] = conversation
        total = sum(len(kinds) for kinds in keys.values())
        self._call(store, backend, pending, messages, total=total, done=total - sum(map(len, pending.values())))
        for index, kinds in keys.items():
            answers = {kind: str((store.get(key) or {}).get("text") or "") for kind, key in kinds.items()}
            verdict = self.spec.repaired(self.texts[index] or "", answers, self.repair_errors.get(index, {}))
            self.verdicts[index] = verdict
            self.repaired += verdict.scored

    def _call(self, store: ResultStore, backend: Model, pending: dict[str, list[tuple[int, str]]],
              messages: Mapping[str, tuple[dict[str, str], ...]], *, total: int, done: int) -> None:
        """Send every pending conversation in one batch; store each text as it arrives."""
        if not pending or self.stopped:
            for rows in pending.values():  # the judge is gone: what was not sent is an error too
                for index, kind in rows:
                    self._fail(index, kind, f"not run: {self.stopped}")
            return
        from tqdm import tqdm

        from jasco.models.availability import ensure_available

        ensure_available(backend)  # one line now, not a loader's traceback (a stored rerun never gets here)
        keys = list(pending)
        kinds = {kind for rows in pending.values() for _, kind in rows}
        label = "judgments" if kinds == {JUDGMENT} else "re-asks"
        regex = None
        if self.decoding.structured and kinds == {JUDGMENT}:
            regex = self.spec.regex(self.template, self.decoding.max_tokens)
        sampling = self.decoding.sampling()
        requests = [
            ChatRequest(index=i, item_id=f"row {pending[key][0][0] + 2}", messages=messages_from_dicts(messages[key]),
                        sampling=sampling, regex=regex, row=self.rows[pending[key][0][0]])
            for i, key in enumerate(keys)
        ]
        answered: set[int] = set()
        bar = tqdm(total=total, initial=done, unit="row", desc=f"judge ({label})", disable=not self.progress,
                   dynamic_ncols=True)

        def on_result(result: ModelResult) -> None:
            i = result.index
            if i in answered or not 0 <= i < len(keys):
                raise RuntimeError(f"judge backend answered request {i} twice or out of range")
            answered.add(i)
            key = keys[i]
            if result.ok and result.text is not None:
                store.put(key, {"text": result.text, "kind": pending[key][0][1], "model": self.who["model"]})
            for index, kind in pending[key]:
                if not result.ok or result.text is None:
                    self._fail(index, kind, result.error or "no text and no error from the backend")
                elif kind == JUDGMENT:
                    self.texts[index] = result.text
                    self.judged_now += 1
            bar.update(len(pending[key]))

        guard = ResultGuard(on_result, self.max_consecutive_errors, f"judge {self.who['model']!r}",
                            accept_truncated=self.decoding.accept_truncated)
        self.calls += len(requests)
        try:
            backend.generate(requests, guard)
        except ModelUnavailableError:
            self.stopped = guard.stopped
        finally:
            bar.close()
        self.n_empty += guard.n_empty
        self.n_truncated += guard.n_truncated
        if len(answered) != len(keys) and not self.stopped:
            raise RuntimeError(f"judge backend answered {len(answered)} of {len(keys)} requests")
        for i, key in enumerate(keys):
            if i not in answered:
                for index, kind in pending[key]:
                    self._fail(index, kind, guard.not_run())

    def _fail(self, index: int, kind: str, error: str) -> None:
        if kind == JUDGMENT:
            self.errors[index] = error
        else:
            self.repair_errors.setdefault(index, {})[kind] = error

    def verdict(self, index: int) -> Verdict:
        if index in self.verdicts:
            return self.verdicts[index]
        if not self.has_answer(self.rows[index]):
            return self.spec.no_answer(self.rows[index])
        if index in self.errors:
            return self.spec.failed(self.errors[index])
        return self.spec.verdict(self.texts[index])
