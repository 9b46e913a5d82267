"""ALLD's caption prompts render byte for byte like ALLD's own code builds them.

``tests/data/alld_published_prompts.json`` holds ALLD's strings copied verbatim from
``caption_generator.py`` (repository, path and commit inside the file): the preamble + MOS
instruction, the preamble + A/B instruction, the framing lines as ``str.format`` templates and
the summary prompt. The expected prompts here are assembled the way their code does (string
concatenation around ``json.dumps``), independently of our jinja2 files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jasco.tasks.alld.errors import PlanError
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping, meta_json
from jasco.tasks.alld.prompts import (
    MosExample,
    ab_prompt,
    allm_ab_query,
    allm_describe_query,
    mos_prompt,
    pass_settings,
    prompt_hashes,
    summary_prompt,
)

PUBLISHED = json.loads((Path(__file__).parent / "data" / "alld_published_prompts.json").read_text("utf-8"))


def meta(file_id: str, mos: float, noi: float, col: float, dis: float, loud: float) -> QualityMeta:
    return meta_from_mapping(file_id, {"mos": mos, "noi": noi, "col": col, "dis": dis, "loud": loud}, source="test")


A = meta("NISQA_TEST_FOR/deg/a.wav", 4.346153846, 4.2, 3.961538462, 4.5, 3.7)
B = meta("NISQA_TEST_FOR/deg/b.wav", 1.5, 1.0, 2.25, 3.0, 5.0)


def their_mos_prompt(metadata: dict[str, float], example: tuple[dict[str, float], str] | None = None) -> str:
    prompt = PUBLISHED["mos_prompt"]
    if example:
        prompt += PUBLISHED["mos_example_line"].format(example_json=json.dumps(example[0]), example_response=example[1])
    return prompt + PUBLISHED["mos_input_line"].format(meta_json=json.dumps(metadata))


def their_ab_prompt(metadata_a: dict[str, float], metadata_b: dict[str, float]) -> str:
    return (PUBLISHED["ab_prompt"] + PUBLISHED["ab_speech_a_line"].format(meta_json_a=json.dumps(metadata_a))
            + PUBLISHED["ab_speech_b_line"].format(meta_json_b=json.dumps(metadata_b)) + PUBLISHED["ab_final_line"])


def test_the_published_strings_are_the_ones_the_issue_quotes() -> None:
    mos = PUBLISHED["mos_prompt"]
    assert mos.startswith("I will give you a tuple of meta information for speech quality evaluation, ")
    assert mos.endswith("analyze how they influence the overall quality, and add the mos in the end.")
    assert "(usually score difference more than 0.5)" in PUBLISHED["ab_prompt"]
    preamble = PUBLISHED["mos_prompt"].rsplit("\n", 1)[0]
    assert PUBLISHED["ab_prompt"].startswith(preamble + "\nI need you to perform A/B test according to their mos")
    assert PUBLISHED["summary_prompt"].endswith("do not give any analysis.\nContext:\n{llm_output}")


def test_mos_prompt_is_byte_identical() -> None:
    for item in (A, B):
        assert mos_prompt(item) == their_mos_prompt(item.values())
    assert mos_prompt(A).endswith('\nNow the input is {"mos": 4.346153846, "noi": 4.2, "col": 3.961538462, '
                                  '"dis": 4.5, "loud": 3.7}. Please only output the evaluation:')


def test_mos_prompt_with_their_worked_example() -> None:
    response = "The speech is clean and smooth. MOS: 4.3"
    rendered = mos_prompt(B, MosExample(A, response))
    assert rendered == their_mos_prompt(B.values(), (A.values(), response))
    assert "\nFor example, input is {\"mos\": 4.346153846" in rendered


def test_ab_prompt_is_byte_identical_and_keeps_the_order() -> None:
    assert ab_prompt(A, B) == their_ab_prompt(A.values(), B.values())
    assert ab_prompt(B, A) == their_ab_prompt(B.values(), A.values())
    assert ab_prompt(A, B).endswith(
        f"\nSpeechA: {meta_json(A)}\nSpeechB: {meta_json(B)}\n"
        "Please provide your comparison and determine which speech is better:")


@pytest.mark.parametrize("comparison", ["SpeechA is cleaner.\nI prefer SpeechA.", "", "  spaces {{ kept }} \n"])
def test_summary_prompt_is_byte_identical(comparison: str) -> None:
    assert summary_prompt(comparison) == PUBLISHED["summary_prompt"].format(llm_output=comparison)


def test_sampling_settings_per_pass_are_alld_s() -> None:
    settings = pass_settings()
    for name, expected in PUBLISHED["sampling"].items():
        assert (settings[name].temperature, settings[name].top_p) == (expected["temperature"], expected["top_p"])
    assert settings["mos"].template == settings["mos_diverse"].template == "alld/mos.v1.j2"
    assert settings["summary"].sampling() == {"temperature": 0.7, "top_p": 1.0, "max_tokens": 32}


def test_a_malformed_sampling_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "alld").mkdir()
    (tmp_path / "alld" / "bad.v1.json").write_text(json.dumps({"passes": {"mos": {}}}))
    monkeypatch.setattr("jasco.core.prompting.prompts_dir", lambda: tmp_path)
    with pytest.raises(PlanError, match=r"bad\.v1\.json.*mos, mos_diverse, ab, summary"):
        pass_settings("alld/bad.v1.json")


def test_allm_queries_and_hashes() -> None:
    assert allm_describe_query().endswith("written as 'MOS: <score>'.")
    assert allm_ab_query().endswith("End your answer with exactly '[SpeechA]' or '[SpeechB]'.")
    hashes = prompt_hashes()
    assert set(hashes) == {"alld/sampling.v1.json", "alld/mos.v1.j2", "alld/ab.v1.j2", "alld/summary.v1.j2",
                           "alld/allm_describe.v1.j2", "alld/allm_ab.v1.j2"}
    assert all(len(value) == 64 for value in hashes.values())
