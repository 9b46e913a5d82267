"""Display formatting of report numbers (None/NaN shown as 'n/a') and JSON clean-up."""

from __future__ import annotations

import math
from typing import Any


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def num(value: Any, digits: int = 3) -> str:
    return "n/a" if is_missing(value) else f"{float(value):.{digits}f}"


def pct(value: Any, digits: int = 1) -> str:
    return "n/a" if is_missing(value) else f"{100.0 * float(value):.{digits}f}%"


def ci(bounds: Any, digits: int = 3, percent: bool = False) -> str:
    if not bounds or any(is_missing(bound) for bound in bounds):
        return "n/a"
    show = pct if percent else num
    return f"[{show(bounds[0], digits)}, {show(bounds[1], digits)}]"


def json_ready(value: Any) -> Any:
    """NaN/inf -> None, tuples -> lists, numpy scalars -> Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
