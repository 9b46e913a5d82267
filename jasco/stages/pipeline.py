"""``jasco run``: expand -> infer -> judge (each judge) -> report, in one resumable command.

Files under the output directory::

    items.csv                                   the 640 benchmark items (expand)
    answers/<model>.csv                         one per ALLM (infer), + .manifest.json, .store.jsonl
    judged/<model>/<judge>.csv                  one per (ALLM, judge), + .manifest.json, .store.jsonl
    report.txt, report.json, report.html        over every judged file
    run.manifest.json                           the whole run: arguments and stage summaries

A stage is skipped when its output exists and the stamp it wrote when it last completed with
no errors (``<output>.stage.json``) records the same inputs (by sha256) and settings. Otherwise
it runs, and its result store makes the rows already done free, so a killed run resumes where
it stopped. Each judge is loaded once and judges every ALLM's answers before it is released.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem
from jasco.core.runinfo import file_sha256, write_manifest, write_text_atomic

REPORT_FORMATS = {"txt": "table", "json": "json", "html": "html"}


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    items_csv: Path
    answers: dict[str, Path]
    judged: list[Path]
    reports: dict[str, Path]
    manifest_path: Path
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # stages that finished with row errors


def resolve_judges(spec: str) -> list[str]:
    """``paper`` (or another panel name in evaluation/panels/) -> its judges; else a comma list."""
    from jasco.core.paths import resource_dir
    from jasco.stages.judge.run import load_panel

    names = [part.strip() for part in spec.split(",") if part.strip()]
    if len(names) == 1 and (resource_dir("evaluation") / "panels" / f"{names[0]}.json").is_file():
        _, members = load_panel(names[0])
        return [member.model for member in members]
    if not names:
        raise ValueError("no judge given: --judges paper, similarity, or comma-separated model ids")
    return names


def _stamp_path(output: Path) -> Path:
    return output.with_name(output.name + ".stage.json")


def _stamp(inputs: Sequence[Path], settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "inputs": {str(path): file_sha256(path) for path in inputs},
        "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)),
    }


def _up_to_date(output: Path, stamp: Mapping[str, Any]) -> bool:
    path = _stamp_path(output)
    if not output.is_file() or not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")) == stamp)
    except ValueError:
        return False


def _mark_done(output: Path, stamp: Mapping[str, Any]) -> None:
    write_text_atomic(_stamp_path(output), json.dumps(stamp, indent=1, sort_keys=True) + "\n")


def run_pipeline(
    out_dir: Path,
    *,
    models: Sequence[str],
    judges: Sequence[str],
    data_dir: Path | None = None,
    infer_options: Mapping[str, Any] | None = None,
    judge_backend: str | None = None,
    judge_options: Mapping[str, Any] | None = None,
    settings: Any = None,
    decoding: Any = None,
    limit: int | None = None,
    check_audio_items: int = 0,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> RunResult:
    from jasco.core.paths import default_data_dir
    from jasco.judge.base import Decoding
    from jasco.models.base import GenerationSettings
    from jasco.report.build import build_report
    from jasco.report.render import write_report
    from jasco.stages.infer import run_infer
    from jasco.stages.judge.run import choose_backend, load_backend, release, run_judge
    from jasco.tasks.jasco.samples import load_items
    from jasco.tasks.jasco.table import items_to_frame, write_table

    if not models:
        raise ValueError("no model given")
    out_dir = Path(out_dir)
    data_dir = Path(data_dir or default_data_dir()).expanduser().resolve()
    settings = settings or GenerationSettings()
    decoding = decoding or Decoding()
    skipped: list[str] = []
    problems: list[str] = []

    # 1. expand
    items_csv = out_dir / "items.csv"
    items = load_items(data_dir)
    if limit is not None:
        items = items[:limit]
    frame = items_to_frame(items)
    if not items_csv.is_file() or frame.to_csv(index=False) != items_csv.read_text(encoding="utf-8"):
        write_table(frame, items_csv)
    echo(f"[expand] {len(items)} items -> {items_csv}")

    # 2. infer, one ALLM at a time
    answers: dict[str, Path] = {}
    for model in models:
        out = out_dir / "answers" / f"{file_stem(model)}.csv"
        answers[model] = out
        stamp = _stamp([items_csv], {"model": model, "options": dict(infer_options or {}),
                                     "settings": settings.as_dict()})
        if _up_to_date(out, stamp):
            skipped.append(f"infer {model}")
            echo(f"[infer] {model}: up to date, skipped ({out})")
            continue
        summary = run_infer(out, model=model, items_csv=items_csv, data_dir=data_dir,
                            options=infer_options, settings=settings, progress=progress,
                            check_audio_items=check_audio_items)
        echo(f"[infer] {model}: {summary.n_generated_now} generated, {summary.n_from_store} from store, "
             f"{summary.n_errors} errors -> {out}")
        if summary.n_errors:
            problems.append(f"infer {model}: {summary.n_errors} rows failed (rerun to retry them)")
        else:
            _mark_done(out, stamp)

    # 3. judge: each judge loaded once for every ALLM's answers, released before the next
    judged: list[Path] = []
    for judge in judges:
        backend_name = choose_backend(judge, judge_backend)
        pending = []
        for model, answer_csv in answers.items():
            out = out_dir / "judged" / file_stem(model) / f"{file_stem(judge)}.csv"
            judged.append(out)
            stamp = _stamp([answer_csv], {"judge": judge, "backend": backend_name,
                                          "options": dict(judge_options or {}), "decoding": decoding.as_dict()})
            if _up_to_date(out, stamp):
                skipped.append(f"judge {judge} x {model}")
                echo(f"[judge] {judge} x {model}: up to date, skipped ({out})")
            else:
                pending.append((model, answer_csv, out, stamp))
        if not pending:
            continue
        backend = load_backend(backend_name, judge, judge_options)
        try:
            for model, answer_csv, out, stamp in pending:
                result = run_judge(answer_csv, out, judge=judge, backend=backend_name,
                                   backend_options=judge_options, decoding=decoding,
                                   progress=progress, backend_instance=backend)
                echo(f"[judge] {judge} x {model}: {result.n_judged_now} judged, {result.n_from_store} from "
                     f"store, {result.n_unscored} unscored, {result.n_errors} errors -> {out}")
                if result.n_errors:
                    problems.append(f"judge {judge} x {model}: {result.n_errors} rows failed (rerun to retry)")
                else:
                    _mark_done(out, stamp)
        finally:
            release(backend)

    # 4. report
    report = build_report(judged, n_boot=n_boot, seed=seed, data_dir=data_dir)
    reports = {}
    for suffix, fmt in REPORT_FORMATS.items():
        reports[fmt] = out_dir / f"report.{suffix}"
        write_report(report, fmt, reports[fmt])
    echo(f"[report] {', '.join(str(p) for p in reports.values())}")

    manifest_path = write_manifest(
        out_dir / "run", stage="run",
        arguments={"models": list(models), "judges": list(judges), "data_dir": str(data_dir),
                   "infer_options": dict(infer_options or {}), "judge_backend": judge_backend,
                   "judge_options": dict(judge_options or {}), "limit": limit, "n_boot": n_boot, "seed": seed},
        details={"settings": settings.as_dict(), "decoding": decoding.as_dict(),
                 "outputs": {"items": str(items_csv), "answers": {m: str(p) for m, p in answers.items()},
                             "judged": [str(p) for p in judged], "reports": {k: str(v) for k, v in reports.items()}},
                 "skipped": skipped, "problems": problems},
    )
    return RunResult(out_dir, items_csv, answers, judged, reports, manifest_path, skipped, problems)
