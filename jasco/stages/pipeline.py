"""``jasco run``: expand -> infer -> score or judge -> report, for any task, in one resumable command.

Files under the output directory::

    items.csv                                   the task's items (expand)
    answers/<model>.csv                         one per model (infer), + .manifest.json, .store.jsonl
    judged/<model>/<judge>.csv                  judge-scored tasks: one per (model, judge)
    scored/<model>.csv                          rule-scored tasks: one per model (score)
    report.txt, report.json, report.html        over every judged or scored file
    run.manifest.json                           the whole run: arguments and stage summaries

A stage is skipped when its output exists and the stamp it wrote when it last completed with no
errors (``jasco.core.stamps``) records the same inputs (by sha256) and settings (the task and its
options included). Otherwise it runs, and its result store makes the rows already done free, so
a killed run resumes where it stopped. Each judge is loaded once and judges every model's answers
before it is released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem
from jasco.core.stamps import make_stamp, mark_done, up_to_date
from jasco.stages.decoding import Decoding, GenerationSettings
from jasco.tasks.base import Task, TaskError, get_task

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


@dataclass
class _Run:
    """One pipeline run's settings and what it has done so far."""

    task: Task
    options: dict[str, Any]
    out_dir: Path
    data_dir: Path
    settings: GenerationSettings
    decoding: Decoding
    progress: bool
    echo: Callable[[str], None]
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def task_stamp(self) -> dict[str, Any]:
        from jasco.tasks.options import result_options

        return {"task": self.task.name, "task_options": result_options(self.task.options, self.options)}

    def skip(self, stage: str, out: Path, stamp: Mapping[str, Any]) -> bool:
        if up_to_date(out, stamp):
            self.skipped.append(stage)
            self.echo(f"[{stage.split()[0]}] {stage.split(' ', 1)[1]}: up to date, skipped ({out})")
            return True
        return False

    def expand(self, limit: int | None) -> Path:
        from jasco.core.table import write_table

        items_csv = self.out_dir / "items.csv"
        frame = self.task.expand(self.data_dir, self.options)
        if limit is not None:
            frame = frame.iloc[:limit].reset_index(drop=True)
        if not items_csv.is_file() or frame.to_csv(index=False) != items_csv.read_text(encoding="utf-8"):
            write_table(frame, items_csv)
        self.echo(f"[expand] {len(frame)} items -> {items_csv}")
        return items_csv

    def infer(self, models: Sequence[str], items_csv: Path, options: Mapping[str, Any],
              check_audio_items: int) -> dict[str, Path]:
        from jasco.stages.infer import run_infer

        answers: dict[str, Path] = {}
        for model in models:
            out = self.out_dir / "answers" / f"{file_stem(model)}.csv"
            answers[model] = out
            stamp = make_stamp([items_csv], {"model": model, "options": dict(options),
                                             "settings": self.settings.as_dict(), **self.task_stamp})
            if self.skip(f"infer {model}", out, stamp):
                continue
            summary = run_infer(out, model=model, task=self.task.name, task_options=self.options,
                                items_csv=items_csv, data_dir=self.data_dir, options=options,
                                settings=self.settings, progress=self.progress, check_audio_items=check_audio_items)
            self.echo(f"[infer] {model}: {summary.n_generated_now} generated, {summary.n_from_store} from store, "
                      f"{summary.n_errors} errors -> {out}")
            if summary.n_errors:
                self.problems.append(f"infer {model}: {summary.n_errors} rows failed (rerun to retry them)")
            else:
                mark_done(out, stamp)
        return answers

    def score(self, answers: Mapping[str, Path]) -> list[Path]:
        from jasco.report.formatting import json_ready
        from jasco.stages.score import run_score

        scored = []
        for model, answer_csv in answers.items():
            out = self.out_dir / "scored" / f"{file_stem(model)}.csv"
            scored.append(out)
            # Scoring options change scores without changing answers: all options are in this stamp.
            stamp = make_stamp([answer_csv], {**self.task_stamp, "score_options": json_ready(self.options)})
            if self.skip(f"score {model}", out, stamp):
                continue
            summary = run_score(answer_csv, out, task=self.task.name, task_options=self.options)
            self.echo(f"[score] {model}: {summary.n_scored} scored, {summary.n_unscored} unscored -> {out}")
            mark_done(out, stamp)
        return scored

    def judge(self, judges: Sequence[str], answers: Mapping[str, Path], backend: str | None,
              options: Mapping[str, Any]) -> list[Path]:
        from jasco.stages.judge.backends import choose_backend, load_backend, release
        from jasco.stages.judge.run import run_judge

        judged: list[Path] = []
        for judge in judges:
            backend_name = choose_backend(judge, backend)
            pending = []
            for model, answer_csv in answers.items():
                out = self.out_dir / "judged" / file_stem(model) / f"{file_stem(judge)}.csv"
                judged.append(out)
                stamp = make_stamp([answer_csv], {"judge": judge, "backend": backend_name, "options": dict(options),
                                                  "decoding": self.decoding.as_dict(), **self.task_stamp})
                if not self.skip(f"judge {judge} x {model}", out, stamp):
                    pending.append((model, answer_csv, out, stamp))
            if not pending:
                continue
            loaded = load_backend(backend_name, judge, options)
            try:
                for model, answer_csv, out, stamp in pending:
                    result = run_judge(answer_csv, out, judge=judge, task=self.task.name, backend=backend_name,
                                       backend_options=options, decoding=self.decoding, progress=self.progress,
                                       backend_instance=loaded)
                    self.echo(f"[judge] {judge} x {model}: {result.n_judged_now} judged, {result.n_from_store} from "
                              f"store, {result.n_unscored} unscored, {result.n_errors} errors -> {out}")
                    if result.n_errors:
                        self.problems.append(f"judge {judge} x {model}: {result.n_errors} rows failed (rerun to retry)")
                    else:
                        mark_done(out, stamp)
            finally:
                release(loaded)
        return judged


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
) -> RunResult:
    from jasco.core.runinfo import write_manifest
    from jasco.report.build import build_report
    from jasco.report.render import write_report
    from jasco.stages.items import task_data_dir
    from jasco.tasks.options import as_given

    if not models:
        raise ValueError("no model given")
    the_task = get_task(task)
    if the_task.scoring == "judge" and not judges:
        raise ValueError(f"task {the_task.name!r} is scored by LLM judges: give --judges")
    if the_task.scoring == "rule" and judges:
        raise TaskError(f"task {the_task.name!r} is scored by rule; --judges does not apply to it")
    run = _Run(the_task, the_task.resolve_options(as_given(task_options)), Path(out_dir),
               task_data_dir(the_task, data_dir), settings or GenerationSettings(), decoding or Decoding(),
               progress, echo)
    items_csv = run.expand(limit)
    answers = run.infer(models, items_csv, dict(infer_options or {}), check_audio_items)
    if the_task.scoring == "judge":
        judged = run.judge(judges, answers, judge_backend, dict(judge_options or {}))
    else:
        judged = run.score(answers)
    run.problems += the_task.write_run_outputs(judged, run.out_dir, run.options, echo)

    report = build_report(judged, task=the_task.name, n_boot=n_boot, seed=seed, data_dir=run.data_dir,
                          task_options=run.options)
    reports = {}
    for suffix, fmt in REPORT_FORMATS.items():
        reports[fmt] = run.out_dir / f"report.{suffix}"
        write_report(report, fmt, reports[fmt], task=the_task.name)
    echo(f"[report] {', '.join(str(p) for p in reports.values())}")

    manifest_path = write_manifest(
        run.out_dir / "run", stage="run",
        arguments={"task": the_task.name, "task_options": run.options, "models": list(models),
                   "judges": list(judges), "data_dir": str(run.data_dir), "infer_options": dict(infer_options or {}),
                   "judge_backend": judge_backend, "judge_options": dict(judge_options or {}), "limit": limit,
                   "n_boot": n_boot, "seed": seed},
        details={"settings": run.settings.as_dict(), "decoding": run.decoding.as_dict(),
                 "outputs": {"items": str(items_csv), "answers": {m: str(p) for m, p in answers.items()},
                             "judged": [str(p) for p in judged], "reports": {k: str(v) for k, v in reports.items()}},
                 "skipped": run.skipped, "problems": run.problems},
    )
    return RunResult(run.out_dir, items_csv, answers, judged, reports, manifest_path, run.skipped, run.problems)
