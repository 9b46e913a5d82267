"""JASCO as a registered task: 80 clips x 8 instructions, answered in words, rated by LLM judges.

Items are upstream ``evaluation/example.csv``'s rows (``samples.expand``: every clip with every
instruction variant of ``prompts/jasco/instructions.v1.json``), one audio each; a row is asked as
one user turn holding the clip and the instruction. Answers go to ``allm_output``; an LLM judge
rates each (``judging``) and the report is the paper's tables and more (``report``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, Message, TextPart
from jasco.tasks.base import JudgeSpec, TaskBase
from jasco.tasks.jasco.dataset import NAME as DATASET
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS, ROW_KEY

if TYPE_CHECKING:
    import pandas as pd

    from jasco.report.sections import ReportSpec


class JascoTask(TaskBase):
    name = "jasco"
    summary = "What Are They Doing: joint audio-speech co-reasoning (arXiv 2409.14526), LLM-judged"
    dataset = DATASET
    scoring = "judge"
    item_columns = EXAMPLE_COLUMNS
    row_key = ROW_KEY
    audio_columns = ("audio",)
    answer_column = "allm_output"

    @cached_property
    def _variants(self) -> dict[str, int]:
        from jasco.tasks.jasco.table import variant_of_prompt

        return variant_of_prompt()

    @property
    def report(self) -> ReportSpec:
        from jasco.tasks.jasco.report.sections import REPORT

        return REPORT

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
        from jasco.tasks.jasco.samples import load_items
        from jasco.tasks.jasco.table import items_to_frame

        return items_to_frame(load_items(data_dir))

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        """``<clip>-v<variant>``; a prompt that is not one of the 8 instructions: ``<clip>-row<CSV row>``."""
        variant = self._variants.get(row["prompt"])
        return f"{row['id']}-v{variant}" if variant else f"{row['id']}-row{position + 2}"

    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]:
        return (Message("user", (audios[0], TextPart(row["prompt"]))),)

    def validate_answers(self, answers: pd.DataFrame, path: Path) -> None:
        """example.csv's columns, at least one row, the 8 instructions, this dataset's clips."""
        from jasco.tasks.jasco.answers import check_answers

        check_answers(answers, path)

    def judging(self) -> JudgeSpec:
        from jasco.tasks.jasco.judging import JUDGING

        return JUDGING


TASK = JascoTask()
