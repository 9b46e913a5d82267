"""``jasco captions``: ALLD's caption generation, from meta info to training data, resumable.

``run_captions(config)``:

1. meta info of every file (``sources``: the CSV's human ratings, or the signal analyzer);
2. pairs: ``pairs.build_pairs`` (seeded, MOS gap >= ``min_gap``, positions balanced; default one
   pair per file, at most every eligible pair), or with ``layout="alld"`` the one pair
   ``--audio1`` (SpeechA) / ``--audio2`` (SpeechB), as ALLD's ``caption_generator.py`` takes it;
3. the text LLM (any judge backend) answers, through ``generation.Generator`` (result store,
   one batched submission per stage, each request with its own sampling and seed): stage 1 the
   ``mos`` / ``mos_diverse`` descriptions and ``ab`` comparisons, stage 2 a ``summary`` per
   comparison, stage 3 one re-ask of every summary that is not exactly ``[SpeechA]`` or
   ``[SpeechB]`` (``verdict.needs_retry``; counted). A failed call is not re-asked here: it is an
   ``error`` record, and the next run asks it again;
4. outputs in ``OUT/``: ``captions.jsonl`` (every request and its result, ``exports``),
   ``swift.jsonl`` (ms-swift training data) and, with ``layout="alld"``, ALLD's per-pair files;
   ``captions.jsonl.manifest.json`` (arguments, meta source, the judge, every pass's sampling
   settings, the run seed and how request seeds derive from it, prompt hashes, counts).

``dry_run_text`` renders the first file's and the first pair's prompts without any model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.tasks.alld.errors import AlldError, PairError
from jasco.tasks.alld.exports import Generated
from jasco.tasks.alld.meta import QualityMeta
from jasco.tasks.alld.pairs import DEFAULT_MIN_GAP, Pair, build_pairs, count_eligible_pairs, make_pair
from jasco.tasks.alld.plan import GenerationRequest, SummaryPlan, plan_generation, plan_summaries
from jasco.tasks.alld.prompts import PassSettings, pass_settings
from jasco.tasks.alld.sources import MetaSource, load_metas
from jasco.tasks.alld.verdict import needs_retry, parse_summary

LAYOUTS = ("jasco", "alld")
JSONL_NAME, SWIFT_NAME = "captions.jsonl", "swift.jsonl"
SEED_RULE = "request seed = first 31 bits of sha256(f'{run_seed}\\n{request_id}') (plan.request_seed)"


@dataclass(frozen=True)
class CaptionsConfig:
    meta_csv: Path
    out_dir: Path | None = None
    meta_from: str = "human"
    audio_root: Path | None = None
    splits: tuple[str, ...] = ()
    workers: int | None = None
    judge: str | None = None
    backend: str | None = None
    backend_options: Mapping[str, Any] = field(default_factory=dict)
    n_pairs: int | None = None
    min_gap: float = DEFAULT_MIN_GAP
    seed: int = 0
    max_tokens: int | None = None  # overrides every pass's max_tokens from the sampling file
    swift_format: str = "messages"
    layout: str = "jasco"
    audio1: str | None = None
    audio2: str | None = None
    store_path: Path | None = None
    progress: bool = True


@dataclass(frozen=True)
class CaptionsSummary:
    out_dir: Path
    outputs: dict[str, Path]
    manifest_path: Path
    counts: dict[str, int]
    problems: list[str]


def passes(config: CaptionsConfig) -> dict[str, PassSettings]:
    """The four passes from the sampling file, with ``--max-tokens`` applied when given."""
    settings = pass_settings()
    if config.max_tokens is None:
        return settings
    if config.max_tokens < 1:
        raise AlldError(f"--max-tokens must be at least 1 (got {config.max_tokens})")
    return {name: dataclasses.replace(value, max_tokens=config.max_tokens) for name, value in settings.items()}


def _find(metas: Sequence[QualityMeta], wanted: str, flag: str) -> QualityMeta:
    for meta in metas:
        if wanted in (meta.file_id, meta.audio) or Path(wanted).resolve() == Path(meta.audio).resolve():
            return meta
    raise AlldError(f"{flag} {wanted}: not a file of the meta CSV (give its filepath_deg or its audio path)")


def select(metas: Sequence[QualityMeta], config: CaptionsConfig) -> tuple[tuple[QualityMeta, ...], tuple[Pair, ...]]:
    """The files to describe and the pairs to compare (see the module doc)."""
    if config.layout not in LAYOUTS:
        raise AlldError(f"--layout {config.layout!r}: use one of {', '.join(LAYOUTS)}")
    if config.layout == "alld":
        if not (config.audio1 and config.audio2):
            raise AlldError("--layout alld needs --audio1 and --audio2 (SpeechA and SpeechB)")
        if config.n_pairs is not None:
            raise AlldError("--pairs does not apply to --layout alld (its one pair is --audio1 / --audio2)")
        first, second = _find(metas, config.audio1, "--audio1"), _find(metas, config.audio2, "--audio2")
        return (first, second), (make_pair(first, second),)
    if config.audio1 or config.audio2:
        raise AlldError("--audio1 / --audio2 need --layout alld")
    if not config.min_gap > 0:
        raise PairError(f"--min-gap must be above 0 (got {config.min_gap:g}): a pair of identical MOS has no "
                        "right answer")
    n_pairs = config.n_pairs if config.n_pairs is not None else min(len(metas),
                                                                     count_eligible_pairs(metas, config.min_gap))
    if n_pairs == 0:
        return tuple(metas), ()
    return tuple(metas), build_pairs(metas, n_pairs, seed=config.seed, min_gap=config.min_gap)


def prepare(config: CaptionsConfig) -> tuple[MetaSource, tuple[QualityMeta, ...], tuple[Pair, ...]]:
    from jasco.tasks.alld.exports import SWIFT_FORMATS

    if config.swift_format not in SWIFT_FORMATS:
        raise AlldError(f"--swift-format {config.swift_format!r}: use one of {', '.join(SWIFT_FORMATS)}")
    root = Path(config.audio_root or Path(config.meta_csv).parent).expanduser().resolve()
    source = load_metas(config.meta_from, config.meta_csv, audio_root=root, dbs=config.splits,
                        workers=config.workers)
    metas, pairs = select(source.metas, config)
    return source, metas, pairs


def dry_run_text(config: CaptionsConfig) -> str:
    """The rendered prompts of the first file and the first pair (no model is loaded)."""
    from jasco.tasks.alld.plan import dry_run

    _source, metas, pairs = prepare(config)
    return dry_run(metas, pairs, seed=config.seed, settings=passes(config))


@dataclass
class Stages:
    """What the three generation stages asked and got."""

    requests: list[GenerationRequest] = field(default_factory=list)
    results: dict[str, Generated] = field(default_factory=dict)
    summaries: SummaryPlan = field(default_factory=lambda: SummaryPlan(()))
    retried: int = 0


def _ok_text(result: Generated | None) -> str | None:
    return result.text if result is not None and not result.error and result.text is not None else None


def generate(generator: Any, metas: Sequence[QualityMeta], pairs: Sequence[Pair], seed: int,
             settings: Mapping[str, PassSettings]) -> Stages:
    """Stages 1-3 of the module doc through ``generator`` (a ``generation.Generator``)."""
    done = Stages()
    first = plan_generation(metas, pairs, seed=seed, settings=settings)
    done.requests += first
    done.results.update(generator.run(first))
    comparisons = {request.subject: text for request in first if request.pass_name == "ab"
                   if (text := _ok_text(done.results.get(request.request_id))) is not None}
    done.summaries = plan_summaries(pairs, comparisons, seed=seed, settings=settings)
    done.requests += done.summaries.requests
    done.results.update(generator.run(done.summaries.requests))
    unparsed = {request.subject for request in done.summaries.requests
                if (text := _ok_text(done.results.get(request.request_id))) is not None
                and needs_retry(parse_summary(text), request.attempt)}
    retry = plan_summaries([pair for pair in pairs if pair.pair_id in unparsed], comparisons, seed=seed, attempt=2,
                           settings=settings)
    done.retried = len(retry.requests)
    done.requests += retry.requests
    done.results.update(generator.run(retry.requests))
    return done


def count_records(records: Sequence[Mapping[str, Any]], retried: int) -> dict[str, int]:
    """Counts by pass and status, and of the summaries' verdicts (final ones after a re-ask)."""
    counts: dict[str, int] = {"requests": len(records), "summaries_reasked": retried}
    for record in records:
        counts[f"{record['pass']}_{record['status']}"] = counts.get(f"{record['pass']}_{record['status']}", 0) + 1
    final: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if record["pass"] == "summary":
            final[str(record["subject"])] = record  # the re-ask comes after its first answer
    counts["summaries_parsed"] = sum(1 for record in final.values() if record.get("verdict"))
    counts["summaries_unparsed"] = len(final) - counts["summaries_parsed"]
    counts["summaries_agree_with_mos"] = sum(1 for record in final.values() if record.get("correct"))
    return dict(sorted(counts.items()))


