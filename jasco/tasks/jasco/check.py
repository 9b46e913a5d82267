"""Judge validation on control answers: is this judge fit to trust before a benchmark run?

Each control answer (``jasco.tasks.jasco.controls``) has a known correct judgment. ``control_items``
builds the 320-row table (80 clips x 4 controls, instruction variant 1, ``model`` = control
name); once a judge has judged it, ``check_judgments`` scores the judge against the expected
labels, and ``render_text`` / ``render_markdown`` / ``JudgeCheck.as_dict`` print the result for
``jasco judge-check`` and the report's judge-validity section.

Wiring ``jasco judge-check`` (the judge stage needs ``(id, prompt)`` unique per file, so each
control is its own file)::

    judged = []
    for name, path in write_control_files(data_dir, out_dir / "controls").items():
        judged.append(out_dir / f"{name}.judged.csv")
        run_judge(path, judged[-1], judge=judge, backend=backend, backend_options=options)
    check = check_judgments(read_judged(judged))
    print(render_text(check))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.report.sections import Table
from jasco.tasks.jasco.labels import RATINGS, Orientation, parse_rating_cell

if TYPE_CHECKING:
    import pandas as pd

UNSCORED = "unscored"
WHERE_COLUMN = "source_row"  # "<file>:<CSV row>", added by read_judged for error messages
CHECK_VARIANT = 1  # the instruction variant used as the controls' prompt


@dataclass(frozen=True)
class Expected:
    rating: int
    orientation: Orientation


EXPECTED: dict[str, Expected] = {
    "reference": Expected(2, Orientation.BOTH),
    "audio-only": Expected(0, Orientation.AUDIO),
    "speech-only": Expected(0, Orientation.SPEECH),
    "describe-only": Expected(0, Orientation.NEITHER),
}
"""What a sound judge says about each control answer (keys are the control adapters' names)."""

ORIENTATION_ORDER = (Orientation.BOTH, Orientation.AUDIO, Orientation.SPEECH, Orientation.NEITHER)


def control_items(data_dir: str | os.PathLike[str], controls: Sequence[str] = tuple(EXPECTED)) -> pd.DataFrame:
    """The example.csv table of every clip's control answers: one row per clip per control.

    The prompt is instruction variant 1; ``model`` holds the control name. Note that
    ``(id, prompt)`` repeats across controls: key rows by ``(model, id, prompt)``, or judge each
    control's rows (``frame[frame.model == name]``) as a file of its own.
    """
    import pandas as pd

    from jasco.tasks.jasco.controls import control_table
    from jasco.tasks.jasco.samples import expand, load_clips, load_instructions
    from jasco.tasks.jasco.table import items_to_frame

    unknown = [name for name in controls if name not in EXPECTED]
    if unknown:
        raise ValueError(f"unknown controls {unknown}; known: {', '.join(EXPECTED)}")
    instruction = [i for i in load_instructions() if i.variant == CHECK_VARIANT]
    items = items_to_frame(expand(load_clips(Path(data_dir)), instruction))
    return pd.concat([control_table(items, name) for name in controls], ignore_index=True)


def write_control_files(
    data_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], controls: Sequence[str] = tuple(EXPECTED)
) -> dict[str, Path]:
    """Write ``<out_dir>/<control>.csv`` (80 rows each, example.csv columns + ``model``).

    One file per control keeps ``(id, prompt)`` unique within a file, as the judge stage requires.
    Judge each file, then ``check_judgments(read_judged(judged_paths))``.
    """
    from jasco.core.table import write_table

    table = control_items(data_dir, controls)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in controls:
        paths[name] = out / f"{name}.csv"
        write_table(table[table["model"] == name], paths[name])
    return paths


