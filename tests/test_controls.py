"""Control answers: the four control adapters against the dataset's own columns, for all 640 items."""

from __future__ import annotations

import csv
from pathlib import Path

import jinja2
import numpy as np
import pytest

from jasco.core.prompting import render, template_sha256
from jasco.models.base import MODELS as ADAPTERS
from jasco.models.catalog import MODELS as CATALOG
from jasco.tasks.jasco.controls import CONTROL_NAMES, DESCRIBE_TEMPLATE, ControlError, control_answer, control_table
from jasco.tasks.jasco.samples import load_items
from jasco.tasks.jasco.table import items_to_frame
from tests.model_helpers import jasco_request, pairs


@pytest.fixture(scope="module")
def items(upstream_dir: Path):
    return items_to_frame(load_items(upstream_dir))


@pytest.fixture(scope="module")
def clips_csv(upstream_dir: Path) -> dict[str, dict[str, str]]:
    """v0.csv read independently of jasco.data, keyed by audio_id."""
    with open(upstream_dir / "dataset" / "v0" / "v0.csv", encoding="utf-8", newline="") as handle:
        return {row["audio_id"]: row for row in csv.DictReader(handle)}


def expected_text(control: str, clip: dict[str, str]) -> str:
    return {
        "reference": clip["Correct Answer"].strip(),
        "audio-only": clip["Audio-Only Answer"].strip(),
        "speech-only": clip["Speech-Only Answer"].strip(),
        "describe-only": f'The audio clip contains the sound of {clip["Audio"].strip()}. '
                         f'The speaker says "{clip["Speech"].strip()}"',
    }[control]


def test_four_controls_are_registered() -> None:
    assert CATALOG is ADAPTERS
    for name in ("reference", "audio-only", "speech-only", "describe-only"):
        assert name in ADAPTERS
        assert ADAPTERS.load(name)().name == name
    assert set(CONTROL_NAMES) == {"reference", "audio-only", "speech-only", "describe-only"}


@pytest.mark.parametrize("control", CONTROL_NAMES)
def test_control_table_matches_the_dataset_for_all_640_items(items, clips_csv, control: str) -> None:
    table = control_table(items, control)
    assert len(table) == 640 and set(table["model"]) == {control}
    assert table[list(items.columns.drop("allm_output"))].equals(items[list(items.columns.drop("allm_output"))])
    for row in table.itertuples():
        assert row.allm_output == expected_text(control, clips_csv[row.id]), (control, row.id)
    assert items["allm_output"].eq("").all()  # the input table is not modified


@pytest.mark.parametrize("control", CONTROL_NAMES)
def test_adapter_protocol_gives_the_same_texts(items, control: str) -> None:
    adapter = ADAPTERS.load(control)()
    rows = [{k: str(v) for k, v in r.items()} for r in items.to_dict("records")]
    requests = [
        jasco_request(i, f"{r['id']}-v{i % 8 + 1}", r["prompt"], np.zeros(1, dtype=np.float32), 16000,
                      Path(r["audio"]), row=r)
        for i, r in enumerate(rows)
    ]
    got = pairs(adapter, requests)
    adapter.close()
    assert sorted(got) == list(range(640))
    assert [got[i] for i in range(640)] == [(text, None) for text in control_table(items, control)["allm_output"]]
    info = adapter.describe()
    assert info["adapter"] == control and info["model"] == control
    assert ("template_sha256" in info) == (control == "describe-only")


def test_describe_only_records_its_template_hash() -> None:
    info = ADAPTERS.load("describe-only")().describe()
    assert info["template"] == DESCRIBE_TEMPLATE
    assert info["template_sha256"] == template_sha256(DESCRIBE_TEMPLATE)
    assert info["revision"] == f"{DESCRIBE_TEMPLATE}@{info['template_sha256']}"  # part of infer store keys
    assert ADAPTERS.load("reference")().describe()["revision"] == "column tgt_text"


def test_describe_only_template_is_strict() -> None:
    with pytest.raises(jinja2.UndefinedError, match="spoken_text"):
        render(DESCRIBE_TEMPLATE, audio_sound="Crowd")
    text = render(DESCRIBE_TEMPLATE, audio_sound="Crowd", spoken_text="Go!").strip()
    assert text == 'The audio clip contains the sound of Crowd. The speaker says "Go!"'


def test_a_bad_row_is_an_error_naming_the_item() -> None:
    with pytest.raises(ControlError, match=r"id=7 .*'tgt_text' is empty"):
        control_answer("reference", {"id": "7", "prompt": "p", "tgt_text": "  "})
    with pytest.raises(ControlError, match=r"no 'spoken_text' column"):
        control_answer("describe-only", {"id": "7", "audio_sound": "Rain"})
    with pytest.raises(ValueError, match="unknown control"):
        control_answer("oracle", {})
    adapter = ADAPTERS.load("audio-only")()
    request = jasco_request(3, "9-v2", "q", np.zeros(1, dtype=np.float32), 16000, Path("9.wav"), row={"id": "9"})
    got = [(i, t, e) for i, (t, e) in pairs(adapter, [request]).items()]
    assert got[0][:2] == (3, None) and "9-v2" in str(got[0][2]) and "audio_only_target" in str(got[0][2])


def test_controls_take_no_options() -> None:
    with pytest.raises(ValueError, match="takes no options"):
        ADAPTERS.load("reference")(temperature=0.5)
    assert ADAPTERS.load("reference")(backend=None).name == "reference"
