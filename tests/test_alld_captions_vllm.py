"""``jasco captions`` on a real in-process vLLM engine serving a tiny random-weight chat model.

Random weights write garbage, so every summary is unparsed and re-asked once: these tests check
the batched submission with each pass's own sampling and seed, the store (a rerun asks nothing),
seeded reproducibility (a fresh store gives the same texts) and the outputs, never content.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jasco.tasks.alld.meta import read_nisqa_csv
from jasco.tasks.alld.prompts import ab_prompt, mos_prompt, summary_prompt
from tests.alld_helpers import build_small_demo, invoke, read_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
ENGINE = ("--backend", "vllm", "--max-model-len", "2048", "--enforce-eager", "--dtype", "float32")


@pytest.fixture(scope="module")
def meta_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_demo(tmp_path_factory.mktemp("alld-demo")) / "NISQA_corpus_file.csv"


@pytest.fixture(scope="module")
def tiny_judge(meta_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Qwen2 chat model whose tokenizer was trained on ALLD's prompts (few tokens each)."""
    from jasco.testing.tiny_text import build_tiny_chat_model

    metas = read_nisqa_csv(meta_csv)
    corpus = [mos_prompt(metas[0]), ab_prompt(metas[0], metas[1]), summary_prompt("SpeechA is better.")]
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-captioner"), vocab_size=2000, corpus=corpus,
                                 tie_word_embeddings=False)


def captions(meta_csv: Path, judge: Path, out: Path, *extra: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    result = invoke("captions", "--meta", meta_csv, "--judge", judge, *ENGINE, "--max-tokens", "8", "--pairs", "2",
                    "--seed", "5", "--no-progress", "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return read_jsonl(out / "captions.jsonl"), json.loads((out / "captions.jsonl.manifest.json").read_text())


def test_captions_on_vllm_store_rerun_and_seeded_reproduction(meta_csv: Path, tiny_judge: Path,
                                                               tmp_path: Path) -> None:
    records, manifest = captions(meta_csv, tiny_judge, tmp_path / "out")
    by_id = {record["request_id"]: record for record in records}
    assert all(record["status"] in ("ok", "empty") for record in records)
    assert all(record["finish_reason"] in ("stop", "length") for record in records)
    first = [r for r in records if r["pass"] == "summary" and r["attempt"] == 1]
    retries = [r for r in records if r["pass"] == "summary" and r["attempt"] == 2]
    assert len(first) == 2 and len(retries) == 2  # garbage is never exactly [SpeechA] or [SpeechB]
    assert manifest["counts"]["summaries_reasked"] == 2 and manifest["counts"]["summaries_unparsed"] == 2
    assert manifest["counts"]["generated_now"] == len(records) == 6 * 2 + 2 + 4
    assert manifest["backend"]["backend"] == "vllm" and manifest["judge"]["model"] == str(tiny_judge)
    # each request was answered with its own sampling: the two description passes of a file differ
    files = [meta.file_id for meta in read_nisqa_csv(meta_csv)]
    assert any(by_id[f"mos:{f}"]["text"] != by_id[f"mos_diverse:{f}"]["text"] for f in files)

    again, rerun = captions(meta_csv, tiny_judge, tmp_path / "out")
    assert (rerun["counts"]["generated_now"], rerun["counts"]["model_calls"]) == (0, 0)
    assert again == records

    fresh, _ = captions(meta_csv, tiny_judge, tmp_path / "fresh")  # a new store: the engine samples again
    assert [r["text"] for r in fresh] == [r["text"] for r in records]
