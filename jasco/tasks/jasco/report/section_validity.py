"""The judge-validity section: each judge's accuracy on the control answers.

Given judged control files (``jasco report ... --extra controls=FILE``, e.g. the files
``jasco judge-check --out DIR`` writes), the section runs ``jasco.tasks.jasco.check.check_judgments``
once per judge: rating and orientation accuracy per control and overall, with the orientation
and rating confusion matrices. Denominator: every control row of that judge; an unscored row
counts as wrong. Without such files the section is left out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext

EXTRA_NAME = "controls"


class ValiditySection:
    key = "judge_validity"
    title = "Judge validity on control answers"
    extra_inputs: ClassVar[dict[str, str]] = {EXTRA_NAME: "judged control answers (jasco judge-check's judged files)"}

    def build(self, context: JascoContext) -> Any | None:
        from jasco.tasks.jasco.check import check_judgments, read_judged

        paths = list(context.extra_inputs.get(EXTRA_NAME, ()))
        if not paths:
            return None
        judged = read_judged(paths)
        if "judge" not in judged.columns:
            return [{"judge": "(unnamed)", **check_judgments(judged).as_dict()}]
        return [
            {"judge": judge, **check_judgments(judged[judged["judge"].astype(str) == judge]).as_dict()}
            for judge in sorted(set(judged["judge"].astype(str)))
        ]

    def tables(self, payload: Any) -> list[Table]:
        from jasco.tasks.jasco.check import check_tables

        return [replace(table, title=f"{check['judge']}: {table.title}")
                for check in payload for table in check_tables(check)]


VALIDITY = ValiditySection()
