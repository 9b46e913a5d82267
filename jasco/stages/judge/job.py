"""One judge run over the rows of an answers table: look up, send what is missing, store, repair.

Each row with an answer is rendered into the task's judge conversation and looked up in the
result store; the missing conversations go to the model in ONE batch (the backend schedules it),
rows sharing a conversation share one call, and every judgment is stored the moment it arrives.
With ``repair``, every row whose verdict the task can repair gets one bounded re-ask, also stored.
Empty answers are never sent (the task's ``no_answer`` verdict); a call that fails for good is
the task's ``failed`` verdict with the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jasco.core.store import ResultStore
from jasco.models.base import Model
from jasco.models.conversation import messages_from_dicts
from jasco.models.types import ChatRequest, ModelResult
from jasco.stages.decoding import Decoding
from jasco.stages.judge.keys import judgment_key
from jasco.tasks.base import JudgeSpec, Verdict


class JudgeJob:
    """The rows of one run and what is known about each."""

    def __init__(self, frame: Any, spec: JudgeSpec, template: str, decoding: Decoding, who: dict[str, Any],
                 progress: bool) -> None:
        self.spec, self.template, self.decoding, self.who, self.progress = spec, template, decoding, who, progress
        self.hashes = spec.template_hashes(template)
        self.rows: list[dict[str, str]] = frame.to_dict(orient="records")
        self.texts: list[str | None] = [None] * len(self.rows)
        self.errors: dict[int, str] = {}  # row -> judgment call error (retries exhausted)
        self.repair_errors: dict[int, str] = {}
        self.verdicts: dict[int, Verdict] = {}  # rows whose verdict came from a repair
        self.from_store = self.judged_now = self.repaired = self.calls = 0

    def _has_answer(self, row: Mapping[str, str]) -> bool:
        return bool(row[self.spec.answer_column].strip())

    def judge_all(self, store: ResultStore, backend: Model) -> None:
        pending: dict[str, list[int]] = {}  # key -> rows sharing that conversation
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        for index, row in enumerate(self.rows):
            if not self._has_answer(row):
                continue
            conversation = self.spec.messages(self.template, row)
            key = judgment_key(self.who, self.decoding, self.template, "judgment", conversation, self.hashes)
            hit = store.get(key)
            if hit is not None:
                self.texts[index] = hit["text"]
                self.from_store += 1
            else:
                pending.setdefault(key, []).append(index)
                messages[key] = conversation
        n_sendable = sum(1 for row in self.rows if self._has_answer(row))
        self._call(store, backend, pending, messages, "judgment", total=n_sendable, done=self.from_store)

    def repair_all(self, store: ResultStore, backend: Model) -> None:
        """One bounded re-ask per row whose verdict the task can repair."""
        pending: dict[str, list[int]] = {}
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        keys: dict[int, str] = {}
        for index, text in enumerate(self.texts):
            conversation = None if text is None else self.spec.repair_messages(self.template, text)
            if conversation is None:
                continue
            key = keys[index] = judgment_key(self.who, self.decoding, self.template, "repair", conversation,
                                             self.hashes)
            if store.get(key) is None:
                pending.setdefault(key, []).append(index)
                messages[key] = conversation
        self._call(store, backend, pending, messages, "repair", total=len(keys), done=len(keys) - len(pending))
        for index, key in keys.items():
            hit = store.get(key)
            verdict = self.spec.repaired(self.texts[index] or "", hit["text"] if hit else "",
                                         self.repair_errors.get(index))
            self.verdicts[index] = verdict
            self.repaired += verdict.scored

    def _call(self, store: ResultStore, backend: Model, pending: dict[str, list[int]],
              messages: Mapping[str, tuple[dict[str, str], ...]], kind: str, *, total: int, done: int) -> None:
        """Send every pending conversation in one batch; store each text as it arrives."""
        if not pending:
            return
        from tqdm import tqdm

        from jasco.models.availability import ensure_available

        ensure_available(backend)  # one line now, not a loader's traceback (a stored rerun never gets here)
        keys = list(pending)
        regex = None
        if self.decoding.structured and kind == "judgment":
            regex = self.spec.regex(self.template, self.decoding.max_tokens)
        sampling = self.decoding.sampling()
        requests = [
            ChatRequest(index=i, item_id=f"row {pending[key][0] + 2}", messages=messages_from_dicts(messages[key]),
                        sampling=sampling, regex=regex, row=self.rows[pending[key][0]])
            for i, key in enumerate(keys)
        ]
        answered: set[int] = set()
        errors = self.errors if kind == "judgment" else self.repair_errors
        bar = tqdm(total=total, initial=done, unit="row", desc=f"judge ({kind}s)", disable=not self.progress,
                   dynamic_ncols=True)

        def on_result(result: ModelResult) -> None:
            i = result.index
            if i in answered or not 0 <= i < len(keys):
                raise RuntimeError(f"judge backend answered request {i} twice or out of range")
            answered.add(i)
            key = keys[i]
            text = result.text if result.error is None else None
            if text is not None:
                store.put(key, {"text": text, "kind": kind, "model": self.who["model"]})
            for index in pending[key]:
                if text is None:
                    errors[index] = result.error or "no text and no error from the backend"
                elif kind == "judgment":
                    self.texts[index] = text
                    self.judged_now += 1
            bar.update(len(pending[key]))

        self.calls += len(requests)
        try:
            backend.generate(requests, on_result)
        finally:
            bar.close()
        if len(answered) != len(keys):
            raise RuntimeError(f"judge backend answered {len(answered)} of {len(keys)} requests")

    def verdict(self, index: int) -> Verdict:
        if index in self.verdicts:
            return self.verdicts[index]
        if not self._has_answer(self.rows[index]):
            return self.spec.no_answer(self.rows[index])
        if index in self.errors:
            return self.spec.failed(self.errors[index])
        return self.spec.verdict(self.texts[index])
