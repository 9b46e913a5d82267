"""The judge prompts: which template files exist, and rendering a row into chat messages.

Templates live in ``prompts/jasco/`` (jinja2, StrictUndefined). Two wordings of the paper's
rating/orientation prompt ship: upstream eval.py's (the joint label is "Good"; it produced the
paper's numbers, so it is the default) and the README's (the joint label is "Both"). The label
words shown to the judge come from ``jasco.tasks.jasco.labels.Orientation`` (plus each wording's own word for
BOTH), and every word is checked to map back to the Enum, so prompt and parser cannot drift.
The system message and the post-processing (repair) prompt are upstream's; the rating re-ask
(``judge_rating_repair``, asking for one of the ratings a judge hesitated between) is jasco's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jasco.core.prompting import render, template_sha256
from jasco.tasks.jasco.labels import Orientation

SYSTEM_FILE = "jasco/judge_system.v1.txt"
REPAIR_FILE = "jasco/judge_repair.v1.j2"
RATING_REPAIR_FILE = "jasco/judge_rating_repair.v1.j2"


@dataclass(frozen=True)
class JudgeTemplate:
    name: str  # what --template accepts
    file: str  # path under prompts/
    both_word: str  # this wording's word for Orientation.BOTH

    def labels(self) -> dict[str, str]:
        words = {
            "audio": Orientation.AUDIO.value, "speech": Orientation.SPEECH.value,
            "both": self.both_word, "neither": Orientation.NEITHER.value,
        }
        expected = {"audio": Orientation.AUDIO, "speech": Orientation.SPEECH,
                    "both": Orientation.BOTH, "neither": Orientation.NEITHER}
        for key, word in words.items():
            if Orientation.from_label(word) is not expected[key]:  # raises for an unknown word
                raise ValueError(f"template {self.name}: label {word!r} does not parse to {expected[key]}")
        return words


TEMPLATES: dict[str, JudgeTemplate] = {
    t.name: t
    for t in (
        JudgeTemplate("eval_py", "jasco/judge_eval_py.v1.j2", "Good"),
        JudgeTemplate("readme", "jasco/judge_readme.v1.j2", Orientation.BOTH.value),
    )
}
DEFAULT_TEMPLATE = "eval_py"

# template variable -> input CSV column (upstream eval.py's names on the left)
PROMPT_FIELDS = {
    "audio_sound": "audio_sound",
    "spoken_text": "spoken_text",
    "question": "prompt",
    "audio_only_target": "audio_only_target",
    "speech_only_target": "speech_only_target",
    "reference": "tgt_text",
    "keywords": "target_keywords",
    "prediction": "allm_output",
}


def get_template(name: str) -> JudgeTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown judge template {name!r}; known: {', '.join(sorted(TEMPLATES))}") from None


def system_message() -> str:
    return render(SYSTEM_FILE)


def judge_messages(template: JudgeTemplate, row: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """The system + user conversation upstream sends for one row (values used verbatim)."""
    variables = {name: str(row[column]) for name, column in PROMPT_FIELDS.items()}
    user = render(template.file, labels=template.labels(), **variables)
    return ({"role": "system", "content": system_message()}, {"role": "user", "content": user})


def repair_messages(template: JudgeTemplate, explanation: str) -> tuple[dict[str, str], ...]:
    """Upstream's post-processing conversation: guess the orientation from Explanation2."""
    user = render(REPAIR_FILE, labels=template.labels(), explanation=explanation)
    return ({"role": "system", "content": system_message()}, {"role": "user", "content": user})


def rating_repair_messages(answer: str, candidates: tuple[int, ...]) -> tuple[dict[str, str], ...]:
    """jasco's rating re-ask: which one of ``candidates`` the judge's ``answer`` finally gives."""
    user = render(RATING_REPAIR_FILE, answer=answer, candidates=[str(c) for c in candidates])
    return ({"role": "system", "content": system_message()}, {"role": "user", "content": user})


def template_hashes(template: JudgeTemplate) -> dict[str, str]:
    """sha256 of every prompt file a run with ``template`` may use (for manifests and keys)."""
    files = (template.file, SYSTEM_FILE, REPAIR_FILE, RATING_REPAIR_FILE)
    return {file: template_sha256(file) for file in files}
