"""Published XACLE results (``evaluation/xacle_reference.json``) and the rows to show beside a model's.

Each result names its system, the split it was measured on ("validation" or "test"), the metrics
its source reports (a subset of SRCC, LCC, KTAU, MSE), the source, and a caveat where one is due
(e.g. a figure selected on its own evaluation split). ``reference_rows(split)`` returns the
results for one split in file order; a split the file has no result for gives an empty tuple,
an unknown split name is an error naming the known ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from jasco.core.paths import resource_dir
from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.layout import SPLITS
from jasco.tasks.xacle.metrics import METRICS

REFERENCE_FILE = "xacle_reference.json"


class XacleReferenceError(XacleError):
    """The reference file is malformed, or a split name is unknown."""


@dataclass(frozen=True)
class ReferenceResult:
    system: str
    description: str
    split: str
    metrics: dict[str, float]
    source: str
    caveat: str = ""


def reference_path() -> Path:
    return resource_dir("evaluation") / REFERENCE_FILE


def load_references(path: str | os.PathLike[str] | None = None) -> tuple[ReferenceResult, ...]:
    path = Path(path) if path is not None else reference_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["results"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise XacleReferenceError(f"{path}: unreadable reference results ({error})") from None
    results = []
    for index, entry in enumerate(entries):
        where = f"{path} results[{index}]"
        try:
            metrics = {str(name): float(value) for name, value in entry["metrics"].items()}
            result = ReferenceResult(
                system=str(entry["system"]),
                description=str(entry.get("description", "")),
                split=str(entry["split"]),
                metrics=metrics,
                source=str(entry["source"]),
                caveat=str(entry.get("caveat", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise XacleReferenceError(f"{where}: malformed entry ({error})") from None
        if result.split not in SPLITS:
            raise XacleReferenceError(f"{where}: split {result.split!r} is not one of {', '.join(SPLITS)}")
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown or not metrics:
            raise XacleReferenceError(f"{where}: metrics must be a non-empty subset of {', '.join(METRICS)}")
        results.append(result)
    return tuple(results)


def reference_rows(split: str, path: str | os.PathLike[str] | None = None) -> tuple[ReferenceResult, ...]:
    """The published results measured on ``split``, in file order."""
    if split not in SPLITS:
        raise XacleReferenceError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    return tuple(result for result in load_references(path) if result.split == split)
