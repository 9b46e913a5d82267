"""The one exception family of the ALLD task: a command turns any of them into one line and exit 1."""

from __future__ import annotations


class AlldError(ValueError):
    """Bad ALLD input; the message names the file, row, pair or option at fault."""


class MetaError(AlldError):
    """Quality meta info that is missing, unreadable or outside 1-5."""


class PairError(AlldError):
    """A pair that cannot be built (identical MOS, too few files with the required gap)."""


class PlanError(AlldError):
    """A generation plan or generated results that do not fit together."""


class ExportError(AlldError):
    """Generated texts that cannot be exported as asked."""


class EvaluationError(AlldError):
    """Evaluation inputs that do not fit together (unknown files, mismatched lengths)."""
