"""The judge prompts render byte for byte like upstream's strings, for real dataset rows.

``tests/data/upstream_prompts/`` holds upstream's own prompt strings (eval.py's
``general_prompt`` and ``post_process_prompt``, and the README's prompt block), extracted once
from BenoitWang/What_Are_They_Doing at e728f83 and checked by hand (the files are upstream's
``str.format`` templates, not our rendering). The rows come from the dataset copy at test time,
so no dataset text is committed.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from jasco.core.prompting import render
from jasco.core.table import read_table
from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import parse_judgment
from jasco.tasks.jasco.templates import TEMPLATES, get_template, judge_messages, repair_messages

UPSTREAM = Path(__file__).parent / "data" / "upstream_prompts"


def upstream_format(name: str, row: dict[str, str]) -> str:
    template = (UPSTREAM / name).read_text(encoding="utf-8")
    return template.format(
        audio_sound=row["audio_sound"], spoken_text=row["spoken_text"], question=row["prompt"],
        reference=row["tgt_text"], audio_only_target=row["audio_only_target"],
        speech_only_target=row["speech_only_target"], prediction=row["allm_output"],
        keywords=row["target_keywords"],
    )


@pytest.fixture(scope="module")
def rows(upstream_dir: Path) -> list[dict[str, str]]:
    frame = read_table(upstream_dir / "evaluation" / "example.csv")
    return [frame.iloc[i].to_dict() for i in (0, 7, 333, 639)]


@pytest.mark.parametrize(("template", "upstream"), [("eval_py", "eval_py_general_prompt.txt"),
                                                    ("readme", "readme_prompt.txt")])
def test_rendered_prompt_equals_upstream_format(rows: list[dict[str, str]], template: str, upstream: str) -> None:
    for row in rows:
        system, user = judge_messages(get_template(template), row)
        assert system == {"role": "system", "content": "You are an NLP assistant"}
        assert user["role"] == "user"
        assert user["content"] == upstream_format(upstream, row)


def test_repair_prompt_equals_upstream() -> None:
    explanation = "The predicted action relates to both {the audio} and the speech."
    expected = (UPSTREAM / "eval_py_post_process_prompt.txt").read_text("utf-8").format(explanation=explanation)
    assert repair_messages(get_template("eval_py"), explanation)[1]["content"] == expected


def test_the_two_wordings_differ_only_as_upstream_does(rows: list[dict[str, str]]) -> None:
    eval_py = judge_messages(get_template("eval_py"), rows[0])[1]["content"]
    readme = judge_messages(get_template("readme"), rows[0])[1]["content"]
    assert "Audio-Oriented/Speech-Oriented/Good/Neither" in eval_py
    assert "Audio-Oriented/Speech-Oriented/Both/Neither" in readme
    assert "Good" not in readme.split("[Task2]")[1]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_label_word_in_a_template_parses_to_the_enum(name: str) -> None:
    labels = get_template(name).labels()
    assert {Orientation.from_label(word) for word in labels.values()} == set(Orientation)
    for word in labels.values():
        judgment = parse_judgment(f"Rating: 1\nOrientation: {word}")
        assert judgment.status == "ok" and judgment.orientation is Orientation.from_label(word)


def test_a_missing_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError, match="spoken_text"):
        render(get_template("eval_py").file, audio_sound="x", labels=get_template("eval_py").labels())


def test_a_missing_column_names_it() -> None:
    with pytest.raises(KeyError, match="allm_output"):
        judge_messages(get_template("eval_py"), {"audio_sound": "a", "spoken_text": "b", "prompt": "c",
                                                 "audio_only_target": "d", "speech_only_target": "e",
                                                 "tgt_text": "f", "target_keywords": "g"})
