"""Tasks registered only by the tests that need them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jasco.tasks.base import AnswerFormat
from jasco.testing.pair_task import PairTask


class LogprobTask(PairTask):
    """The pair task, asking for the top-5 logprobs at each answer position (an expected-score mode)."""

    name = "testing-logprobs"

    def answer_format(self, options: Mapping[str, Any]) -> AnswerFormat:
        return AnswerFormat(top_logprobs=5)


LOGPROB_TASK = LogprobTask()
