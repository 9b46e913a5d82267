"""The official submission file, per model and prompt, from ``jasco run --task xacle``'s scored tables.

``submissions/<scored file stem>.<template>.csv`` holds ``wav_file_name,pred_score`` for every
pair of that prompt in the scored table, in item order, scores rounded to 2 decimals as the
baselines' ``inference.py`` writes them (``tables.format_submission``), written atomically with
``<file>.manifest.json`` (the scored table's sha256, the fill value and which pairs took it).

**Fill policy**: the challenge needs a score for every pair, and no number is invented. Without
the task option ``fill`` a prompt with any unscored pair gets no submission: the run names the
pairs (the first few, and the scored table holds every reason), removes a submission left from
an earlier run (it would not match these scores), and ends with a non-zero exit. With
``--task-option fill=VALUE`` (0-10) those pairs take VALUE and the manifest lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from jasco.tasks.xacle.items import template_key
from jasco.tasks.xacle.tables import ID_COLUMN, write_submission

_SHOWN = 5


def _score(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def write_submissions(scored: Sequence[Path], out_dir: Path, fill: float | None,
                      echo: Callable[[str], None]) -> list[str]:
    """Write one submission per (scored table, prompt); return one line per submission not written."""
    from jasco.core.runinfo import file_sha256, write_manifest
    from jasco.core.table import read_table

    problems = []
    for path in scored:
        frame = read_table(path, required=(ID_COLUMN, "template", "score", "score_status"))
        by_template: dict[str, dict[str, float | None]] = {}
        for row in frame.to_dict("records"):
            by_template.setdefault(template_key(str(row["template"])), {})[str(row[ID_COLUMN])] = _score(
                str(row["score"]))
        for template, predictions in by_template.items():
            target = Path(out_dir) / f"{Path(path).stem}.{template}.csv"
            missing = [name for name, value in predictions.items() if value is None]
            if missing and fill is None:
                shown = ", ".join(missing[:_SHOWN]) + (" ..." if len(missing) > _SHOWN else "")
                problems.append(
                    f"submission {target.name} not written: {len(missing)} of {len(predictions)} pairs unscored "
                    f"({shown}; reasons in {path}, score_status); give --task-option fill=VALUE to fill them")
                if target.exists():
                    target.unlink()
                    echo(f"[submission] removed {target}: it was written from other scores")
                continue
            filled = write_submission(target, predictions, fill)
            write_manifest(target, stage="submission", arguments={"scored": str(path), "template": template,
                                                                   "fill": fill},
                           details={"input_sha256": file_sha256(path), "n_pairs": len(predictions),
                                    "n_filled": filled, "filled": missing})
            note = f", {filled} unscored filled with {fill:g}" if filled else ""
            echo(f"[submission] {len(predictions)} pairs{note} -> {target}")
    return problems
