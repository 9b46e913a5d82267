"""What the caption generation writes: a JSONL of everything, ms-swift training data, ALLD's files.

- ``generation_records``: one JSON-ready record per planned request (request, sampling, seed,
  template hash, the files and audio paths it is about, the text, its status). ``status`` is
  ``ok``, ``empty`` (blank text), ``error`` (the backend's error), ``missing`` (no result) or
  ``skipped`` (a summary not asked because the comparison was empty): nothing is left out. A
  summary record also carries its strict verdict, the expected answer and whether they agree.
- ``swift_records``: the training export ``swift sft`` reads for Qwen2-Audio. Format
  ``messages`` (ms-swift 3.x/4.x standard: ``{"messages": [user, assistant], "audios": [...]}``)
  or ``query-response`` (ms-swift 2.x, the version ALLD's ``train_*.sh`` scripts call:
  ``{"query", "response", "audios"}``). The user turn is ``<audio>`` per audio plus jasco's
  versioned ALLM instruction; the response is a ``mos`` / ``mos_diverse`` description or an
  ``ab`` comparison (SpeechA's audio first). Records that are not ``ok`` are skipped and
  returned with the reason. ``write_swift`` writes a JSON array (``.json``) or JSON lines
  (``.jsonl``). Sources: modelscope/ms-swift ``docs/source_en/Customization/Custom-dataset.md``
  ("Multimodal": ``<audio>`` tags in the user turn, paths in ``audios``) @ 3602360, and
  ``docs/source_en/Instruction/Customization.md`` (query/response; ``audios`` is read by
  ``Template._preprocess_media``) @ v2.4.2 (264b59f); the Qwen2-Audio template replaces each
  ``<audio>`` by ``Audio N: <|audio_bos|><|AUDIO|><|audio_eos|>``.
- ``alld_layout_files``: ALLD's per-pair output directory (``caption_generator.py``):
  ``audio{1,2}_metrics.json`` (``json.dump(..., indent=2)``), ``audio{1,2}_mos.txt``,
  ``audio{1,2}_mos_diverse.txt``, ``ab_test.txt`` and ``ab_test_summary.txt`` (the summary
  ``.strip()``ped), texts written as generated, no newline added.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.core.runinfo import write_text_atomic
from jasco.tasks.alld.errors import ExportError, PlanError
from jasco.tasks.alld.meta import QualityMeta, metrics_file_text
from jasco.tasks.alld.pairs import Pair
from jasco.tasks.alld.plan import GenerationRequest
from jasco.tasks.alld.prompts import allm_ab_query, allm_describe_query
from jasco.tasks.alld.verdict import parse_summary

OK, EMPTY, ERROR, MISSING, SKIPPED = "ok", "empty", "error", "missing", "skipped"
TRAINING_PASSES = ("mos", "mos_diverse", "ab")
AUDIO_TAG = "<audio>"


@dataclass(frozen=True)
class Generated:
    """A backend's answer to one request (``error`` set when the call failed)."""

    request_id: str
    text: str | None
    model: str = ""
    finish_reason: str | None = None
    error: str = ""


@dataclass(frozen=True)
class SwiftExport:
    records: list[dict[str, Any]]
    skipped: Mapping[str, str] = field(default_factory=dict)  # request id -> reason


def _status(result: Generated | None) -> tuple[str, str]:
    if result is None:
        return MISSING, "no result for this request"
    if result.error:
        return ERROR, result.error
    if not (result.text or "").strip():
        return EMPTY, "empty generation"
    return OK, ""


