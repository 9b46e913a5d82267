"""``jasco run``: expand -> infer -> score or judge -> report, for any task, in one resumable command.

Files under the output directory::

    items.csv                                   the task's items (expand)
    answers/<model>.csv                         one per model (infer), + .manifest.json, .store.jsonl
    judged/<model>/<judge>.csv                  judge-scored tasks: one per (model, judge)
    scored/<model>.csv                          rule-scored tasks: one per model (score)
    report.txt, report.json, report.html        over every judged or scored file
    run.manifest.json                           the whole run: arguments and stage summaries

A stage is skipped when its output is byte for byte what it wrote when it last completed with no
errors, for the same inputs, settings, rule versions, jasco version and prompt files (its stamp:
``jasco.stages.run_stages``). Otherwise it runs, and its result store makes the rows already done
free, so a killed run resumes where it stopped. Each judge is loaded once and judges every
model's answers before it is released. A stage that stops because its model cannot be reached
ends the run (``stopped``: no report). The report flags every (model, judge) pair whose unscored
and no-answer rows exceed ``max_unscored`` (``flags``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.stages.decoding import Decoding, GenerationSettings
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS
from jasco.stages.run_stages import Run, RunStoppedError
from jasco.tasks.base import TaskError, get_task

REPORT_FORMATS = {"txt": "table", "json": "json", "html": "html"}


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    items_csv: Path
    answers: dict[str, Path]
    judged: list[Path]  # the judged (or, for rule-scored tasks, scored) files the report read
    reports: dict[str, Path]
    manifest_path: Path
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # stages that finished with row errors
    flags: list[str] = field(default_factory=list)  # (model, judge) pairs over --max-unscored
    stopped: str | None = None  # the stage that stopped the run (its model could not be reached)


def resolve_judges(spec: str) -> list[str]:
    """``paper`` (or another panel name in evaluation/panels/) -> its judges; else a comma list."""
    from jasco.core.paths import resource_dir
    from jasco.stages.judge.panels import load_panel

    names = [part.strip() for part in spec.split(",") if part.strip()]
    if len(names) == 1 and (resource_dir("evaluation") / "panels" / f"{names[0]}.json").is_file():
        _, members = load_panel(names[0])
        return [member.model for member in members]
    if not names:
        raise ValueError("no judge given: --judges paper, similarity, or comma-separated model ids")
    return names


def run_pipeline(
    out_dir: Path,
    *,
    models: Sequence[str],
    judges: Sequence[str] = (),
    task: str = "jasco",
    task_options: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
    infer_options: Mapping[str, Any] | None = None,
    judge_backend: str | None = None,
    judge_options: Mapping[str, Any] | None = None,
    settings: GenerationSettings | None = None,
    decoding: Decoding | None = None,
    limit: int | None = None,
    check_audio_items: int = 0,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    default_panel: bool = False,
    repair: bool = True,
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS,
    max_unscored: float = 0.05,
) -> RunResult:
    """The whole run. Before anything is written, ``jasco.stages.preflight`` checks every model,
    judge, option and output, and that the models and judges with a stage to run (not up to date)
    can load here (``default_panel``: the judges are the default panel, not the user's choice)."""
    from jasco.core.runinfo import write_manifest
    from jasco.report.build import build_report
    from jasco.report.render import write_report
    from jasco.stages.items import task_data_dir
    from jasco.stages.preflight import check_loadable, check_run
    from jasco.tasks.options import as_given

    if not models:
        raise ValueError("no model given")
    the_task = get_task(task)
    if the_task.scoring == "judge" and not judges:
        raise ValueError(f"task {the_task.name!r} is scored by LLM judges: give --judges")
    if the_task.scoring == "rule" and judges:
        raise TaskError(f"task {the_task.name!r} is scored by rule; --judges does not apply to it")
    run = Run(the_task, the_task.resolve_options(as_given(task_options)), Path(out_dir),
              task_data_dir(the_task, data_dir), settings or GenerationSettings(), decoding or Decoding(),
              progress, echo, repair=repair, max_consecutive_errors=max_consecutive_errors)
    infer_options, judge_options = dict(infer_options or {}), dict(judge_options or {})
    check_run(the_task, run.out_dir, run.data_dir, models, judges, infer_options=infer_options,
              judge_backend=judge_backend, judge_options=judge_options, default_panel=default_panel)
    frame, items_changed = run.expand(limit)
    check_loadable(the_task, *run.to_run(models, judges, items_changed, infer_options, judge_backend, judge_options),
                   infer_options=infer_options, judge_backend=judge_backend, judge_options=judge_options,
                   default_panel=default_panel)
    items_csv = run.write_items(frame, items_changed)
    answers: dict[str, Path] = {}
    judged: list[Path] = []
    reports: dict[str, Path] = {}
    flags: list[str] = []
    stopped = None
    try:
        answers = run.infer(models, items_csv, infer_options, check_audio_items)
        if the_task.scoring == "judge":
            judged = run.judge(judges, answers, judge_backend, judge_options)
        else:
            judged = run.score(answers)
        run.problems += the_task.write_run_outputs(judged, run.out_dir, run.options, echo)
    except RunStoppedError as error:
        stopped = str(error)
    if stopped is None:
        report = build_report(judged, task=the_task.name, n_boot=n_boot, seed=seed, data_dir=run.data_dir,
                              task_options=run.options, max_unscored=max_unscored)
        flags = list(report.get("flags", []))
        for suffix, fmt in REPORT_FORMATS.items():
            reports[fmt] = run.out_dir / f"report.{suffix}"
            write_report(report, fmt, reports[fmt], task=the_task.name)
        echo(f"[report] {', '.join(str(p) for p in reports.values())}")

    manifest_path = write_manifest(
        run.out_dir / "run", stage="run",
        arguments={"task": the_task.name, "task_options": run.options, "models": list(models),
                   "judges": list(judges), "data_dir": str(run.data_dir), "infer_options": dict(infer_options or {}),
                   "judge_backend": judge_backend, "judge_options": dict(judge_options or {}), "limit": limit,
                   "n_boot": n_boot, "seed": seed, "repair": repair, "max_consecutive_errors": max_consecutive_errors,
                   "max_unscored": max_unscored},
        details={"settings": run.settings.as_dict(),
                 "decoding": {**run.decoding.as_dict(), "preset": run.decoding.preset},
                 "outputs": {"items": str(items_csv), "answers": {m: str(p) for m, p in answers.items()},
                             "judged": [str(p) for p in judged], "reports": {k: str(v) for k, v in reports.items()}},
                 "skipped": run.skipped, "problems": run.problems, "flags": flags, "stopped": stopped},
    )
    return RunResult(run.out_dir, items_csv, answers, judged, reports, manifest_path, run.skipped, run.problems,
                     flags, stopped)
