"""XACLE items: one per (audio, caption) pair and prompt paraphrase, as frozen dataclasses with stable ids.

The ALLM hears the pair's wav and reads the caption inside a versioned prompt (``prompts/xacle/``)
that states the scale and its anchors (0 "does not match at all" ... 10 "matched exactly") and
asks for the number alone:

- ``xacle/rate_match.v1.j2`` (the default): the plain question;
- ``xacle/rate_listener.v1.j2``: framed as the listening test the labels come from;
- ``xacle/rate_generated.v1.j2``: framed as text-to-audio evaluation (true of the XACLE pairs,
  not of the demo set's recorded clips).

``expand_items(pairs, templates)`` is pure: pairs x templates in pair order, each item's id
``<split>/<wav stem>/<template stem>`` (``validation/07500/rate_match.v1``) stable across runs.
``render_prompt(item)`` renders its text (jinja2, StrictUndefined: ``caption`` is the one
variable). A template name that is not a versioned file under ``prompts/xacle/`` is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from jasco.core.prompting import render, template_path
from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.layout import XaclePair

PROMPT_TEMPLATES = ("xacle/rate_match.v1.j2", "xacle/rate_listener.v1.j2", "xacle/rate_generated.v1.j2")
DEFAULT_TEMPLATES = PROMPT_TEMPLATES[:1]


class XacleItemError(XacleError):
    """An unknown or repeated prompt template, or two items with the same id."""


@dataclass(frozen=True)
class XacleItem:
    item_id: str
    split: str
    wav_file_name: str
    audio_path: Path
    caption: str
    template: str  # prompt file name relative to prompts/
    label: float | None  # the pair's average_score (None for an unlabelled split)

    @property
    def template_key(self) -> str:
        return template_key(self.template)


def template_key(template: str) -> str:
    """``xacle/rate_match.v1.j2`` -> ``rate_match.v1``."""
    name = PurePosixPath(template).name
    return name[: -len(".j2")] if name.endswith(".j2") else name


def check_templates(templates: Sequence[str]) -> tuple[str, ...]:
    """The templates, each an existing ``prompts/xacle/*.vN.j2`` file named once."""
    if not templates:
        raise XacleItemError("no prompt template given")
    for template in templates:
        if not template.startswith("xacle/") or ".v" not in template:
            raise XacleItemError(f"prompt template {template!r}: expected a versioned file under prompts/xacle/")
        try:
            template_path(template)
        except FileNotFoundError as error:
            raise XacleItemError(str(error)) from None
    repeated = sorted({t for t in templates if list(templates).count(t) > 1})
    if repeated:
        raise XacleItemError(f"prompt template(s) given twice: {', '.join(repeated)}")
    return tuple(templates)


def item_id(pair: XaclePair, template: str) -> str:
    return f"{pair.split}/{PurePosixPath(pair.wav_file_name).stem}/{template_key(template)}"


def expand_items(pairs: Sequence[XaclePair], templates: Sequence[str] = DEFAULT_TEMPLATES) -> tuple[XacleItem, ...]:
    """One item per pair and template, pair-major in the pairs' order."""
    templates = check_templates(templates)
    items = tuple(
        XacleItem(
            item_id=item_id(pair, template),
            split=pair.split,
            wav_file_name=pair.wav_file_name,
            audio_path=pair.audio_path,
            caption=pair.text,
            template=template,
            label=pair.average_score,
        )
        for pair in pairs
        for template in templates
    )
    seen: set[str] = set()
    for item in items:
        if item.item_id in seen:
            raise XacleItemError(f"two items share the id {item.item_id!r} (a wav name repeated in split {item.split})")
        seen.add(item.item_id)
    return items


def render_prompt(item: XacleItem) -> str:
    """The text the model reads with the item's audio."""
    return render(item.template, caption=item.caption)
