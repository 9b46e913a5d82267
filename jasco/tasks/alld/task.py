"""The ALLD evaluation tasks: ``alld-describe``, ``alld-ab`` and ``alld-ab-summary``.

All three read a corpus in the NISQA layout (the ``nisqa`` dataset, or the ``speech-demo`` one
with ``--data-dir`` and ``--split DEMO_SIM``) through ``speech_quality.corpus.read_corpus``:

- ``alld-describe``: the ALLM hears one file and is asked (jasco's ``allm_describe`` prompt) to
  describe its quality and end with a MOS; scored by rule (``scoring``), reported by
  ``report_describe`` (with ``references=CAPTIONS.jsonl``: BLEU and embedding similarity against
  a ``jasco captions`` run's descriptions);
- ``alld-ab``: the ALLM hears two files (SpeechA then SpeechB; every pair in both orders) and ends
  its comparison with ``[SpeechA]`` or ``[SpeechB]``; scored by rule from its own verdict;
- ``alld-ab-summary``: the same items, scored as ALLD does: a text LLM (``--judges``) summarises
  each comparison with ALLD's verbatim summary prompt (``summary_judging``); its report shows the
  summary's reading beside the ALLM's own.

Options: ``split`` (repeatable db values; default NISQA's three test sets), and for A/B ``pairs``,
``seed``, ``min_gap``. They choose items only (``items.csv`` is in every stamp), so they are not
part of answer keys. ``references``, ``similarity`` and ``examples`` only change the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, Message, TextPart
from jasco.tasks.alld.items import AB_COLUMNS, DESCRIBE_COLUMNS
from jasco.tasks.base import JudgeSpec, ScoreResult, TaskBase, TaskError
from jasco.tasks.options import TaskOption
from jasco.tasks.speech_quality.datasets import NisqaLayoutData

if TYPE_CHECKING:
    import pandas as pd

    from jasco.report.sections import ReportSpec
    from jasco.tasks.speech_quality.corpus import Corpus

SPLIT = TaskOption("split", "a corpus db to use (repeatable; default NISQA's three test sets)", multiple=True,
                   affects_results=False)
AB_OPTIONS = (
    SPLIT,
    TaskOption("pairs", "how many pairs (each asked in both orders; default 100, or every eligible pair if fewer)",
               kind="int", affects_results=False),
    TaskOption("seed", "the pairs' seed", kind="int", default=0, affects_results=False),
    TaskOption("min_gap", "smallest human MOS gap of a pair", kind="float", default=0.5, affects_results=False),
)


def read_split_corpus(data_dir: Path, options: Mapping[str, Any]) -> Corpus:
    """The corpus at ``data_dir``, its selected splits; a layout problem is a ``DatasetError``."""
    from jasco.tasks.datasets import DatasetError
    from jasco.tasks.speech_quality.corpus import CorpusError, read_corpus

    try:
        return read_corpus(data_dir, options.get("split") or None)
    except CorpusError as error:
        raise DatasetError(str(error)) from None


class DescribeTask(NisqaLayoutData, TaskBase):
    name = "alld-describe"
    summary = "ALLD describe: the ALLM describes a file's quality and ends with a MOS, scored vs human ratings"
    dataset = "nisqa"
    scoring = "rule"
    options = (
        SPLIT,
        TaskOption("references", "a captions.jsonl of `jasco captions`: its mos descriptions are the references "
                   "for BLEU and embedding similarity", affects_results=False),
        TaskOption("similarity", "embedding similarity beside BLEU (needs jasco[similarity])", kind="bool",
                   default=True, affects_results=False),
        TaskOption("examples", "example descriptions shown per model", kind="int", default=3, affects_results=False),
    )
    item_columns = DESCRIBE_COLUMNS
    row_key = ("id",)
    audio_columns = ("audio",)
    answer_column = "answer"

    @property
    def report(self) -> ReportSpec:
        from jasco.tasks.alld.report_describe import REPORT

        return REPORT

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
        from jasco.tasks.alld.items import describe_items

        return describe_items(read_split_corpus(data_dir, options))

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        return row["id"]

    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]:
        from jasco.tasks.alld.prompts import allm_describe_query

        return (Message("user", (*audios, TextPart(allm_describe_query()))),)

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        from jasco.tasks.alld.scoring import score_describe_table

        table, n_scored = score_describe_table(answers, self.answer_column)
        return ScoreResult(table, len(table), n_scored)


class ABTask(NisqaLayoutData, TaskBase):
    name = "alld-ab"
    summary = "ALLD A/B: the ALLM hears two files (both orders) and ends with [SpeechA] or [SpeechB], scored by rule"
    dataset = "nisqa"
    scoring = "rule"
    options = AB_OPTIONS
    item_columns = AB_COLUMNS
    row_key = ("id",)
    audio_columns = ("audio_a", "audio_b")
    answer_column = "answer"

    @property
    def report(self) -> ReportSpec:
        from jasco.tasks.alld.report_ab import REPORT

        return REPORT

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
        from jasco.tasks.alld.errors import AlldError, MetaError
        from jasco.tasks.alld.items import ab_items, ab_pairs, corpus_metas
        from jasco.tasks.datasets import DatasetError

        try:
            metas = corpus_metas(read_split_corpus(data_dir, options))
        except MetaError as error:  # a file without all five ratings
            raise DatasetError(str(error)) from None
        try:
            pairs = ab_pairs(metas, options.get("pairs"), seed=int(options.get("seed") or 0),
                             min_gap=float(options.get("min_gap", 0.5)))
        except AlldError as error:  # too many pairs asked, no eligible pair, a bad gap
            raise TaskError(str(error)) from None
        return ab_items(pairs)

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        return row["id"]

    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]:
        from jasco.tasks.alld.prompts import allm_ab_query

        return (Message("user", (*audios, TextPart(allm_ab_query()))),)

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        from jasco.tasks.alld.errors import AlldError
        from jasco.tasks.alld.scoring import score_ab_table

        try:
            table, n_scored = score_ab_table(answers, self.answer_column, "the answers table")
        except AlldError as error:
            raise TaskError(str(error)) from None
        return ScoreResult(table, len(table), n_scored)


class ABSummaryTask(ABTask):
    name = "alld-ab-summary"
    summary = "ALLD A/B as published: the ALLM's comparison summarised to [SpeechA]/[SpeechB] by a text LLM judge"
    scoring = "judge"

    def judging(self) -> JudgeSpec:
        from jasco.tasks.alld.summary_judging import JUDGING

        return JUDGING

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        return TaskBase.score(self, answers, options)


DESCRIBE = DescribeTask()
AB = ABTask()
AB_SUMMARY = ABSummaryTask()
