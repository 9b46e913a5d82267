"""The task protocol and the registry of tasks.

A task is everything one benchmark needs, behind one object registered by name in ``TASKS``:

- its dataset (``dataset``: a name in ``jasco.tasks.datasets.DATASETS``: fetch, verify, locate);
- its options (``options``: ``TaskOption``s; see ``jasco.tasks.options``);
- its items: ``expand(data_dir, options)`` writes the item table (its own columns;
  ``item_columns`` must be present in any item table it reads, ``row_key`` is unique per row,
  ``audio_columns`` name the columns holding audio paths, one per audio slot) and ``item_id``
  names a row stably;
- how a row becomes a chat request: ``conversation(row, audios, options)`` (versioned templates)
  and ``answer_format(options)`` (a regex constraint, top logprobs);
- where the answer goes (``answer_column``) and how it is scored (``scoring``): ``"judge"`` (an LLM
  judge, with the prompts and parser in ``judging()``) or ``"rule"`` (``score(answers, options)``,
  a pure function of the answers table);
- its report (``report``: how scored files load into a context, and the sections built from it);
- ``validate_answers(table, path)``: the rules an answers table must obey before anything is spent
  on it (the judge stage checks them before any judge loads; the report applies the same).
- ``rules_version``: the version of its scoring code (a rule-scored task's ``score``; a judged
  task's parser is ``judging().rules_version``). `jasco run`'s stage stamps hold it, so bump it
  whenever that code changes what an answer scores.
- optionally, files ``jasco run`` writes after scoring (``write_run_outputs``, e.g. a challenge's
  submission file).
- optionally, with defaults in ``TaskBase``: ``audio_columns_for(options)`` (the audio slots when an
  option changes them, e.g. a second, reference audio), ``excluded_rows(frame, model, options)``
  (rows a model is not asked, each with its reason: recorded and counted, never dropped), and
  ``fingerprint(options)`` (name -> sha256 of the versioned files that decide what is asked: prompt
  templates, question banks, scales; in infer store keys, and the infer manifest's
  ``prompt_hashes``).

Stages never branch on a task's name; they call these methods. ``TaskBase`` gives the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jasco.core.registry import Registry
from jasco.tasks.options import TaskOption, resolve_task_options

if TYPE_CHECKING:
    import pandas as pd

    from jasco.models.types import AudioPart, Message
    from jasco.report.sections import ReportSpec


@dataclass(frozen=True)
class AnswerFormat:
    """What a task asks of every answer besides the conversation."""

    regex: str | None = None  # the whole answer must match (structured outputs)
    top_logprobs: int = 0  # return the top-k logprobs at each generated position


@dataclass(frozen=True)
class ScoreResult:
    """A rule-scored table and its counts (the denominators of every figure)."""

    table: pd.DataFrame
    n_rows: int
    n_scored: int
    details: dict[str, Any] = field(default_factory=dict)  # more counts and versions, for the manifest

    @property
    def n_unscored(self) -> int:
        return self.n_rows - self.n_scored


# The status prefix of a verdict decided by rule because the row has no answer (never sent to a
# judge): the judge stage counts these apart from judge failures, the reports count them apart
# from unscored rows.
NO_ANSWER_STATUS = "no answer"


class Verdict(Protocol):
    """One judged answer as the judge stage sees it."""

    @property
    def scored(self) -> bool: ...

    @property
    def status(self) -> str: ...


class JudgeSpec(Protocol):
    """A judge-scored task's prompts and parser (see ``jasco.stages.judge``)."""

    answer_column: str
    required_columns: tuple[str, ...]  # input columns the prompts read
    out_columns: tuple[str, ...]  # columns the judge stage adds
    templates: tuple[str, ...]
    default_template: str
    rules_version: str  # the parser's and re-asks' rules (stage stamps); bump when they change

    def check_template(self, template: str) -> None: ...
    def messages(self, template: str, row: Mapping[str, str]) -> tuple[dict[str, str], ...]: ...
    def regex(self, template: str, max_tokens: int) -> str | None: ...
    def template_hashes(self, template: str) -> dict[str, str]: ...
    def verdict(self, text: str | None) -> Verdict: ...
    def no_answer(self, row: Mapping[str, str]) -> Verdict: ...  # status NO_ANSWER_STATUS: <reason>
    def failed(self, error: str) -> Verdict: ...
    def repair_requests(self, template: str, text: str) -> dict[str, tuple[dict[str, str], ...]]: ...
    def repaired(self, text: str, answers: Mapping[str, str], errors: Mapping[str, str]) -> Verdict: ...
    def cells(self, verdict: Verdict) -> dict[str, str]: ...


