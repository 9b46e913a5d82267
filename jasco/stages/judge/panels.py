"""Judge panels: several judges one after another, one output file each.

A panel is a JSON file in ``evaluation/panels/`` (``paper``: the JASCO paper's three judges) or
any path to such a file: ``{"name": ..., "judges": [{"model": ..., "backend_options": {...}}]}``.
Each judge's backend is released before the next loads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem, resource_dir
from jasco.stages.decoding import Decoding
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS
from jasco.stages.judge.backends import JudgeInputError
from jasco.stages.judge.output import JudgeSummary


@dataclass(frozen=True)
class PanelJudge:
    model: str
    backend_options: Mapping[str, Any]


def load_panel(panel: str | Path) -> tuple[str, tuple[PanelJudge, ...]]:
    """A panel by name (``evaluation/panels/<name>.json``) or by path to such a file."""
    path = Path(panel)
    if not path.suffix:
        path = resource_dir("evaluation") / "panels" / f"{panel}.json"
    if not path.is_file():
        known = sorted(p.stem for p in (resource_dir("evaluation") / "panels").glob("*.json"))
        raise JudgeInputError(f"judge panel {panel!r} not found ({path}); known panels: {', '.join(known)}")
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        judges = tuple(PanelJudge(j["model"], dict(j.get("backend_options", {}))) for j in data["judges"])
    except (KeyError, TypeError) as error:
        raise JudgeInputError(f"{path}: each judge needs a 'model' ({error})") from None
    return str(data.get("name", path.stem)), judges


def panel_file_name(model: str) -> str:
    """``meta-llama/Llama-3.1-70B-Instruct`` -> ``meta-llama--Llama-3.1-70B-Instruct.csv``."""
    return f"{file_stem(model, fallback='judge')}.csv"


def run_panel(
    in_csv: Path,
    out_dir: Path,
    *,
    panel: str | Path = "paper",
    task: str = "jasco",
    backend: str | None = None,
    backend_options: Mapping[str, Any] | None = None,
    decoding: Decoding | None = None,
    template: str | None = None,
    repair: bool = True,
    progress: bool = True,
    model: str | None = None,
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
) -> list[JudgeSummary]:
    """Each judge of the panel in turn, one OUT file each; each backend is released before the
    next loads. Options given here override the panel file's per-judge options."""
    from jasco.stages.judge.run import read_input, run_judge
    from jasco.tasks.base import get_task

    _, judges = load_panel(panel)
    read_input(Path(in_csv), get_task(task))  # fail before loading any judge
    summaries = []
    for member in judges:
        options = {**member.backend_options, **dict(backend_options or {})}
        summaries.append(run_judge(
            Path(in_csv), Path(out_dir) / panel_file_name(member.model), judge=member.model, task=task,
            backend=backend, backend_options=options, decoding=replace(decoding or Decoding()), template=template,
            repair=repair, progress=progress, model=model, max_consecutive_errors=max_consecutive_errors,
        ))
    return summaries
