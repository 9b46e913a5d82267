"""The one exception family of the XACLE task: every ordinary mistake in its input is an XacleError.

Each module raises its own subclass (tables, data layout, metrics, expected scores, reference
results); the message names the file and the row (or the option) so the command line can print
it as one line and exit non-zero.
"""

from __future__ import annotations


class XacleError(ValueError):
    """Bad XACLE input; the message names the file, row, clip or option."""