class Task(Protocol):
    name: str
    summary: str
    dataset: str
    scoring: str  # "judge" or "rule"
    options: tuple[TaskOption, ...]
    item_columns: tuple[str, ...]
    row_key: tuple[str, ...]
    audio_columns: tuple[str, ...]
    answer_column: str
    rules_version: str

    @property
    def report(self) -> ReportSpec: ...

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame: ...
    def item_id(self, row: Mapping[str, str], position: int) -> str: ...
    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]: ...
    def answer_format(self, options: Mapping[str, Any]) -> AnswerFormat: ...
    def judging(self) -> JudgeSpec: ...
    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult: ...
    def validate_answers(self, answers: pd.DataFrame, path: Path) -> None: ...
    def resolve_options(self, given: Mapping[str, Sequence[Any]]) -> dict[str, Any]: ...
    def dataset_for(self, data_dir: Path) -> str | None: ...
    def write_run_outputs(self, scored: Sequence[Path], out_dir: Path, options: Mapping[str, Any],
                          echo: Callable[[str], None]) -> list[str]: ...
    def audio_columns_for(self, options: Mapping[str, Any]) -> tuple[str, ...]: ...
    def excluded_rows(self, frame: pd.DataFrame, model: Any, options: Mapping[str, Any]) -> dict[int, str]: ...
    def fingerprint(self, options: Mapping[str, Any]) -> dict[str, str]: ...


class TaskError(ValueError):
    """A task cannot do what was asked (e.g. a rule-scored task has no judge); one clear line."""


class TaskBase:
    """Defaults for tasks: no options, rows named by their CSV row, no logprobs, no regex."""

    name = ""
    summary = ""
    dataset = ""
    scoring = "rule"
    options: tuple[TaskOption, ...] = ()
    item_columns: tuple[str, ...] = ()
    row_key: tuple[str, ...] = ()
    audio_columns: tuple[str, ...] = ()
    answer_column = "answer"
    rules_version = "1"

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        return f"row{position + 2}"

    def answer_format(self, options: Mapping[str, Any]) -> AnswerFormat:
        return AnswerFormat()

    def judging(self) -> JudgeSpec:
        raise TaskError(f"task {self.name!r} is scored by rule, not by a judge: use `jasco score --task {self.name}`")

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        raise TaskError(f"task {self.name!r} is scored by an LLM judge, not by rule: use `jasco judge`")

    def validate_answers(self, answers: pd.DataFrame, path: Path) -> None:
        """Check an answers table before anything is spent on it (a ``TableError`` naming the file):
        by default, the item columns and at least one row. Tasks add their own rules."""
        from jasco.core.table import TableError

        missing = [column for column in self.item_columns if column not in answers.columns]
        if missing:
            raise TableError(f"{path}: missing required columns {missing}")
        if len(answers) == 0:
            raise TableError(f"{path}: no rows (a header only)")

    def resolve_options(self, given: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        return resolve_task_options(self.name, self.options, given)

    def dataset_for(self, data_dir: Path) -> str | None:
        """The registered dataset ``data_dir`` holds, verified against its committed hashes before any
        stage reads it; None for a directory in the task's layout that no dataset commits hashes for
        (the task's own reader checks it). Default: the task's dataset."""
        return self.dataset

    def write_run_outputs(self, scored: Sequence[Path], out_dir: Path, options: Mapping[str, Any],
                          echo: Callable[[str], None]) -> list[str]:
        """Files ``jasco run`` writes from the scored (or judged) files after scoring; returns one line
        per output that could not be written (the run warns and exits non-zero). None by default."""
        return []
    def audio_columns_for(self, options: Mapping[str, Any]) -> tuple[str, ...]:
        """The audio columns (one per audio slot) of items expanded with ``options``."""
        return self.audio_columns

    def excluded_rows(self, frame: pd.DataFrame, model: Any, options: Mapping[str, Any]) -> dict[int, str]:
        """Rows of ``frame`` (by position) that ``model`` is not asked, each with why; the infer stage
        writes the reason in ``infer_excluded`` and counts it. Raise ``TaskError`` to refuse the model."""
        return {}

    def fingerprint(self, options: Mapping[str, Any]) -> dict[str, str]:
        """name -> sha256 of the versioned files that decide what is asked (prompt templates, question
        banks, scales): in infer store keys and the infer manifest's ``prompt_hashes``. None by default."""
        return {}


# The registered objects are task instances (``"module:TASK"``).
TASKS: Registry[Task] = Registry("task")
DEFAULT_TASK = "jasco"


def get_task(name: str | None = None) -> Task:
    """The task registered as ``name`` (default ``jasco``); ``UnknownNameError`` names the known ones."""
    import jasco.tasks.catalog  # noqa: F401 - registers the tasks

    return TASKS.load(name or DEFAULT_TASK)