def read_judged(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """The judged control files as one table (errors name the file) for ``check_judgments``."""
    import pandas as pd

    from jasco.core.table import read_table

    frames = []
    for path in paths:
        frame = read_table(path, required=("model", "rating", "orientation"))
        frames.append(frame.assign(**{WHERE_COLUMN: [f"{path}:{row + 2}" for row in range(len(frame))]}))
    return pd.concat(frames, ignore_index=True)


class _Accuracies:
    """Rating and orientation accuracy over all ``n`` rows (unscored rows count as wrong)."""

    n: int
    rating_correct: int
    orientation_correct: int

    @property
    def rating_accuracy(self) -> float:
        return self.rating_correct / self.n if self.n else 0.0

    @property
    def orientation_accuracy(self) -> float:
        return self.orientation_correct / self.n if self.n else 0.0


@dataclass(frozen=True)
class ControlScore(_Accuracies):
    n: int
    rating_correct: int
    orientation_correct: int
    unscored: int


@dataclass(frozen=True)
class JudgeCheck(_Accuracies):
    """A judge's agreement with the controls' expected labels (see ``check_judgments``)."""

    judges: tuple[str, ...]
    n: int
    rating_correct: int
    orientation_correct: int
    unscored: int
    per_control: dict[str, ControlScore]
    # expected label -> predicted label (or "unscored") -> count; every row and column present
    orientation_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    # expected rating -> predicted rating ("0", "1", "2" or "unscored") -> count
    rating_confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "judges": list(self.judges), "n": self.n, "unscored": self.unscored,
            "rating_accuracy": self.rating_accuracy, "orientation_accuracy": self.orientation_accuracy,
            "rating_correct": self.rating_correct, "orientation_correct": self.orientation_correct,
            "per_control": {
                name: {
                    "n": s.n, "unscored": s.unscored, "rating_accuracy": s.rating_accuracy,
                    "orientation_accuracy": s.orientation_accuracy,
                    "expected_rating": EXPECTED[name].rating,
                    "expected_orientation": EXPECTED[name].orientation.value,
                }
                for name, s in self.per_control.items()
            },
            "orientation_confusion": self.orientation_confusion,
            "rating_confusion": self.rating_confusion,
            "denominator": "all control rows; an unscored row counts as wrong",
        }


class CheckError(ValueError):
    """A judged table cannot be checked; the message names the row."""