def generation_records(
    requests: Sequence[GenerationRequest], results: Mapping[str, Generated],
    metas: Sequence[QualityMeta], pairs: Sequence[Pair], skipped_summaries: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One record per request, in plan order (see the module doc for ``status``), then one
    ``skipped`` summary record per pair in ``skipped_summaries`` (``SummaryPlan.skipped``)."""
    files = {meta.file_id: meta for meta in metas}
    by_pair = {pair.pair_id: pair for pair in pairs}
    planned = {request.request_id for request in requests}
    stray = sorted(set(results) - planned)
    if stray:
        raise PlanError(f"results for request(s) that were not planned: {', '.join(stray[:5])}")
    records = []
    for request in requests:
        result = results.get(request.request_id)
        status, reason = _status(result)
        record = request.as_dict()
        record.update(model=result.model if result else "", text=result.text if result else None,
                      finish_reason=result.finish_reason if result else None, status=status, reason=reason)
        if request.subject in files:
            meta = files[request.subject]
            record.update(files=[meta.file_id], audios=[meta.audio], meta=[meta.values()])
        elif request.subject in by_pair:
            pair = by_pair[request.subject]
            record.update(files=[pair.a.file_id, pair.b.file_id], audios=[pair.a.audio, pair.b.audio],
                          meta=[pair.a.values(), pair.b.values()], expected=pair.expected)
        else:
            raise PlanError(f"request {request.request_id}: subject {request.subject} is neither a file nor a pair")
        if request.pass_name == "summary":
            verdict = parse_summary(result.text if status == OK and result else "")
            record.update(
                verdict=verdict.choice, verdict_status=verdict.status, verdict_reason=verdict.reason or reason,
                correct=None if verdict.choice is None else verdict.choice == record["expected"],
            )
        records.append(record)
    for pair_id, why in (skipped_summaries or {}).items():
        if pair_id not in by_pair:
            raise PlanError(f"skipped summary for unknown pair {pair_id}")
        pair = by_pair[pair_id]
        records.append({
            "request_id": f"summary:{pair_id}", "pass": "summary", "subject": pair_id, "status": SKIPPED,
            "reason": why, "text": None, "files": [pair.a.file_id, pair.b.file_id],
            "audios": [pair.a.audio, pair.b.audio], "expected": pair.expected,
            "verdict": None, "verdict_status": "unparsed", "verdict_reason": why, "correct": None,
        })
    return records


def write_jsonl(path: str | os.PathLike[str], records: Sequence[Mapping[str, Any]]) -> None:
    """All records as JSON lines, written atomically."""
    write_text_atomic(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))


def _messages_record(query: str, response: str, audios: list[str]) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": query}, {"role": "assistant", "content": response}],
            "audios": audios}


def _query_response_record(query: str, response: str, audios: list[str]) -> dict[str, Any]:
    return {"query": query, "response": response, "audios": audios}


SWIFT_FORMATS: dict[str, Callable[[str, str, list[str]], dict[str, Any]]] = {
    "messages": _messages_record,
    "query-response": _query_response_record,
}


def swift_records(records: Sequence[Mapping[str, Any]], *, swift_format: str = "messages") -> SwiftExport:
    """Training examples from ``ok`` description and comparison records (see the module doc)."""
    if swift_format not in SWIFT_FORMATS:
        raise ExportError(f"unknown ms-swift format {swift_format!r}; known: {', '.join(SWIFT_FORMATS)}")
    build = SWIFT_FORMATS[swift_format]
    queries = {"mos": allm_describe_query(), "mos_diverse": allm_describe_query(), "ab": allm_ab_query()}
    examples, skipped = [], {}
    for record in records:
        if record["pass"] not in TRAINING_PASSES:
            continue
        if record["status"] != OK:
            skipped[record["request_id"]] = f"{record['status']}: {record['reason']}"
            continue
        audios = [str(audio) for audio in record["audios"]]
        query = AUDIO_TAG * len(audios) + queries[record["pass"]]
        examples.append(build(query, record["text"], audios))
    return SwiftExport(examples, skipped)


def write_swift(path: str | os.PathLike[str], examples: Sequence[Mapping[str, Any]]) -> None:
    """A JSON array for ``.json``, JSON lines for ``.jsonl`` (both read by ``swift sft --dataset``)."""
    target = Path(path)
    if target.suffix == ".json":
        write_text_atomic(target, json.dumps(list(examples), ensure_ascii=False, indent=1) + "\n")
    elif target.suffix == ".jsonl":
        write_jsonl(target, examples)
    else:
        raise ExportError(f"ms-swift export {target}: the name must end in .json or .jsonl")


def _text(by_id: Mapping[str, Mapping[str, Any]], request_id: str) -> str:
    record = by_id.get(request_id)
    if record is None:
        raise ExportError(f"ALLD layout: no generation {request_id}")
    if record["status"] != OK:
        raise ExportError(f"ALLD layout: generation {request_id} is {record['status']} ({record['reason']})")
    return str(record["text"])


def alld_layout_files(
    pair: Pair, records: Sequence[Mapping[str, Any]], *, include_ab: bool = True,
) -> dict[str, str]:
    """File name -> content of ALLD's output directory for ``pair`` (audio1 = SpeechA).

    Raises ``ExportError`` naming any needed generation that is missing or not ``ok``; the
    summary is the re-asked one when there was a re-ask."""
    by_id = {str(record["request_id"]): record for record in records}
    files = {}
    for slot, meta in (("audio1", pair.a), ("audio2", pair.b)):
        files[f"{slot}_metrics.json"] = metrics_file_text(meta)
        files[f"{slot}_mos.txt"] = _text(by_id, f"mos:{meta.file_id}")
        files[f"{slot}_mos_diverse.txt"] = _text(by_id, f"mos_diverse:{meta.file_id}")
    if include_ab:
        files["ab_test.txt"] = _text(by_id, f"ab:{pair.pair_id}")
        retry = f"summary:{pair.pair_id}:retry"
        files["ab_test_summary.txt"] = _text(by_id, retry if retry in by_id else f"summary:{pair.pair_id}").strip()
    return files


def write_layout(directory: str | os.PathLike[str], files: Mapping[str, str]) -> list[Path]:
    """Write each file atomically under ``directory``; returns the paths in name order."""
    written = []
    for name in sorted(files):
        path = Path(directory) / name
        write_text_atomic(path, files[name])
        written.append(path)
    return written
