"""What a model returns is checked, in every backend, for infer and judge (issue 9 section 4).

An answer whose content is null or empty, or that stopped at the token limit (finish reason
``length``), is a row error (``empty content``, ``truncated at max_tokens``): never stored as a
success, retried by the next run, counted in the stage summary. Before, the openai backend stored
``content: null`` as a successful empty answer and no backend's finish reason was read. The HTTP
server and the worker are scripted (markers in the prompt choose the reply); transformers and
vLLM run tiny random-weight models with a 2-token limit, which random weights always reach.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from jasco.core.table import read_table, write_table
from jasco.stages.decoding import Decoding, GenerationSettings
from jasco.stages.infer import run_infer
from jasco.stages.judge.run import run_judge
from tests.fake_openai import scripted_server
from tests.judge_helpers import answers_frame, store_keys

REPO = Path(__file__).resolve().parents[1]
VERDICT = "Explanation1: ok\nRating: 2\nExplanation2: ok\nOrientation: Good"
REPLIES = {"NULLCONTENT": (None, "stop"), "EMPTYCONTENT": ("", "stop"), "LENGTHCUT": ("They are prob", "length")}
MARKED = {0: "NULLCONTENT", 1: "EMPTYCONTENT", 2: "LENGTHCUT"}  # row -> marker
EXPECTED = {0: "empty content", 1: "empty content", 2: "truncated at max_tokens"}


def reply(text: str) -> tuple[str | None, str]:
    for marker, answer in REPLIES.items():
        if marker in text:
            return answer
    return (VERDICT if "[Model Prediction]" in text else "They are building a sandcastle."), "stop"


@pytest.fixture()
def marked_items(tmp_path: Path, upstream_dir: Path) -> Path:
    """Six items of clip 1 whose instructions carry the markers of rows 0-2."""
    frame = answers_frame(upstream_dir, 6).drop(columns=["allm_output"])
    for row, marker in MARKED.items():
        frame.loc[row, "prompt"] = f"{frame.loc[row, 'prompt']} {marker}"
    frame["allm_output"] = ""
    write_table(frame, tmp_path / "items.csv")
    return tmp_path / "items.csv"


@pytest.fixture()
def marked_answers(tmp_path: Path, upstream_dir: Path) -> Path:
    frame = answers_frame(upstream_dir, 6)
    for row, marker in MARKED.items():
        frame.loc[row, "allm_output"] = f"They are doing something. {marker}"
    write_table(frame, tmp_path / "marked_answers.csv")
    return tmp_path / "marked_answers.csv"


def check_infer(out: Path, summary: Any, n_rows: int = 6) -> None:
    table = read_table(out, required=())
    assert (summary.n_errors, summary.n_empty, summary.n_truncated) == (3, 2, 1)
    assert {row: table.loc[row, "infer_error"] for row in EXPECTED} == EXPECTED
    assert all(table.loc[row, "allm_output"] == "" for row in EXPECTED)
    assert set(table.loc[3:, "infer_error"]) == {""}
    assert len(store_keys(out.with_name(out.name + ".store.jsonl"))) == n_rows - 3  # errors are never stored


def check_judge(out: Path, summary: Any, n_rows: int = 6) -> None:
    table = read_table(out, required=())
    assert (summary.n_errors, summary.n_empty, summary.n_truncated) == (3, 2, 1)
    for row, problem in EXPECTED.items():
        assert table.loc[row, "parse_status"] == f"unscored: judge error: {problem}"
    assert set(table.loc[3:, "parse_status"]) == {"ok"}
    assert len(store_keys(out.with_name(out.name + ".store.jsonl"))) == n_rows - 3


def test_openai_infer_null_empty_and_length_are_row_errors_retried_by_a_rerun(
    tmp_path: Path, upstream_dir: Path, marked_items: Path
) -> None:
    with scripted_server(reply) as server:
        options = {"model_id": "m", "base_url": server.url}
        out = tmp_path / "answers.csv"
        summary = run_infer(out, model="openai", items_csv=marked_items, data_dir=upstream_dir, options=options,
                            progress=False)
        check_infer(out, summary)
        assert server.calls == 6
        again = run_infer(out, model="openai", items_csv=marked_items, data_dir=upstream_dir, options=options,
                          progress=False)
        assert (again.n_from_store, again.n_errors) == (3, 3) and server.calls == 9  # only the 3 failed rows
        manifest = json.loads(again.manifest_path.read_text())
        assert manifest["counts"]["empty"] == 2 and manifest["counts"]["truncated"] == 1
        # an empty answer an older jasco stored as a success is asked again, not served
        store = out.with_name(out.name + ".store.jsonl")
        record = json.loads(store.read_text().splitlines()[0])
        with open(store, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": record["key"], "value": {**record["value"], "text": ""}}) + "\n")
        third = run_infer(out, model="openai", items_csv=marked_items, data_dir=upstream_dir, options=options,
                          progress=False)
        assert third.n_from_store == 2 and server.calls == 13


def test_openai_judge_null_empty_and_length_are_row_errors(tmp_path: Path, marked_answers: Path) -> None:
    with scripted_server(reply) as server:
        out = tmp_path / "judged.csv"
        options = {"base_urls": [server.url]}
        summary = run_judge(marked_answers, out, judge="m", backend="openai", backend_options=options, progress=False)
        check_judge(out, summary)
        again = run_judge(marked_answers, out, judge="m", backend="openai", backend_options=options, progress=False)
        assert (again.n_from_store, again.n_errors) == (3, 3) and server.calls == 9



def test_accept_truncated_keeps_length_cut_answers_and_verdicts_through_the_cli(
    tmp_path: Path, upstream_dir: Path, marked_items: Path, marked_answers: Path
) -> None:
    """``--accept-truncated`` keeps an answer cut at the limit (counted in the manifest); empty
    answers stay errors; a rerun with the flag serves the kept answer from the store."""
    from click.testing import CliRunner

    from jasco.cli import cli

    with scripted_server(reply) as server:
        out = tmp_path / "answers.csv"
        args = ["infer", "--model", "openai", "--model-id", "m", "--base-url", server.url, "--items",
                str(marked_items), "--data-dir", str(upstream_dir), "--out", str(out), "--no-progress"]
        kept = CliRunner().invoke(cli, [*args, "--accept-truncated"])
        assert kept.exit_code == 3, kept.output  # the two empty answers still fail their rows
        table = read_table(out, required=())
        assert table.loc[2, "allm_output"] == "They are prob" and table.loc[2, "infer_error"] == ""
        assert list(table.loc[:1, "infer_error"]) == ["empty content", "empty content"]
        manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
        assert manifest["accept_truncated"] is True and manifest["counts"]["truncated_kept"] == 1
        calls = server.calls
        strict = CliRunner().invoke(cli, args)  # without the flag the stored cut answer is not served
        assert strict.exit_code == 3 and server.calls == calls + 3
        assert read_table(out, required=()).loc[2, "infer_error"] == "truncated at max_tokens"

        judged = tmp_path / "judged.csv"
        result = CliRunner().invoke(cli, ["judge", "--judge", "m", "--backend", "openai", "--base-url", server.url,
                                          "--accept-truncated", "--no-progress", str(marked_answers), str(judged)])
        assert result.exit_code == 3, result.output
        table = read_table(judged, required=())
        status = table.loc[2, "parse_status"]
        assert status.startswith("unscored: ") and "judge error" not in status  # judged, the cut verdict unparsed
        assert table.loc[2, "judge_output"] == "They are prob"


WORKER = textwrap.dedent('''
    import sys
    sys.path.insert(0, {workers!r})
    from _protocol import serve, stdout_to_stderr

    REPLIES = {replies!r}

    def answer(request):
        for marker, (text, finish) in REPLIES.items():
            if marker in request["instruction"]:
                return (text or "", finish)
        return ({verdict!r} if "[Model Prediction]" in request["instruction"] else "They are surfing.", "stop")

    serve(stdout_to_stderr(), model="scripted", revision="1", answer=answer)
''')


@pytest.fixture()
def scripted_worker(tmp_path: Path) -> dict[str, Any]:
    script = tmp_path / "scripted_worker.py"
    script.write_text(WORKER.format(workers=str(REPO / "workers"), replies=REPLIES, verdict=VERDICT))
    return {"worker_script": str(script), "worker_python": sys.executable, "startup_timeout_s": 60}


def test_worker_infer_and_judge_empty_and_length_are_row_errors(
    tmp_path: Path, upstream_dir: Path, marked_items: Path, marked_answers: Path, scripted_worker: dict[str, Any]
) -> None:
    out = tmp_path / "answers.csv"
    summary = run_infer(out, model="worker", items_csv=marked_items, data_dir=upstream_dir, options=scripted_worker,
                        progress=False)
    check_infer(out, summary)
    judged = tmp_path / "judged.csv"
    check_judge(judged, run_judge(marked_answers, judged, judge="worker", backend="worker",
                                  backend_options=scripted_worker, progress=False))


# -- real tiny models: transformers and in-process vLLM ---------------------------------------------

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


@pytest.fixture(scope="module")
def tiny_audio_model(tiny_qwen2_audio: Path) -> Path:
    return tiny_qwen2_audio


@pytest.fixture(scope="module")
def tiny_text_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jasco.testing.tiny_text import build_tiny_chat_model

    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-judge"), tie_word_embeddings=False,
                                 max_position_embeddings=8192)


def check_truncated(summary: Any, problems: list[str], store: Path, n_rows: int) -> None:
    """Random weights never stop within 2 tokens: every row is truncated, none stored."""
    assert summary.n_truncated == summary.n_errors == n_rows, problems
    assert set(problems) == {"truncated at max_tokens"}
    assert not store.exists() or store_keys(store) == []


BACKENDS = [
    pytest.param("transformers", {}, id="transformers", marks=pytest.mark.slow),
    pytest.param("vllm", {"enforce_eager": True, "max_model_len": 2048, "dtype": "float32"}, id="vllm",
                 marks=[pytest.mark.slow, pytest.mark.vllm]),
]


@pytest.mark.parametrize(("backend", "extra"), BACKENDS)
def test_a_length_finish_is_a_row_error_for_infer(tmp_path: Path, upstream_dir: Path, tiny_audio_model: Path,
                                                 marked_items: Path, backend: str, extra: dict[str, Any]) -> None:
    out = tmp_path / "answers.csv"
    summary = run_infer(out, model="qwen2-audio", items_csv=marked_items, data_dir=upstream_dir,
                        options={"backend": backend, "model_id": str(tiny_audio_model), **extra},
                        settings=GenerationSettings(max_new_tokens=2), progress=False)
    problems = list(read_table(out, required=())["infer_error"])
    check_truncated(summary, problems, out.with_name(out.name + ".store.jsonl"), 6)


@pytest.mark.parametrize(("backend", "extra"), BACKENDS)
def test_a_length_finish_is_a_row_error_for_judge(tmp_path: Path, tiny_text_model: Path, marked_answers: Path,
                                                 backend: str, extra: dict[str, Any]) -> None:
    out = tmp_path / "judged.csv"
    name = "hf" if backend == "transformers" else backend
    options = {**extra, "max_model_len": 8192} if backend == "vllm" else extra  # byte-level tokens: long prompts
    summary = run_judge(marked_answers, out, judge=str(tiny_text_model), backend=name, backend_options=options,
                        decoding=Decoding(max_tokens=2), progress=False, repair=False)
    statuses = [s.removeprefix("unscored: judge error: ") for s in read_table(out, required=())["parse_status"]]
    check_truncated(summary, statuses, out.with_name(out.name + ".store.jsonl"), 6)