def _cell(value: Any) -> str:
    """A table cell as text; a missing value (None, or NaN from a default pandas read) is empty."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _rating(value: str, row: int | str) -> int | None:
    try:
        return parse_rating_cell(value)
    except ValueError as error:
        raise CheckError(f"row {row}: {error}") from None


def _orientation(value: str, row: int | str) -> Orientation | None:
    if not value.strip():
        return None
    try:
        return Orientation.from_label(value)
    except ValueError:
        raise CheckError(f"row {row}: orientation {value!r} is not a label or empty") from None


def check_judgments(judged: pd.DataFrame) -> JudgeCheck:
    """Score a judged control table against ``EXPECTED``.

    ``judged`` needs the columns ``model`` (the control name), ``rating`` and ``orientation``
    (text; empty = unscored), and optionally ``parse_status`` and ``judge``. Error messages name
    the row as ``source_row`` says (``read_judged``: file and CSV row), else as a CSV row of
    ``judged`` (row 2 is the first data row).

    Denominators: every accuracy divides by ALL rows of the controls it covers, scored or not;
    an unscored rating (or orientation) counts as wrong. ``unscored`` counts rows whose rating or
    orientation is empty or whose ``parse_status`` starts with "unscored".
    """
    missing = [c for c in ("model", "rating", "orientation") if c not in judged.columns]
    if missing:
        raise CheckError(f"judged table lacks columns {missing}")
    if len(judged) == 0:
        raise CheckError("judged table has no rows")
    labels = [o.value for o in ORIENTATION_ORDER]
    present = [name for name in EXPECTED if name in set(judged["model"].astype(str))]
    orientation_confusion = {
        EXPECTED[name].orientation.value: {label: 0 for label in [*labels, UNSCORED]} for name in present
    }
    rating_columns = [str(r) for r in RATINGS] + [UNSCORED]
    rating_confusion = {str(EXPECTED[name].rating): dict.fromkeys(rating_columns, 0) for name in present}
    counts = {name: [0, 0, 0, 0] for name in present}  # n, rating ok, orientation ok, unscored
    statuses = judged["parse_status"].astype(str) if "parse_status" in judged.columns else None
    for position, record in enumerate(judged.to_dict("records")):
        row = record.get(WHERE_COLUMN) or position + 2
        control = str(record["model"])
        if control not in EXPECTED:
            raise CheckError(f"row {row}: model {control!r} is not a control ({', '.join(EXPECTED)})")
        expected = EXPECTED[control]
        rating = _rating(_cell(record["rating"]), row)
        orientation = _orientation(_cell(record["orientation"]), row)
        status_unscored = statuses is not None and statuses.iloc[position].strip().startswith(UNSCORED)
        tally = counts[control]
        tally[0] += 1
        tally[1] += rating == expected.rating
        tally[2] += orientation == expected.orientation
        tally[3] += rating is None or orientation is None or status_unscored
        predicted = orientation.value if orientation is not None else UNSCORED
        orientation_confusion[expected.orientation.value][predicted] += 1
        rating_confusion[str(expected.rating)][str(rating) if rating is not None else UNSCORED] += 1
    per_control = {name: ControlScore(*counts[name]) for name in present}
    judges = tuple(sorted(set(judged["judge"].astype(str)))) if "judge" in judged.columns else ()
    return JudgeCheck(
        judges=judges, n=sum(s.n for s in per_control.values()),
        rating_correct=sum(s.rating_correct for s in per_control.values()),
        orientation_correct=sum(s.orientation_correct for s in per_control.values()),
        unscored=sum(s.unscored for s in per_control.values()), per_control=per_control,
        orientation_confusion=orientation_confusion, rating_confusion=rating_confusion,
    )


# ---------------------------------------------------------------- renderers

def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def check_tables(check: Mapping[str, Any]) -> list[Table]:
    """The accuracy table and the two confusion matrices, from ``JudgeCheck.as_dict()`` (so JSON
    payloads render too)."""
    summary = [
        (name, str(s["n"]), f"{s['expected_rating']} / {s['expected_orientation']}",
         _percent(s["rating_accuracy"]), _percent(s["orientation_accuracy"]), str(s["unscored"]))
        for name, s in check["per_control"].items()
    ]
    summary.append(("all", str(check["n"]), "", _percent(check["rating_accuracy"]),
                    _percent(check["orientation_accuracy"]), str(check["unscored"])))
    tables = [Table("Accuracy on the control answers (unscored counts as wrong)",
                    ("control", "n", "expected", "rating acc", "orientation acc", "unscored"), summary)]
    for title, confusion in (("Orientation: expected (rows) x predicted (columns)", check["orientation_confusion"]),
                             ("Rating: expected (rows) x predicted (columns)", check["rating_confusion"])):
        columns = list(next(iter(confusion.values())).keys()) if confusion else []
        rows = [(expected, *(str(counts[c]) for c in columns)) for expected, counts in confusion.items()]
        tables.append(Table(title, ("expected", *columns), rows))
    return tables


def _heading(check: JudgeCheck) -> str:
    judge = ", ".join(check.judges) or "(judge not named)"
    note = " (similarity proxy, not an LLM judge)" if "similarity" in check.judges else ""
    return f"Judge check for {judge}{note}: {check.n} control answers, {check.unscored} unscored"


def render_text(check: JudgeCheck) -> str:
    """Plain-text tables for the terminal (the report's text renderer)."""
    from jasco.report.render_text import plain_table

    return "\n\n".join([_heading(check), *(plain_table(t) for t in check_tables(check.as_dict()))]) + "\n"


def render_markdown(check: JudgeCheck) -> str:
    """Markdown tables for the report's judge-validity section (the report's markdown renderer)."""
    from jasco.report.render_text import markdown_table

    tables = [markdown_table(t) for t in check_tables(check.as_dict())]
    return "\n\n".join([f"**{_heading(check)}**", *tables]) + "\n"
