"""Exports of generated captions: the JSONL, the ms-swift training JSON, ALLD's per-pair files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jasco.tasks.alld.errors import ExportError, PlanError
from jasco.tasks.alld.exports import (
    Generated,
    alld_layout_files,
    generation_records,
    swift_records,
    write_jsonl,
    write_layout,
    write_swift,
)
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping
from jasco.tasks.alld.pairs import make_pair
from jasco.tasks.alld.plan import GenerationRequest, plan_generation, plan_summaries
from jasco.tasks.alld.prompts import allm_ab_query, allm_describe_query


def meta(name: str, mos: float) -> QualityMeta:
    return meta_from_mapping(name, {"mos": mos, "noi": 2.5, "col": 3, "dis": 4, "loud": 5}, source="test",
                             audio=f"/corpus/{name}")


GOOD, BAD = meta("good.wav", 4.5), meta("bad.wav", 1.5)
PAIR = make_pair(BAD, GOOD)  # SpeechA is the worse file: expected SpeechB
PLAN = plan_generation((GOOD, BAD), (PAIR,), seed=3)
SUMMARIES = plan_summaries((PAIR,), {PAIR.pair_id: "B is cleaner."}, seed=3).requests
RETRY = plan_summaries((PAIR,), {PAIR.pair_id: "B is cleaner."}, seed=3, attempt=2).requests
TEXTS = {
    "mos:good.wav": "Clean and loud. MOS 4.5", "mos_diverse:good.wav": "Very clean.\nMOS: 4.5",
    "mos:bad.wav": "Noisy. MOS 1.5", "mos_diverse:bad.wav": "Hissing noise. MOS 1.5",
    f"ab:{PAIR.pair_id}": "SpeechB is cleaner.\n", f"summary:{PAIR.pair_id}": "[SpeechB].",
    f"summary:{PAIR.pair_id}:retry": " [SpeechB]\n",
}


def results() -> dict[str, Generated]:
    return {key: Generated(key, text, model="judge-x", finish_reason="stop") for key, text in TEXTS.items()}


def all_records(answers: dict[str, Generated]) -> list[dict[str, object]]:
    return generation_records(PLAN + SUMMARIES + RETRY, answers, (GOOD, BAD), (PAIR,))


def test_records_cover_every_request_with_status_and_verdict() -> None:
    answers = results()
    answers["mos_diverse:bad.wav"] = Generated("mos_diverse:bad.wav", "   ", model="judge-x")
    answers["mos:bad.wav"] = Generated("mos:bad.wav", None, error="HTTP 500 after 3 tries")
    del answers["mos:good.wav"]
    records = all_records(answers)
    by_id = {record["request_id"]: record for record in records}
    assert len(records) == 7  # 4 descriptions, 1 comparison, 2 summaries
    assert [by_id[key]["status"] for key in ("mos:good.wav", "mos:bad.wav", "mos_diverse:bad.wav")] == [
        "missing", "error", "empty"]
    assert by_id["mos:bad.wav"]["reason"] == "HTTP 500 after 3 tries"
    assert by_id["mos_diverse:bad.wav"]["reason"] == "empty generation"
    assert by_id["mos_diverse:good.wav"]["audios"] == ["/corpus/good.wav"]
    assert by_id["mos_diverse:good.wav"]["meta"] == [GOOD.values()]
    ab = by_id[f"ab:{PAIR.pair_id}"]
    assert (ab["files"], ab["expected"]) == (["bad.wav", "good.wav"], "SpeechB")
    assert ab["audios"] == ["/corpus/bad.wav", "/corpus/good.wav"]
    first, second = by_id[f"summary:{PAIR.pair_id}"], by_id[f"summary:{PAIR.pair_id}:retry"]
    assert (first["verdict"], first["verdict_status"], first["correct"]) == (None, "unparsed", None)
    assert first["verdict_reason"] == "extra text around [SpeechB]"
    assert (second["verdict"], second["correct"], second["attempt"]) == ("SpeechB", True, 2)
    assert (second["temperature"], second["top_p"], second["model"]) == (0.7, 1.0, "judge-x")


def test_a_summary_not_asked_for_an_empty_comparison_is_an_explicit_row() -> None:
    answers = {key: value for key, value in results().items() if not key.startswith("summary:")}
    answers[f"ab:{PAIR.pair_id}"] = Generated(f"ab:{PAIR.pair_id}", "")
    plan = plan_summaries((PAIR,), {PAIR.pair_id: answers[f"ab:{PAIR.pair_id}"].text or ""}, seed=3)
    assert plan.requests == () and plan.skipped == {PAIR.pair_id: "empty comparison"}
    records = generation_records(PLAN, answers, (GOOD, BAD), (PAIR,), skipped_summaries=plan.skipped)
    last = records[-1]
    assert (last["request_id"], last["status"], last["reason"], last["verdict"]) == (
        f"summary:{PAIR.pair_id}", "skipped", "empty comparison", None)
    assert records[-2]["status"] == "empty"
    with pytest.raises(PlanError, match="skipped summary for unknown pair pair-x"):
        generation_records(PLAN, answers, (GOOD, BAD), (PAIR,), skipped_summaries={"pair-x": "empty comparison"})


def test_results_for_unplanned_requests_are_refused() -> None:
    with pytest.raises(PlanError, match=r"not planned: mos:other\.wav"):
        all_records({**results(), "mos:other.wav": Generated("mos:other.wav", "x")})


def test_swift_export_in_the_standard_messages_format(tmp_path: Path) -> None:
    answers = results()
    answers["mos_diverse:bad.wav"] = Generated("mos_diverse:bad.wav", "")
    export = swift_records(all_records(answers))
    assert export.skipped == {"mos_diverse:bad.wav": "empty: empty generation"}
    assert len(export.records) == 4  # 3 descriptions + 1 comparison; summaries are not training targets
    assert export.records[0] == {
        "messages": [{"role": "user", "content": "<audio>" + allm_describe_query()},
                     {"role": "assistant", "content": "Clean and loud. MOS 4.5"}],
        "audios": ["/corpus/good.wav"]}
    assert export.records[-1] == {
        "messages": [{"role": "user", "content": "<audio><audio>" + allm_ab_query()},
                     {"role": "assistant", "content": "SpeechB is cleaner.\n"}],
        "audios": ["/corpus/bad.wav", "/corpus/good.wav"]}
    write_swift(tmp_path / "train.json", export.records)
    assert json.loads((tmp_path / "train.json").read_text("utf-8")) == export.records
    write_swift(tmp_path / "train.jsonl", export.records)
    lines = (tmp_path / "train.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == export.records
    with pytest.raises(ExportError, match=r"must end in \.json or \.jsonl"):
        write_swift(tmp_path / "train.txt", export.records)


def test_swift_export_in_the_query_response_format_of_ms_swift_2() -> None:
    export = swift_records(all_records(results()), swift_format="query-response")
    assert export.records[0] == {"query": "<audio>" + allm_describe_query(), "response": "Clean and loud. MOS 4.5",
                                 "audios": ["/corpus/good.wav"]}
    assert all(record["query"].count("<audio>") == len(record["audios"]) for record in export.records)
    with pytest.raises(ExportError, match="unknown ms-swift format 'sharegpt'; known: messages, query-response"):
        swift_records([], swift_format="sharegpt")


def test_alld_layout_matches_their_file_set_and_contents(tmp_path: Path) -> None:
    files = alld_layout_files(PAIR, all_records(results()))
    assert sorted(files) == sorted([
        "audio1_metrics.json", "audio2_metrics.json", "audio1_mos.txt", "audio1_mos_diverse.txt",
        "audio2_mos.txt", "audio2_mos_diverse.txt", "ab_test.txt", "ab_test_summary.txt"])
    assert files["audio1_metrics.json"] == json.dumps(BAD.values(), indent=2)
    assert (files["audio1_mos.txt"], files["audio2_mos_diverse.txt"]) == ("Noisy. MOS 1.5", "Very clean.\nMOS: 4.5")
    assert files["ab_test.txt"] == "SpeechB is cleaner.\n"
    assert files["ab_test_summary.txt"] == "[SpeechB]"  # the re-asked summary, stripped as ALLD does
    written = write_layout(tmp_path / "pair", files)
    assert [path.name for path in written] == sorted(files)
    assert (tmp_path / "pair" / "audio2_mos.txt").read_bytes() == b"Clean and loud. MOS 4.5"
    assert sorted(alld_layout_files(PAIR, all_records(results()), include_ab=False)) == sorted(
        name for name in files if not name.startswith("ab_"))


def test_alld_layout_refuses_a_missing_or_empty_generation() -> None:
    answers = results()
    answers["mos_diverse:good.wav"] = Generated("mos_diverse:good.wav", "")
    with pytest.raises(ExportError, match=r"generation mos_diverse:good.wav is empty \(empty generation\)"):
        alld_layout_files(PAIR, all_records(answers))
    with pytest.raises(ExportError, match=f"no generation ab:{PAIR.pair_id}"):
        alld_layout_files(PAIR, generation_records(PLAN[:4], results_for(PLAN[:4]), (GOOD, BAD), (PAIR,)))


def results_for(requests: tuple[GenerationRequest, ...]) -> dict[str, Generated]:
    keep = {request.request_id for request in requests}
    return {key: value for key, value in results().items() if key in keep}


def test_jsonl_of_everything(tmp_path: Path) -> None:
    records = all_records(results())
    write_jsonl(tmp_path / "captions.jsonl", records)
    lines = (tmp_path / "captions.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records
