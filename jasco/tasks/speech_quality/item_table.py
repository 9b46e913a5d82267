"""The speech-quality item table (``items.csv``): one row per (degraded file, question family).

``item_frame(corpus, expansion, families, bank)`` writes ``items.ROW_COLUMNS`` plus:

- audio paths made absolute (``deg_path``, ``ref_path``: the corpus root joined with the table's
  relative paths), so the table can be answered from anywhere on this machine;
- ``label_*``: the file's human ratings, all five where the corpus has them (a family's own
  quantities are what it is scored on; a predictor is scored on every dimension it predicts);
- ``excluded``: empty for an item, else why there is no item for this (file, family): no
  reference signal for a double-ended item (NISQA_TEST_LIVETALK), no human rating for the asked
  quantity. Such rows are never asked; they are counted in the report, apart from the answers.
- ``scale_sha256``: the scale file the answers are scored under (with ``bank_sha256``, the
  question bank's hash, and ``seed``, the paraphrase seed).

``items_of(frame)`` reads rows back as ``items.Item`` (the rows to ask) and ``excluded_of`` the
rows that are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.tasks.speech_quality.bank import Bank
from jasco.tasks.speech_quality.corpus import Corpus, CorpusFile
from jasco.tasks.speech_quality.items import ROW_COLUMNS, Expansion, Item, item_from_row, item_id, item_row
from jasco.tasks.speech_quality.scale import QUANTITIES

if TYPE_CHECKING:
    import pandas as pd

ITEM_COLUMNS = (*ROW_COLUMNS, "excluded", "scale_sha256")


def _absolute(root: Path, relative: str) -> str:
    return str(root / relative) if relative else ""


def _labels(corpus_file: CorpusFile) -> dict[str, object]:
    return {f"label_{q}": "" if (v := corpus_file.labels.get(q)) is None else v for q in QUANTITIES}


def item_frame(corpus: Corpus, expansion: Expansion, families: Sequence[str], bank: Bank, *,
               with_reference: bool, seed: int, scale_sha256: str) -> pd.DataFrame:
    """Items and excluded (file, family) rows, in corpus order then family order."""
    import pandas as pd

    by_key = {f.key: f for f in corpus.files}
    items = {(f"{item.db}/{item.file}", item.family): item for item in expansion.items}
    reasons: dict[tuple[str, str], str] = {}
    for exclusion in expansion.excluded:
        for family in families if exclusion.family == "*" else (exclusion.family,):
            reasons[(exclusion.key, family)] = exclusion.reason
    rows = []
    for corpus_file in corpus.files:
        for family in families:
            item = items.get((corpus_file.key, family))
            if item is not None:
                row = item_row(item)
                row.update(deg_path=_absolute(corpus.root, str(row["deg_path"])),
                           ref_path=_absolute(corpus.root, str(row["ref_path"])), excluded="")
            else:
                row = _excluded_row(corpus, by_key[corpus_file.key], bank, family, with_reference,
                                    reasons.get((corpus_file.key, family), "not expanded"))
                row["seed"] = seed
            row.update(_labels(corpus_file))
            row["scale_sha256"] = scale_sha256
            rows.append(row)
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))


def _excluded_row(corpus: Corpus, corpus_file: CorpusFile, bank: Bank, family: str, with_reference: bool,
                  reason: str) -> dict[str, Any]:
    chosen = bank.family(family)
    return {
        "id": item_id(corpus_file.db, corpus_file.name, family, with_reference), "db": corpus_file.db,
        "file": corpus_file.name, "con": corpus_file.con, "family": family, "kind": chosen.kind,
        "quantities": ";".join(chosen.quantities), "paraphrase": "", "question": "",
        "deg_path": _absolute(corpus.root, corpus_file.deg_path), "deg_duration_s": corpus_file.deg_duration_s,
        "ref_path": _absolute(corpus.root, corpus_file.ref_path or ""),
        "ref_duration_s": "" if corpus_file.ref_duration_s is None else corpus_file.ref_duration_s,
        "seed": "", "bank_sha256": bank.sha256, "excluded": reason,
    }


def is_excluded(row: Mapping[str, Any]) -> bool:
    return bool(str(row.get("excluded", "") or "").strip())


def items_of(rows: Sequence[Mapping[str, Any]]) -> dict[int, Item]:
    """The rows that are items (position -> Item); excluded rows are left out."""
    return {position: item_from_row(dict(row)) for position, row in enumerate(rows) if not is_excluded(row)}
