"""Speech-quality items: counts, stable ids and paraphrases, the question bank, double-ended items, audio limits."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import jinja2
import pandas as pd
import pytest

from jasco.tasks.speech_quality.bank import BankError, load_bank
from jasco.tasks.speech_quality.corpus import read_corpus
from jasco.tasks.speech_quality.items import (
    ROW_COLUMNS,
    AudioLengthError,
    apply_audio_limit,
    choose_paraphrase,
    expand,
    item_from_row,
    item_row,
)
from tests.speech_quality_corpus import build_corpus, read_rows, write_table

SQLLM = Path(__file__).resolve().parents[2] / "shared" / "quality" / "speechqualityllm"
FAMILIES = ("mos", "noi", "col", "dis", "loud", "categorical", "multi", "explanatory")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    return read_corpus(build_corpus(tmp_path_factory.mktemp("sq") / "corpus"))


def test_single_ended_items_one_per_file_and_family(corpus) -> None:
    expansion = expand(corpus)
    assert len(expansion.items) == len(corpus.files) * len(FAMILIES) == 10 * 8
    assert expansion.excluded == ()
    assert Counter(item.family for item in expansion.items) == dict.fromkeys(FAMILIES, 10)
    first = expansion.items[0]
    assert first.id == f"{first.db}/{first.file}#mos" and first.audios[0].role == "degraded"
    assert len({item.id for item in expansion.items}) == len(expansion.items)
    multi = next(item for item in expansion.items if item.family == "multi")
    assert multi.kind == "multi" and multi.quantities == ("mos", "noi", "col", "dis", "loud")
    assert dict(multi.labels)["loud"] == 4.0
    assert {item.kind for item in expansion.items} == {"numeric", "categorical", "multi", "explanatory"}


def test_double_ended_items_leave_livetalk_out_with_a_count(corpus) -> None:
    expansion = expand(corpus, ["mos", "multi"], with_reference=True)
    assert len(expansion.items) == (4 + 3) * 2
    assert expansion.excluded_counts() == {"no reference signal for a double-ended item": 3}
    assert {e.key.split("/")[0] for e in expansion.excluded} == {"NISQA_TEST_LIVETALK"}
    item = expansion.items[0]
    assert item.id.endswith("#mos#ref") and item.with_reference
    assert [a.role for a in item.audios] == ["degraded", "reference"]
    assert item.audios[1].path.startswith("NISQA_TEST_FOR/ref/") and item.audios[1].duration_s > 1
    assert item.question.startswith("You will hear two recordings: first the degraded speech, then its clean")


def test_ids_and_paraphrases_are_stable_and_independent_of_the_selection(corpus) -> None:
    everything = {item.id: item for item in expand(corpus, seed=3).items}
    again = {item.id: item for item in expand(corpus, seed=3).items}
    assert everything == again
    alone = expand(corpus.files[5:6], ["explanatory"], seed=3).items[0]
    assert alone == everything[alone.id]
    other_seed = {item.id: item.paraphrase for item in expand(corpus, seed=4).items}
    assert any(other_seed[i] != item.paraphrase for i, item in everything.items())
    used = Counter((item.family, item.paraphrase) for item in everything.values())
    assert len({p for f, p in used if f == "mos"}) > 1  # paraphrases do vary across files
    assert choose_paraphrase("x", 0, 5) == choose_paraphrase("x", 0, 5) and 0 <= choose_paraphrase("y", 1, 3) < 3


def test_a_family_without_its_human_rating_is_left_out_and_counted(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "c", {"NISQA_TEST_FOR": (2, True)})
    rows = read_rows(root)
    rows[0]["noi"] = ""
    write_table(root, rows)
    expansion = expand(read_corpus(root, ["NISQA_TEST_FOR"]), ["noi", "multi"])
    assert expansion.excluded_counts() == {"no human rating for noi": 1}
    multi = next(item for item in expansion.items if item.family == "multi" and item.file == rows[0]["file"])
    assert multi.label("noi") is None and multi.label("mos") is not None


def test_unknown_family_is_an_error_naming_the_known_ones(corpus) -> None:
    with pytest.raises(BankError, match="unknown question family 'overall'; known: mos, noi"):
        expand(corpus, ["overall"])


def test_items_round_trip_through_a_csv_row(corpus, tmp_path: Path) -> None:
    items = expand(corpus, with_reference=True).items
    path = tmp_path / "items.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ROW_COLUMNS)
        writer.writeheader()
        writer.writerows(item_row(item) for item in items)
    back = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
    assert tuple(item_from_row(row) for row in back) == items


def test_audio_limit_is_an_error_or_a_recorded_exclusion(corpus) -> None:
    items = expand(corpus, ["mos"], with_reference=True).items
    longest = max(a.duration_s for item in items for a in item.audios)
    shortest = min(max(a.duration_s for a in item.audios) for item in items)
    limit = (longest + shortest) / 2
    with pytest.raises(AudioLengthError, match=r"item .*#mos#ref: .* s, longer than the .* s qwen2-audio takes; "
                                               r"nothing is cropped"):
        apply_audio_limit(items, limit, "error", model="qwen2-audio")
    kept, excluded = apply_audio_limit(items, limit, "exclude")
    assert 0 < len(kept) < len(items) and len(kept) + len(excluded) == len(items)
    assert all(max(a.duration_s for a in item.audios) <= limit for item in kept)
    assert all("longer than" in e.reason for e in excluded)
    assert apply_audio_limit(items, None) == (items, ())
    with pytest.raises(ValueError, match="unknown audio-length policy 'crop'"):
        apply_audio_limit(items, 1.0, "crop")


def test_the_bank_has_several_paraphrases_per_default_family_and_renders_strictly() -> None:
    bank = load_bank()
    assert bank.default_families == FAMILIES
    for name in FAMILIES:
        family = bank.family(name)
        assert len(family.paraphrases) >= 3, name
        for paraphrase in family.paraphrases:
            single = bank.render(name, paraphrase.id, with_reference=False)
            double = bank.render(name, paraphrase.id, with_reference=True)
            assert single == paraphrase.single and double.endswith(paraphrase.double)
    with pytest.raises(BankError, match="no paraphrase 'nope'"):
        bank.render("mos", "nope", False)
    from jasco.core.prompting import render

    with pytest.raises(jinja2.UndefinedError):
        render("speech_quality/question.v1.j2", reference=False)  # StrictUndefined: no silent empty question


@pytest.mark.parametrize(("setting", "reference"), [("Reference", True), ("NoReference", False)])
def test_speechqualityllm_question_forms_are_in_the_bank_verbatim(setting: str, reference: bool) -> None:
    bank = load_bank()
    asked = {"mos_numeric": "mos", "multi_dim": "multi", "explanatory": "explanatory"}
    for task, family in asked.items():
        path = SQLLM / f"{setting}__predictions_{task}.csv"
        if not path.is_file():
            pytest.fail(f"{path} not found")
        theirs = set(pd.read_csv(path, dtype=str)["question"])
        ours = {getattr(p, "double" if reference else "single")
                for p in bank.family(family).paraphrases if p.id.startswith("sqllm")}
        assert theirs == ours, (setting, task)
