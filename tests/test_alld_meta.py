"""Quality meta info: NISQA-layout CSV and plain mappings, validated, and ALLD's JSON of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jasco.tasks.alld.errors import AlldError, MetaError
from jasco.tasks.alld.meta import (
    meta_from_mapping,
    meta_json,
    metas_from_mappings,
    metrics_file_text,
    read_nisqa_csv,
)

HEADER = ("db,con,file,con_description,filename_deg,filename_ref,source,lang,votes,mos,noi,col,dis,loud,"
          "noi_std,col_std,dis_std,loud_std,mos_std,filepath_deg,filepath_ref")


def nisqa_row(db: str, name: str, mos: str, noi: str = "3", col: str = "3", dis: str = "3", loud: str = "3") -> str:
    return (f"{db},1,{name},x,{name}.wav,r.wav,src,en,5,{mos},{noi},{col},{dis},{loud},"
            f"1,1,1,1,1,{db}/deg/{name}.wav,{db}/ref/{name}.wav")


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "NISQA_corpus_file.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_reads_a_nisqa_layout_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path, nisqa_row("NISQA_TEST_FOR", "c1", "4.346153846", "4.2", "3.96", "4.5", "3.7"),
                     nisqa_row("NISQA_TEST_P501", "c2", "1.5", "1", "2.25", "3", "5"))
    metas = read_nisqa_csv(path)
    assert [meta.file_id for meta in metas] == ["NISQA_TEST_FOR/deg/c1.wav", "NISQA_TEST_P501/deg/c2.wav"]
    assert metas[0].values() == {"mos": 4.346153846, "noi": 4.2, "col": 3.96, "dis": 4.5, "loud": 3.7}
    assert metas[0].audio == str(tmp_path / "NISQA_TEST_FOR/deg/c1.wav")
    assert metas[0].db == "NISQA_TEST_FOR" and metas[0].source == "nisqa-csv:NISQA_corpus_file.csv"
    assert [meta.file_id for meta in read_nisqa_csv(path, dbs=["NISQA_TEST_P501"])] == ["NISQA_TEST_P501/deg/c2.wav"]
    assert read_nisqa_csv(path, audio_root="/corpus")[1].audio == "/corpus/NISQA_TEST_P501/deg/c2.wav"


def test_json_is_formatted_as_alld_s_code_does(tmp_path: Path) -> None:
    meta = read_nisqa_csv(write_csv(tmp_path, nisqa_row("DB", "c1", "3", "2.5", "4", "1", "5")))[0]
    assert meta_json(meta) == '{"mos": 3.0, "noi": 2.5, "col": 4.0, "dis": 1.0, "loud": 5.0}'
    assert metrics_file_text(meta) == '{\n  "mos": 3.0,\n  "noi": 2.5,\n  "col": 4.0,\n  "dis": 1.0,\n  "loud": 5.0\n}'
    assert json.loads(metrics_file_text(meta)) == meta.values()


@pytest.mark.parametrize(("cells", "message"), [
    (("5.2", "3", "3", "3", "3"), r"line 3 \(DB/deg/bad.wav\): factor 'mos' = 5.2 is outside 1-5"),
    (("3", "0.9", "3", "3", "3"), r"line 3 .*factor 'noi' = 0.9 is outside 1-5"),
    (("3", "3", "", "3", "3"), r"line 3 .*factor 'col' is missing \(empty\)"),
    (("3", "3", "3", "nan", "3"), r"line 3 .*factor 'dis' is missing \(NaN\)"),
    (("3", "3", "3", "3", "loud"), r"line 3 .*factor 'loud' is not a number: 'loud'"),
])
def test_a_bad_rating_names_the_file_and_line(tmp_path: Path, cells: tuple[str, ...], message: str) -> None:
    path = write_csv(tmp_path, nisqa_row("DB", "good", "3"), nisqa_row("DB", "bad", *cells))
    with pytest.raises(MetaError, match=message) as caught:
        read_nisqa_csv(path)
    assert str(path) in str(caught.value)


def test_structural_problems_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(MetaError, match="not found"):
        read_nisqa_csv(tmp_path / "absent.csv")
    no_loud = write_csv(tmp_path, "x,1,2,3,4,5", header="filepath_deg,mos,noi,col,dis,lou")
    with pytest.raises(MetaError, match="missing column\\(s\\) loud"):
        read_nisqa_csv(no_loud)
    with pytest.raises(MetaError, match="no rows"):
        read_nisqa_csv(write_csv(tmp_path))
    twice = write_csv(tmp_path, nisqa_row("DB", "c1", "3"), nisqa_row("DB", "c1", "4"))
    with pytest.raises(MetaError, match=r"line 3: 'DB/deg/c1\.wav' repeats line 2"):
        read_nisqa_csv(twice)
    with pytest.raises(MetaError, match="no rows with db NOPE; known: DB"):
        read_nisqa_csv(write_csv(tmp_path, nisqa_row("DB", "c1", "3")), dbs=["NOPE"])
    assert issubclass(MetaError, AlldError) and issubclass(MetaError, ValueError)


def test_a_plain_mapping_from_the_analyzer() -> None:
    values = {"mos": np.float32(3.1), "noi": np.float64(2.0), "col": 5, "dis": "4.25", "loud": 1.0, "snr_db": 17.3}
    meta = meta_from_mapping("clip.wav", values, source="signal", audio="/data/clip.wav")
    assert meta_json(meta) == '{"mos": 3.1, "noi": 2.0, "col": 5.0, "dis": 4.25, "loud": 1.0}'
    assert (meta.source, meta.audio) == ("signal", "/data/clip.wav")
    with pytest.raises(MetaError, match=r"'clip.wav' \(from signal\): missing factor\(s\) col, loud"):
        meta_from_mapping("clip.wav", {"mos": 3, "noi": 3, "dis": 3}, source="signal")
    with pytest.raises(MetaError, match=r"factor 'mos' = 0\.0 is outside 1-5"):
        meta_from_mapping("clip.wav", {**values, "mos": 0.0}, source="signal")
    with pytest.raises(MetaError, match="factor 'loud' is missing"):
        meta_from_mapping("clip.wav", {**values, "loud": None}, source="signal")


def test_many_mappings_are_sorted_and_rooted() -> None:
    rows = {"b.wav": {"mos": 2, "noi": 2, "col": 2, "dis": 2, "loud": 2},
            "a.wav": {"mos": 4, "noi": 4, "col": 4, "dis": 4, "loud": 4}}
    metas = metas_from_mappings(rows, source="signal", audio_root="/root")
    assert [(meta.file_id, meta.audio) for meta in metas] == [("a.wav", "/root/a.wav"), ("b.wav", "/root/b.wav")]
    with pytest.raises(MetaError, match="no files"):
        metas_from_mappings({}, source="signal")
