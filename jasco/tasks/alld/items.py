"""The ALLD evaluation items, from a corpus in the NISQA layout (NISQA itself, or the speech-demo corpus).

Both are pure functions of the corpus rows (``speech_quality.corpus.read_corpus``: splits are
``db`` values, default NISQA's three test sets) and the options:

- **describe**: one item per degraded file. ``id`` is the file's ``filepath_deg`` (NISQA's file
  id, the id ``jasco captions`` gives its descriptions, so references match), ``audio`` is
  ``{data_folder}/<filepath_deg>``, and the human ratings ride along (a dimension the corpus does
  not rate is an empty cell).
- **A/B**: ``pairs.build_pairs`` over the files (seeded, MOS gap at least ``min_gap``, the better
  file first in half of them), each asked in both orders (``pairs.both_orders``): ``id`` is
  ``<pair_id>:AB`` or ``:BA``; the ``_a`` columns are the file heard first (SpeechA in that
  order), the ``_b`` columns the second; ``expected`` is the one with the higher human MOS. The
  default number of pairs is ``DEFAULT_PAIRS``, or every eligible pair when there are fewer.
  Building a pair needs all five ratings of both files (``meta``): a file without them is an
  error naming its row.

``ab_item_from_row`` rebuilds an ``ABItem`` from a row and checks it (pair id, expected answer),
so a table edited by hand cannot score against the wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from jasco.core.paths import DATA_FOLDER_PLACEHOLDER
from jasco.tasks.alld.errors import AlldError, PairError
from jasco.tasks.alld.meta import FACTORS, QualityMeta, meta_from_mapping
from jasco.tasks.alld.pairs import ABItem, Pair, both_orders, build_pairs, count_eligible_pairs, make_pair

if TYPE_CHECKING:
    import pandas as pd

    from jasco.tasks.speech_quality.corpus import Corpus, CorpusFile

DEFAULT_PAIRS = 100
DESCRIBE_COLUMNS = ("id", "db", "con", "audio", *FACTORS)
AB_COLUMNS = ("id", "pair_id", "order", "audio_a", "audio_b", "file_a", "file_b",
              *(f"{factor}_a" for factor in FACTORS), *(f"{factor}_b" for factor in FACTORS), "expected")


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def describe_items(corpus: Corpus) -> pd.DataFrame:
    """One row per degraded file (see the module doc)."""
    import pandas as pd

    rows = [{"id": item.deg_path, "db": item.db, "con": item.con, "audio": f"{DATA_FOLDER_PLACEHOLDER}/{item.deg_path}",
             **{factor: _cell(item.labels.get(factor)) for factor in FACTORS}} for item in corpus.files]
    return pd.DataFrame(rows, columns=list(DESCRIBE_COLUMNS))


def corpus_metas(corpus: Corpus) -> tuple[QualityMeta, ...]:
    """Every file as ``QualityMeta`` (all five human ratings needed; a gap names the row)."""
    def one(item: CorpusFile) -> QualityMeta:
        values = {factor: item.labels.get(factor) for factor in FACTORS}
        where = f"{corpus.root / 'NISQA_corpus_file.csv'}: row {item.row} ({item.deg_path}), needed for A/B pairs"
        return meta_from_mapping(item.deg_path, values, source="human", audio=item.deg_path, db=item.db, where=where)

    return tuple(one(item) for item in corpus.files)


def ab_pairs(metas: Sequence[QualityMeta], n_pairs: int | None, *, seed: int, min_gap: float) -> tuple[Pair, ...]:
    """``n_pairs`` pairs, or ``min(DEFAULT_PAIRS, eligible)`` when not given (see the module doc)."""
    if n_pairs is None:
        n_pairs = min(DEFAULT_PAIRS, count_eligible_pairs(metas, min_gap)) if min_gap > 0 else DEFAULT_PAIRS
        if n_pairs == 0:
            raise AlldError(f"no two of the {len(metas)} files differ in MOS by at least {min_gap:g}: no A/B pairs")
    return build_pairs(metas, n_pairs, seed=seed, min_gap=min_gap)


def _side(meta: QualityMeta, suffix: str) -> dict[str, str]:
    return {f"audio_{suffix}": f"{DATA_FOLDER_PLACEHOLDER}/{meta.audio}", f"file_{suffix}": meta.file_id,
            **{f"{factor}_{suffix}": f"{value:g}" for factor, value in meta.values().items()}}


def ab_items(pairs: Sequence[Pair]) -> pd.DataFrame:
    """Both orders of every pair, in pair order (see the module doc)."""
    import pandas as pd

    rows = [{"id": item.item_id, "pair_id": item.pair.pair_id, "order": item.order, **_side(item.first, "a"),
             **_side(item.second, "b"), "expected": item.expected} for item in both_orders(pairs)]
    return pd.DataFrame(rows, columns=list(AB_COLUMNS))


def ab_item_from_row(row: Mapping[str, Any], where: str) -> ABItem:
    """The ``ABItem`` a table row describes; an inconsistent row is an ``AlldError`` naming ``where``."""
    def meta(suffix: str) -> QualityMeta:
        values = {factor: row.get(f"{factor}_{suffix}") for factor in FACTORS}
        return meta_from_mapping(str(row[f"file_{suffix}"]), values, source="items", where=where)

    first, second = meta("a"), meta("b")
    order = str(row["order"])
    if order not in ("AB", "BA"):
        raise AlldError(f"{where}: order {order!r} is neither AB nor BA")
    built = (first, second) if order == "AB" else (second, first)
    try:
        pair = make_pair(*built)
    except PairError as error:
        raise AlldError(f"{where}: {error}") from None
    item = ABItem(f"{pair.pair_id}:{order}", pair, order, first, second)
    if (str(row["pair_id"]), str(row["id"]), str(row["expected"])) != (pair.pair_id, item.item_id, item.expected):
        raise AlldError(f"{where}: id, pair_id or expected do not match files {first.file_id} and {second.file_id} "
                        f"(expected {item.item_id}, {item.expected})")
    return item
