"""Nothing stale is ever served (issue 9 section 2): for every store-key and stage-stamp component,
a change invalidates and no change costs zero model calls.

Store keys are a deny-list: every model option is in the key except the few that cannot change a
result (``jasco.stages.result_options``). Before, keys used an allow-list, so dtype, batch size,
device, context length, system prompt, worker arguments, an HTTP model's base URL and the item
text a control answer is made from all leaked (a changed setting returned the old answer). Stage
stamps of ``jasco run`` (in ``tests/test_run_stamps.py``) cover the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.decoding import Decoding, GenerationSettings, judge_decoding
from jasco.stages.infer import run_infer
from jasco.stages.judge.run import run_judge
from tests.counting_models import registered
from tests.judge_helpers import answers_frame

REPO = Path(__file__).resolve().parents[1]
BASE = {"dtype": "bfloat16", "batch_size": 4, "device": "cpu", "max_model_len": 4096, "system_prompt": "Be brief.",
        "worker_args": ["--num-beams", "4"], "base_url": "http://gpu-a:8000/v1", "served_model": "m"}
CHANGED = {"dtype": "float16", "batch_size": 8, "device": "cuda:1", "max_model_len": 8192,
           "system_prompt": "Be thorough.", "worker_args": ["--num-beams", "1"], "base_url": "http://gpu-b:8000/v1",
           "served_model": "m2"}
NON_RESULT = {"concurrency": 64, "timeout_s": 5.0, "max_retries": 0, "backoff_initial_s": 0.1, "backoff_max_s": 1.0,
              "api_key": "secret", "startup_timeout_s": 9.0, "max_restarts": 7, "progress": False}
N = 8


@pytest.fixture()
def calls() -> Iterator[dict[str, int]]:
    with registered() as counter:
        yield counter


@pytest.fixture()
def items(tmp_path: Path, upstream_dir: Path) -> Path:
    write_table(answers_frame(upstream_dir, N), tmp_path / "items.csv")
    return tmp_path / "items.csv"


def infer(tmp_path: Path, upstream_dir: Path, items: Path, options: dict[str, Any],
          settings: GenerationSettings | None = None, model: str = "counting") -> Any:
    return run_infer(tmp_path / "answers.csv", model=model, items_csv=items, data_dir=upstream_dir, options=options,
                     settings=settings, progress=False)


@pytest.mark.parametrize("option", sorted(CHANGED))
def test_infer_a_changed_option_is_asked_again(tmp_path: Path, upstream_dir: Path, items: Path,
                                               calls: dict[str, int], option: str) -> None:
    infer(tmp_path, upstream_dir, items, BASE)
    assert calls["counting"] == N
    infer(tmp_path, upstream_dir, items, BASE)
    assert calls["counting"] == N  # no change: no call
    infer(tmp_path, upstream_dir, items, {**BASE, option: CHANGED[option]})
    assert calls["counting"] == 2 * N


@pytest.mark.parametrize("option", sorted(NON_RESULT))
def test_infer_options_that_cannot_change_a_result_cost_no_call(tmp_path: Path, upstream_dir: Path, items: Path,
                                                                calls: dict[str, int], option: str) -> None:
    infer(tmp_path, upstream_dir, items, BASE)
    summary = infer(tmp_path, upstream_dir, items, {**BASE, option: NON_RESULT[option]})
    assert calls["counting"] == N and summary.n_from_store == N


@pytest.mark.parametrize("settings", [GenerationSettings(max_new_tokens=99), GenerationSettings(seed=5),
                                      GenerationSettings(temperature=0.7), GenerationSettings(top_p=0.9)])
def test_infer_decoding_is_in_the_key(tmp_path: Path, upstream_dir: Path, items: Path, calls: dict[str, int],
                                      settings: GenerationSettings) -> None:
    infer(tmp_path, upstream_dir, items, BASE)
    infer(tmp_path, upstream_dir, items, BASE, settings)
    assert calls["counting"] == 2 * N


def test_a_control_answer_follows_the_item_text(tmp_path: Path, upstream_dir: Path, items: Path) -> None:
    """Before: `--items` with an edited tgt_text returned the old reference answer."""
    first = infer(tmp_path, upstream_dir, items, {}, model="reference")
    assert first.n_generated_now == N
    frame = read_table(items, required=())
    frame.loc[2, "tgt_text"] = "They are rehearsing a play."
    write_table(frame, items)
    again = infer(tmp_path, upstream_dir, items, {}, model="reference")
    assert (again.n_generated_now, again.n_from_store) == (1, N - 1)
    assert read_table(tmp_path / "answers.csv", required=()).loc[2, "allm_output"] == "They are rehearsing a play."
    same = infer(tmp_path, upstream_dir, items, {}, model="reference")
    assert same.n_generated_now == 0


# -- judge keys ----------------------------------------------------------------------------------

def judge(tmp_path: Path, items: Path, options: dict[str, Any], **kwargs: Any) -> Any:
    return run_judge(items, tmp_path / "judged.csv", judge="counting-judge", backend_options=options,
                     progress=False, **kwargs)


JUDGE_BASE = {key: BASE[key] for key in ("dtype", "batch_size", "device", "max_model_len", "served_model")}
JUDGE_BASE["base_urls"] = ["http://gpu-a:8000/v1"]
JUDGE_CHANGED = {**{key: CHANGED[key] for key in JUDGE_BASE if key in CHANGED},
                 "base_urls": ["http://gpu-a:8000/v1", "http://gpu-b:8000/v1"], "quantization": "fp8"}


@pytest.mark.parametrize("option", sorted(JUDGE_CHANGED))
def test_judge_a_changed_option_is_asked_again(tmp_path: Path, items: Path, calls: dict[str, int],
                                               option: str) -> None:
    judge(tmp_path, items, JUDGE_BASE)
    judge(tmp_path, items, JUDGE_BASE)
    assert calls["counting-judge"] == N
    judge(tmp_path, items, {**JUDGE_BASE, option: JUDGE_CHANGED[option]})
    assert calls["counting-judge"] == 2 * N


@pytest.mark.parametrize("option", ["concurrency", "timeout_s", "max_retries", "api_key", "progress"])
def test_judge_options_that_cannot_change_a_result_cost_no_call(tmp_path: Path, items: Path, calls: dict[str, int],
                                                                option: str) -> None:
    judge(tmp_path, items, JUDGE_BASE)
    assert judge(tmp_path, items, {**JUDGE_BASE, option: NON_RESULT[option]}).n_model_calls == 0


@pytest.mark.parametrize("change", [
    {"decoding": judge_decoding("upstream")}, {"decoding": Decoding(seed=1)}, {"decoding": Decoding(max_tokens=999)},
    {"decoding": Decoding(structured=True)}, {"template": "readme"},
], ids=["upstream", "seed", "max_tokens", "structured", "template"])
def test_judge_decoding_and_template_are_in_the_key(tmp_path: Path, items: Path, calls: dict[str, int],
                                                    change: dict[str, Any]) -> None:
    judge(tmp_path, items, JUDGE_BASE)
    judge(tmp_path, items, JUDGE_BASE, **change)
    assert calls["counting-judge"] == 2 * N


def test_an_edited_judge_prompt_file_is_asked_again(tmp_path: Path, items: Path, calls: dict[str, int],
                                                   prompts_copy: Path) -> None:
    judge(tmp_path, items, JUDGE_BASE)
    (prompts_copy / "other-task").mkdir()
    (prompts_copy / "other-task" / "unrelated.v1.j2").write_text("not a JASCO prompt")
    assert judge(tmp_path, items, JUDGE_BASE).n_model_calls == 0  # a file the judge never reads
    system = prompts_copy / "jasco" / "judge_system.v1.txt"
    system.write_text(system.read_text() + " ")  # one byte, no visible change
    judge(tmp_path, items, JUDGE_BASE)
    assert calls["counting-judge"] == 2 * N
