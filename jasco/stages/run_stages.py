"""The stages of one ``jasco run`` (see ``jasco.stages.pipeline``), each skipped when its stamp says
its output is current.

A stage's stamp (``jasco.core.stamps``) holds everything that changes its output: the input files'
sha256 (and, for infer, the size and modification time of every audio file the items name), the
model or judge and its options, the decoding settings, the task and all its options, the rule
versions of the code that turns answers into scores (the task's ``rules_version``, its judge
parser's, and the judge's own description: the similarity proxy's rules and thresholds), the
jasco version, the hashes of every prompt/label/threshold file, and the output's own sha256. A
stage that finished with row errors writes no stamp, so the next run retries it. A stage that
stopped because its model could not be reached (``stopped``) ends the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem
from jasco.core.stamps import make_stamp, mark_done, up_to_date
from jasco.stages.decoding import Decoding, GenerationSettings
from jasco.stages.guard import DEFAULT_MAX_CONSECUTIVE_ERRORS
from jasco.tasks.base import Task


class RunStoppedError(RuntimeError):
    """A stage stopped because its model could not be reached; the run ends after it."""


@dataclass
class Run:
    """One pipeline run's settings and what it has done so far."""

    task: Task
    options: dict[str, Any]
    out_dir: Path
    data_dir: Path
    settings: GenerationSettings
    decoding: Decoding
    progress: bool
    echo: Callable[[str], None]
    repair: bool = True
    max_consecutive_errors: int = DEFAULT_MAX_CONSECUTIVE_ERRORS
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def task_stamp(self) -> dict[str, Any]:
        return {"task": self.task.name, "task_options": self.options, "task_rules": self.task.rules_version}

    @property
    def answer_stamp(self) -> dict[str, Any]:
        """The task part of an infer stamp: only the options that change items or answers
        (``affects_results``), so a scoring option (XACLE's ``fill``) rescores without re-answering."""
        from jasco.tasks.options import result_options

        return {**self.task_stamp, "task_options": result_options(self.task.options, self.options)}

    def skip(self, stage: str, out: Path, stamp: Mapping[str, Any]) -> bool:
        if up_to_date(out, stamp):
            self.skipped.append(stage)
            self.echo(f"[{stage.split()[0]}] {stage.split(' ', 1)[1]}: up to date, skipped ({out})")
            return True
        return False

    @property
    def items_csv(self) -> Path:
        return self.out_dir / "items.csv"

    def answers_path(self, model: str) -> Path:
        return self.out_dir / "answers" / f"{file_stem(model)}.csv"

    def judged_path(self, model: str, judge: str) -> Path:
        return self.out_dir / "judged" / file_stem(model) / f"{file_stem(judge)}.csv"

    def infer_stamp(self, model: str, options: Mapping[str, Any], audio: Sequence[Path]) -> dict[str, Any]:
        return make_stamp([self.items_csv], {"model": model, "options": dict(options),
                                             "settings": self.settings.as_dict(),
                                             "accept_truncated": self.settings.accept_truncated,
                                             **self.answer_stamp}, audio)

    def judge_stamp(self, judge: str, who: Mapping[str, Any], answer_csv: Path, options: Mapping[str, Any],
                    model: str) -> dict[str, Any]:
        return make_stamp([answer_csv], {
            "judge": judge, "judge_identity": dict(who), "options": dict(options), "repair": self.repair,
            "decoding": self.decoding.as_dict(), "accept_truncated": self.decoding.accept_truncated,
            "judge_rules": self.task.judging().rules_version,
            "model": model, **self.task_stamp})

    def judge_identity(self, judge: str, backend_name: str, options: Mapping[str, Any], loaded: Any) -> dict[str, Any]:
        from jasco.stages.judge.keys import identity

        return identity(loaded.describe(), judge, backend_name, options, loaded)

    def expand(self, limit: int | None) -> tuple[Any, bool]:
        """The items (from the verified dataset) and whether ``items.csv`` will change."""
        from jasco.stages.items import expand_items

        frame = expand_items(self.task, self.data_dir, self.options)
        if limit is not None:
            frame = frame.iloc[:limit].reset_index(drop=True)
        same = self.items_csv.is_file() and frame.to_csv(index=False) == self.items_csv.read_text(encoding="utf-8")
        return frame, not same

    def write_items(self, frame: Any, changed: bool) -> Path:
        from jasco.core.table import write_table

        if changed:
            write_table(frame, self.items_csv)
        self.echo(f"[expand] {len(frame)} items -> {self.items_csv}")
        return self.items_csv

    def to_run(self, models: Sequence[str], judges: Sequence[str], items_changed: bool,
               infer_options: Mapping[str, Any], judge_backend: str | None,
               judge_options: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """The models and judges that have a stage to run (not up to date): those must load here.
        Building a judge backend to read its identity loads no weights."""
        from jasco.stages.judge.backends import choose_backend, load_backend, release

        if items_changed:
            models_to_run = list(models)
        else:
            audio = self.audio_files(self.items_csv)
            models_to_run = [model for model in models
                             if not up_to_date(self.answers_path(model), self.infer_stamp(model, infer_options, audio))]
        judges_to_run = []
        for judge in judges if self.task.scoring == "judge" else ():
            if models_to_run:
                judges_to_run.append(judge)
                continue
            backend_name = choose_backend(judge, judge_backend)
            loaded = load_backend(backend_name, judge, judge_options)
            try:
                who = self.judge_identity(judge, backend_name, judge_options, loaded)
            finally:
                release(loaded)
            if any(not up_to_date(self.judged_path(model, judge),
                                  self.judge_stamp(judge, who, self.answers_path(model), judge_options, model))
                   for model in models):
                judges_to_run.append(judge)
        return models_to_run, judges_to_run

    def audio_files(self, items_csv: Path) -> list[Path]:
        """Every audio file the items name (fingerprinted in the infer stamps)."""
        from jasco.core.paths import resolve_audio_path
        from jasco.core.table import read_table

        frame = read_table(items_csv)
        found = set()
        for column in self.task.audio_columns_for(self.options):
            for cell in frame[column] if column in frame.columns else ():
                path = resolve_audio_path(str(cell), items_csv, self.data_dir)
                if path is not None:
                    found.add(Path(path))
        return sorted(found)

    def infer(self, models: Sequence[str], items_csv: Path, options: Mapping[str, Any],
              check_audio_items: int) -> dict[str, Path]:
        from jasco.stages.infer import run_infer

        answers: dict[str, Path] = {}
        audio = self.audio_files(items_csv)
        for model in models:
            out = self.answers_path(model)
            answers[model] = out
            stamp = self.infer_stamp(model, options, audio)
            if self.skip(f"infer {model}", out, stamp):
                continue
            summary = run_infer(out, model=model, task=self.task.name, task_options=self.options,
                                items_csv=items_csv, data_dir=self.data_dir, options=options,
                                settings=self.settings, progress=self.progress, check_audio_items=check_audio_items,
                                echo=self.echo, max_consecutive_errors=self.max_consecutive_errors)
            self.echo(f"[infer] {model}: {summary.n_generated_now} generated, {summary.n_from_store} from store, "
                      f"{summary.n_errors} errors ({summary.n_empty} empty, {summary.n_truncated} truncated) -> {out}")
            self._settle(f"infer {model}", summary.stopped, summary.n_errors, out, stamp)
        return answers

    def score(self, answers: Mapping[str, Path]) -> list[Path]:
        from jasco.stages.score import run_score

        scored = []
        for model, answer_csv in answers.items():
            out = self.out_dir / "scored" / f"{file_stem(model)}.csv"
            scored.append(out)
            stamp = make_stamp([answer_csv], self.task_stamp)
            if self.skip(f"score {model}", out, stamp):
                continue
            summary = run_score(answer_csv, out, task=self.task.name, task_options=self.options)
            self.echo(f"[score] {model}: {summary.n_scored} scored, {summary.n_unscored} unscored -> {out}")
            mark_done(out, stamp)
        return scored

    def judge(self, judges: Sequence[str], answers: Mapping[str, Path], backend: str | None,
              options: Mapping[str, Any]) -> list[Path]:
        from jasco.stages.judge.backends import choose_backend, load_backend, release
        judged: list[Path] = []
        for judge in judges:
            backend_name = choose_backend(judge, backend)
            loaded = load_backend(backend_name, judge, options)  # building loads no weights
            try:
                who = self.judge_identity(judge, backend_name, options, loaded)
                pending = []
                for model, answer_csv in answers.items():
                    out = self.judged_path(model, judge)
                    judged.append(out)
                    stamp = self.judge_stamp(judge, who, answer_csv, options, model)
                    if not self.skip(f"judge {judge} x {model}", out, stamp):
                        pending.append((model, answer_csv, out, stamp))
                for model, answer_csv, out, stamp in pending:
                    self._judge_one(judge, backend_name, options, loaded, model, answer_csv, out, stamp)
            finally:
                release(loaded)
        return judged

    def _judge_one(self, judge: str, backend_name: str, options: Mapping[str, Any], loaded: Any, model: str,
                   answer_csv: Path, out: Path, stamp: Mapping[str, Any]) -> None:
        from jasco.stages.judge.run import run_judge

        result = run_judge(answer_csv, out, judge=judge, task=self.task.name, backend=backend_name,
                           backend_options=options, decoding=self.decoding, progress=self.progress,
                           backend_instance=loaded, repair=self.repair, model=model,
                           max_consecutive_errors=self.max_consecutive_errors)
        self.echo(f"[judge] {judge} x {model}: {result.n_judged_now} judged, {result.n_from_store} from store, "
                  f"{result.n_unscored} unscored, {result.n_no_answer} without an answer, {result.n_errors} errors "
                  f"-> {out}")
        self._settle(f"judge {judge} x {model}", result.stopped, result.n_errors, out, stamp)

    def _settle(self, stage: str, stopped: str | None, n_errors: int, out: Path, stamp: Mapping[str, Any]) -> None:
        """After a stage: a stop ends the run; row errors are a problem (no stamp: the next run
        retries them); else the stamp marks the output current."""
        if stopped:
            raise RunStoppedError(f"{stage}: {stopped}")
        if n_errors:
            self.problems.append(f"{stage}: {n_errors} rows failed (rerun to retry them)")
        else:
            mark_done(out, stamp)
