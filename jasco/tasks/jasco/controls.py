"""Control answers: fixed texts taken from the dataset, no model and no audio involved.

Four controls stand in for an ALLM. Each answer's correct judgment is known in advance, so
they calibrate judges (``jasco judge-check``) and make offline demos:

============== ========================================== ======================
control        answer                                     a judge should say
============== ========================================== ======================
reference      the clip's correct answer (``tgt_text``)    Both, rating 2
audio-only     ``audio_only_target``                      Audio-Oriented, 0
speech-only    ``speech_only_target``                     Speech-Oriented, 0
describe-only  the sound and the speech restated, no       Neither, 0
               action inferred (``describe_only.v1.j2``)
============== ========================================== ======================

The models read only ``ChatRequest.row`` (the item's example.csv row). ``control_answer`` and
``control_table`` are the same logic as pure functions over rows and tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jasco.models.types import ChatRequest, ModelResult, ResultCallback

if TYPE_CHECKING:
    import pandas as pd

DESCRIBE_TEMPLATE = "jasco/describe_only.v1.j2"


class ControlError(ValueError):
    """An item row lacks what a control answer is made from; the message names the row."""


def _column(name: str) -> Callable[[Mapping[str, str]], str]:
    def answer(row: Mapping[str, str]) -> str:
        return _field(row, name)

    return answer


def _describe(row: Mapping[str, str]) -> str:
    from jasco.core.prompting import render

    text = render(
        DESCRIBE_TEMPLATE, audio_sound=_field(row, "audio_sound"), spoken_text=_field(row, "spoken_text")
    )
    return text.strip()


def _field(row: Mapping[str, str], name: str) -> str:
    value = row.get(name)
    if value is None:
        raise ControlError(f"item {_where(row)}: the row has no {name!r} column")
    value = str(value).strip()
    if not value:
        raise ControlError(f"item {_where(row)}: {name!r} is empty")
    return value


def _where(row: Mapping[str, str]) -> str:
    return f"id={row.get('id', '?')!s} prompt={str(row.get('prompt', '?'))[:40]!r}"


@dataclass(frozen=True)
class Control:
    name: str
    source: str  # what the answer is made from (recorded in describe())
    answer: Callable[[Mapping[str, str]], str]


CONTROLS: dict[str, Control] = {
    control.name: control
    for control in (
        Control("reference", "column tgt_text", _column("tgt_text")),
        Control("audio-only", "column audio_only_target", _column("audio_only_target")),
        Control("speech-only", "column speech_only_target", _column("speech_only_target")),
        Control("describe-only", f"template {DESCRIBE_TEMPLATE}", _describe),
    )
}
CONTROL_NAMES = tuple(CONTROLS)


def get_control(name: str) -> Control:
    try:
        return CONTROLS[name]
    except KeyError:
        raise ValueError(f"unknown control {name!r}; known: {', '.join(CONTROL_NAMES)}") from None


def control_answer(control: str, row: Mapping[str, str]) -> str:
    """The answer of ``control`` for one item row; ControlError naming the row if it cannot be made."""
    return get_control(control).answer(row)


def control_table(items: pd.DataFrame, control: str) -> pd.DataFrame:
    """A copy of the item table with ``allm_output`` set to the control's answers and ``model`` = control."""
    answer = get_control(control).answer
    table = items.copy()
    records = table.to_dict("records")
    table["allm_output"] = [answer({str(k): str(v) for k, v in record.items()}) for record in records]
    table["model"] = control
    return table


class ControlAdapter:
    """A model whose answers are a control's fixed texts (see the module docstring)."""

    max_audios: int | None = None  # it hears nothing, so any number of audios is fine
    answers_from_row = True  # its answer is a function of the item's cells: they go into store keys

    def __init__(self, control: str) -> None:
        self._control = get_control(control)
        self.name = self._control.name

    def describe(self) -> dict[str, Any]:
        """``model_id`` is the control name; ``revision`` names what the answers are made from
        (the column, or the template file and its sha256), so a new template never reuses answers."""
        from jasco.core.prompting import template_sha256

        info: dict[str, Any] = {
            "adapter": self.name, "kind": "control answer (no model)", "model": self.name,
            "model_id": self.name, "backend": "control", "revision": self._control.source,
        }
        if self._control.answer is _describe:
            info["template"] = DESCRIBE_TEMPLATE
            info["template_sha256"] = template_sha256(DESCRIBE_TEMPLATE)
            info["revision"] = f"{DESCRIBE_TEMPLATE}@{info['template_sha256']}"
        return info

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            try:
                text = self._control.answer(request.row)
            except ControlError as error:
                on_result(ModelResult.failed(request.index, f"{request.item_id}: {error}"))
            else:
                on_result(ModelResult(index=request.index, text=text, finish_reason="stop"))

    def close(self) -> None:
        return None


def _factory(control: str) -> Callable[..., ControlAdapter]:
    def factory(**options: Any) -> ControlAdapter:
        unused = {key: value for key, value in options.items() if value is not None}
        if unused:
            raise ValueError(f"control {control!r} takes no options, got {sorted(unused)}")
        return ControlAdapter(control)

    factory.__name__ = f"{control.replace('-', '_')}_factory"
    factory.__doc__ = f"The {control!r} control adapter (no options)."
    return factory


reference = _factory("reference")
audio_only = _factory("audio-only")
speech_only = _factory("speech-only")
describe_only = _factory("describe-only")
