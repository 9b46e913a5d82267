"""``jasco judge-check``: judge the control answers of all 80 clips and score the judge.

The four controls (reference, audio-only, speech-only, describe-only; see
``jasco.tasks.jasco.check.EXPECTED``) are written one file per control under ``OUT_DIR/controls/``,
judged by one loaded backend into ``OUT_DIR/judged/<control>.csv`` (resumable through each
file's result store), then scored with ``check_judgments``. A weak or misconfigured judge shows
up as low accuracy before it is trusted with a benchmark run. The judged files can be handed to
``jasco report --extra controls=FILE`` for the report's judge-validity section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.stages.decoding import Decoding
from jasco.tasks.jasco.check import JudgeCheck


@dataclass(frozen=True)
class JudgeCheckRun:
    check: JudgeCheck
    judged: tuple[Path, ...]


def run_judge_check(
    out_dir: Path,
    *,
    judge: str,
    data_dir: Path,
    backend: str | None = None,
    backend_options: Mapping[str, Any] | None = None,
    decoding: Decoding | None = None,
    template: str | None = None,
    progress: bool = True,
) -> JudgeCheckRun:
    from jasco.stages.judge.backends import choose_backend, load_backend, release
    from jasco.stages.judge.run import run_judge
    from jasco.tasks.jasco.check import check_judgments, read_judged, write_control_files

    out_dir = Path(out_dir)
    backend_name = choose_backend(judge, backend)
    controls = write_control_files(data_dir, out_dir / "controls")
    loaded = load_backend(backend_name, judge, backend_options)
    judged = []
    try:
        for name, path in controls.items():
            out = out_dir / "judged" / f"{name}.csv"
            run_judge(path, out, judge=judge, backend=backend_name, backend_options=backend_options,
                      decoding=decoding, template=template, progress=progress,
                      backend_instance=loaded, repair=False)
            judged.append(out)
    finally:
        release(loaded)
    return JudgeCheckRun(check_judgments(read_judged(judged)), tuple(judged))
