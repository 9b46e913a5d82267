"""What the infer and judge stages do with every result a model hands back: check it, and stop
the run when the model is gone.

``ResultGuard`` wraps a stage's result callback. Each result is ``ModelResult.checked()`` first,
so an empty answer (``content: null`` included) and one cut at the token limit reach the stage as
row errors (``empty content``, ``truncated at max_tokens``) from every backend alike. It counts
consecutive failures that say the model could not be reached (``error_kind == UNAVAILABLE``: a
refused connection or a server answering 5xx after every retry, a dead worker); after
``max_consecutive_errors`` of them it raises ``ModelUnavailableError`` out of the model's
``generate`` (the backends let it through and cancel what is in flight), and the stage gives
every row not answered yet an error naming why, writes what succeeded and exits non-zero.
Any other result, success or ordinary row error, resets the count. 0 never stops.
``accept_truncated`` (``--accept-truncated``) keeps answers cut at the token limit as answers;
they are still counted (``n_truncated_kept``). (Light at import:
the command modules read ``DEFAULT_MAX_CONSECUTIVE_ERRORS`` at ``--help`` time.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jasco.models.types import ModelResult, ResultCallback

DEFAULT_MAX_CONSECUTIVE_ERRORS = 8


class ModelUnavailableError(RuntimeError):
    """A run of consecutive 'could not reach the model' failures: the stage stops."""


class ResultGuard:
    """``guard = ResultGuard(on_result, n, "openai Qwen/...")``; pass ``guard`` to ``generate``."""

    def __init__(self, on_result: ResultCallback, max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
                 label: str = "the model", accept_truncated: bool = False) -> None:
        if max_consecutive_errors < 0:
            raise ValueError(f"max_consecutive_errors must be >= 0, got {max_consecutive_errors}")
        self.on_result: Callable[[ModelResult], None] = on_result
        self.limit = max_consecutive_errors
        self.label = label
        self.consecutive = 0
        self.accept_truncated = accept_truncated
        self.n_empty = self.n_truncated = self.n_truncated_kept = 0
        self.stopped: str | None = None  # the message, once the run was stopped

    def __call__(self, result: ModelResult) -> None:
        from jasco.models.types import EMPTY_CONTENT, TRUNCATED, UNAVAILABLE

        result = result.checked(self.accept_truncated)
        self.n_empty += result.error == EMPTY_CONTENT
        self.n_truncated += result.error == TRUNCATED
        self.n_truncated_kept += result.error is None and result.finish_reason == "length"
        if result.error is not None and result.error_kind == UNAVAILABLE:
            self.consecutive += 1
        else:
            self.consecutive = 0
        self.on_result(result)
        if self.limit and self.consecutive >= self.limit and self.stopped is None:
            self.stopped = (
                f"stopped after {self.consecutive} consecutive failures to reach {self.label} "
                f"(--max-consecutive-errors {self.limit}); last error: {result.error}"
            )
            raise ModelUnavailableError(self.stopped)

    def not_run(self) -> str:
        """The error of a row the stopped run never answered."""
        return f"not run: {self.stopped}" if self.stopped else "the model returned no result for this row"