def run_captions(config: CaptionsConfig, *, echo: Callable[[str], None] = print) -> CaptionsSummary:
    """Generate, store and export ALLD's captions (see the module doc)."""
    from jasco.core.paths import default_store_path
    from jasco.core.store import ResultStore
    from jasco.stages.judge.backends import choose_backend, load_backend, release
    from jasco.stages.judge.keys import identity
    from jasco.tasks.alld.generation import Generator

    if config.out_dir is None or config.judge is None:
        raise AlldError("captions need --out DIR and --judge ID (or --dry-run)")
    settings = passes(config)
    source, metas, pairs = prepare(config)
    echo(f"[captions] {len(metas)} files ({source.record['kind']} meta info), {len(pairs)} pairs")
    out_dir = Path(config.out_dir)
    jsonl = out_dir / JSONL_NAME
    store_path = Path(config.store_path) if config.store_path else default_store_path(jsonl)
    backend_name = choose_backend(config.judge, config.backend)
    model = load_backend(backend_name, config.judge, config.backend_options)
    try:
        who = identity(model.describe(), config.judge, backend_name)
        with ResultStore(store_path) as store:
            generator = Generator(model, who, store, progress=config.progress)
            done = generate(generator, metas, pairs, config.seed, settings)
        description = model.describe()
    finally:
        release(model)
    from jasco.tasks.alld.outputs import write_outputs

    return write_outputs(config, source, metas, pairs, done, generator, description, who, store_path, settings,
                         echo)


__all__ = ["LAYOUTS", "SEED_RULE", "CaptionsConfig", "CaptionsSummary", "PairError", "dry_run_text", "run_captions"]
