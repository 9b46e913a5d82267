"""What ``jasco captions`` writes once generation is done: the JSONL, ms-swift data, ALLD's files, a manifest.

All files go under ``OUT/`` atomically: ``captions.jsonl`` (one record per request, nothing left
out: ``ok``, ``empty``, ``error``, ``missing`` and ``skipped`` records, each with the meta source),
``swift.jsonl`` (the ``ok`` descriptions and comparisons as ms-swift training examples), with
``--layout alld`` ALLD's per-pair files, and ``captions.jsonl.manifest.json``. A needed generation
that is not ``ok`` (an empty text, a failed call) makes ALLD's layout impossible: that is a
problem (one line, exit 1) after everything else was written. Failed calls are problems too:
rerunning the same command asks exactly those again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.tasks.alld.captions import (
    JSONL_NAME,
    SEED_RULE,
    SWIFT_NAME,
    CaptionsConfig,
    CaptionsSummary,
    Stages,
    count_records,
)
from jasco.tasks.alld.errors import ExportError
from jasco.tasks.alld.exports import (
    alld_layout_files,
    generation_records,
    swift_records,
    write_jsonl,
    write_layout,
    write_swift,
)
from jasco.tasks.alld.meta import QualityMeta
from jasco.tasks.alld.pairs import Pair
from jasco.tasks.alld.prompts import PassSettings, prompt_hashes
from jasco.tasks.alld.sources import MetaSource


def _arguments(config: CaptionsConfig) -> dict[str, Any]:
    return {
        "meta_csv": str(config.meta_csv), "meta_from": config.meta_from, "audio_root": config.audio_root,
        "splits": list(config.splits), "workers": config.workers, "judge": config.judge, "backend": config.backend,
        "backend_options": dict(config.backend_options), "pairs": config.n_pairs, "min_gap": config.min_gap,
        "seed": config.seed, "max_tokens": config.max_tokens, "swift_format": config.swift_format,
        "layout": config.layout, "audio1": config.audio1, "audio2": config.audio2, "out_dir": str(config.out_dir),
    }


def write_outputs(
    config: CaptionsConfig, source: MetaSource, metas: Sequence[QualityMeta], pairs: Sequence[Pair], done: Stages,
    generator: Any, description: Mapping[str, Any], who: Mapping[str, Any], store_path: Path,
    settings: Mapping[str, PassSettings], echo: Callable[[str], None],
) -> CaptionsSummary:
    """Write every output of one captions run (see the module doc) and say what went wrong."""
    from jasco.core.runinfo import write_manifest

    assert config.out_dir is not None
    out_dir = Path(config.out_dir)
    records = generation_records(done.requests, done.results, metas, pairs, done.summaries.skipped)
    for record in records:
        record["meta_source"] = source.record["kind"]
    outputs = {"jsonl": out_dir / JSONL_NAME, "swift": out_dir / SWIFT_NAME}
    write_jsonl(outputs["jsonl"], records)
    export = swift_records(records, swift_format=config.swift_format)
    write_swift(outputs["swift"], export.records)
    problems: list[str] = []
    if config.layout == "alld":
        try:
            written = write_layout(out_dir, alld_layout_files(pairs[0], records))
            outputs.update({path.name: path for path in written})
        except ExportError as error:
            problems.append(str(error))
    counts = {**count_records(records, done.retried), "from_store": generator.from_store,
              "generated_now": generator.generated_now, "errors": generator.errors, "truncated": generator.truncated,
              "model_calls": generator.calls, "swift_examples": len(export.records),
              "swift_skipped": len(export.skipped)}
    manifest = write_manifest(outputs["jsonl"], stage="captions", arguments=_arguments(config), details={
        "meta_source": source.record, "n_files": len(metas), "n_pairs": len(pairs),
        "pairs": [{"pair_id": pair.pair_id, "speech_a": pair.a.file_id, "speech_b": pair.b.file_id,
                   "expected": pair.expected} for pair in pairs],
        "judge": {"model": who.get("model"), "revision": who.get("revision"), "backend": who.get("backend")},
        "backend": dict(description),
        "passes": {name: {"template": value.template, **value.sampling()} for name, value in settings.items()},
        "seeds": {"run_seed": config.seed, "per_request": SEED_RULE, "pairs_seed": config.seed},
        "prompt_hashes": prompt_hashes(), "store_path": str(store_path),
        "outputs": {name: str(path) for name, path in outputs.items()}, "counts": counts,
        "swift_skipped": dict(export.skipped),
    })
    if generator.errors:
        problems.append(f"{generator.errors} request(s) failed (see their 'error' records in {outputs['jsonl']}); "
                        "rerun the same command to ask exactly those again")
    empty = sum(value for key, value in counts.items() if key.endswith("_empty"))
    if empty:
        echo(f"[captions] warning: {empty} empty generation(s), kept as 'empty' records and left out of "
             f"{outputs['swift'].name}")
    echo(f"[captions] {counts['generated_now']} generated, {counts['from_store']} from the store, "
         f"{counts['errors']} failed; summaries: {counts['summaries_parsed']} parsed, {counts['summaries_unparsed']} "
         f"unparsed after {counts['summaries_reasked']} re-ask(s) -> {outputs['jsonl']}")
    return CaptionsSummary(out_dir, outputs, manifest, counts, problems)
