"""ALLD's meta and pair code on the real NISQA file list (14,432 files with human MOS).

``../shared/quality/nisqa/NISQA_corpus_mos.csv`` (or ``$JASCO_QUALITY_DATA/nisqa/``) has
``filepath_deg, votes, mos, mos_std`` only: as meta info it lacks the four dimensions and must be
refused by name; its real MOS values drive the pair builder at the scale ALLD used (10k pairs).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from jasco.tasks.alld.errors import MetaError
from jasco.tasks.alld.meta import metas_from_mappings, read_nisqa_csv
from jasco.tasks.alld.pairs import SPEECH_A, build_pairs

REPO = Path(__file__).resolve().parents[1]
QUALITY = Path(os.environ.get("JASCO_QUALITY_DATA", REPO.parent / "shared" / "quality"))
MOS_LIST = QUALITY / "nisqa" / "NISQA_corpus_mos.csv"


@pytest.fixture(scope="module")
def mos_list() -> Path:
    if not MOS_LIST.is_file():
        pytest.fail(f"NISQA MOS list not found at {MOS_LIST}; set JASCO_QUALITY_DATA")
    return MOS_LIST


def test_a_mos_only_list_is_not_meta_info(mos_list: Path) -> None:
    with pytest.raises(MetaError, match=r"missing column\(s\) noi, col, dis, loud"):
        read_nisqa_csv(mos_list)


def test_ten_thousand_pairs_from_the_real_mos_values(mos_list: Path) -> None:
    with open(mos_list, newline="", encoding="utf-8") as handle:
        rows = {row["filepath_deg"]: {"mos": row["mos"], "noi": 3, "col": 3, "dis": 3, "loud": 3}
                for row in csv.DictReader(handle)}
    metas = metas_from_mappings(rows, source="nisqa-mos-list")
    assert len(metas) == 14432
    pairs = build_pairs(metas, 10_000, seed=2025)
    assert len({pair.pair_id for pair in pairs}) == 10_000
    assert min(pair.gap for pair in pairs) >= 0.5 - 1e-9
    assert sum(pair.expected == SPEECH_A for pair in pairs) == 5_000
    assert build_pairs(metas, 10_000, seed=2025) == pairs
