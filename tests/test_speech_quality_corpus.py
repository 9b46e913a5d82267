"""Reading and verifying a NISQA-layout corpus (a fixture built from real clean speech), and the committed file list."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import soundfile

from jasco.tasks.speech_quality.corpus import COLUMNS, TEST_SPLITS, CorpusError, read_corpus
from jasco.tasks.speech_quality.listing import Listing, build_listing, load_listing, verify_corpus
from tests.speech_quality_corpus import LAYOUT, build_corpus, read_rows, write_table

REPO = Path(__file__).resolve().parents[1]
NISQA_LIST = REPO.parent / "shared" / "quality" / "nisqa" / "NISQA_corpus_mos.csv"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return build_corpus(tmp_path / "corpus")


def _listing(root: Path) -> Listing:
    return Listing(tuple(sorted(row["filepath_deg"] for row in read_rows(root))))


def test_default_splits_are_the_three_test_sets(corpus: Path) -> None:
    read = read_corpus(corpus)
    assert read.splits == TEST_SPLITS
    assert read.split_sizes == {db: count for db, (count, _) in LAYOUT.items()}
    assert len(read.files) == 4 + 3 + 3
    livetalk = [f for f in read.files if f.db == "NISQA_TEST_LIVETALK"]
    assert all(f.ref_path is None and f.ref_duration_s is None for f in livetalk)
    first = read.files[0]
    info = soundfile.info(str(corpus / first.deg_path))
    assert first.deg_duration_s == pytest.approx(info.frames / info.samplerate)
    assert first.key == f"NISQA_TEST_FOR/{Path(first.deg_path).stem}" and first.row == 2
    assert first.labels.get("mos") == pytest.approx(1.8) and first.labels.get("loud") == 4.0


def test_splits_are_selected_and_an_unknown_one_names_the_known_ones(corpus: Path) -> None:
    assert [f.db for f in read_corpus(corpus, ["NISQA_TRAIN_SIM"]).files] == ["NISQA_TRAIN_SIM"] * 2
    with pytest.raises(CorpusError, match=r"unknown split\(s\) NISQA_TEST_X; the db values in this corpus: "
                                          r"NISQA_TEST_FOR, NISQA_TEST_LIVETALK, NISQA_TEST_P501, NISQA_TRAIN_SIM"):
        read_corpus(corpus, ["NISQA_TEST_X"])


def test_any_directory_in_the_layout_works_with_its_own_db_names(tmp_path: Path) -> None:
    own = build_corpus(tmp_path / "own", {"MY_CALLS": (2, False)})
    assert [f.db for f in read_corpus(own, ["MY_CALLS"]).files] == ["MY_CALLS", "MY_CALLS"]
    with pytest.raises(CorpusError, match=r"unknown split.*MY_CALLS"):
        read_corpus(own)  # the default test sets are not in this corpus


def test_a_table_missing_columns_is_named(corpus: Path) -> None:
    write_table(corpus, read_rows(corpus), tuple(c for c in COLUMNS if c not in ("noi", "filepath_ref")))
    with pytest.raises(CorpusError, match=r"NISQA_corpus_file.csv: missing column\(s\) noi, filepath_ref"):
        read_corpus(corpus)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mos": "7"}, r"row 2: mos 7 is outside the 1-5 scale"),
        ({"noi": "good"}, r"row 2: noi 'good' is not a number"),
        ({"mos": ""}, r"row 2: mos is empty"),
        ({"filepath_deg": "../elsewhere/x.wav"}, r"row 2: filepath_deg '../elsewhere/x.wav' must be a path inside"),
        ({"filepath_deg": "NISQA_TEST_FOR/deg/missing.wav"}, r"row 2: NISQA_TEST_FOR/deg/missing.wav: file does not"),
    ],
)
def test_a_bad_row_is_named(corpus: Path, change: dict, message: str) -> None:
    rows = read_rows(corpus)
    rows[0].update(change)
    write_table(corpus, rows)
    with pytest.raises(CorpusError, match=message):
        read_corpus(corpus)


def test_a_missing_or_broken_wav_is_named(corpus: Path) -> None:
    rows = read_rows(corpus)
    (corpus / rows[1]["filepath_ref"]).unlink()
    with pytest.raises(CorpusError, match=rf"row 3: {rows[1]['filepath_ref']}: file does not exist"):
        read_corpus(corpus)
    (corpus / rows[1]["filepath_ref"]).write_bytes(b"not audio at all")
    with pytest.raises(CorpusError, match=r"row 3: .*not a readable audio file"):
        read_corpus(corpus)


def test_not_a_corpus_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a directory"):
        read_corpus(tmp_path / "absent")
    with pytest.raises(CorpusError, match=r"no NISQA_corpus_file\.csv"):
        read_corpus(tmp_path)


def test_verify_accepts_the_fixture_against_its_own_list(corpus: Path) -> None:
    assert verify_corpus(corpus, _listing(corpus)) == []


def test_verify_names_every_problem(corpus: Path) -> None:
    listing = _listing(corpus)
    rows = read_rows(corpus)
    deg = corpus / rows[0]["filepath_deg"]
    deg.write_bytes(deg.read_bytes()[:-1000])  # cut short: the header still declares the full data chunk
    (corpus / rows[2]["filepath_ref"]).unlink()
    write_table(corpus, [*rows[1:], dict(rows[1], db="NISQA_TRAIN_SIM", filepath_deg="NISQA_TEST_FOR/deg/extra.wav")])
    problems = verify_corpus(corpus, listing)
    text = "\n".join(problems)
    assert f"{rows[0]['filepath_deg']} is listed but has no row" in text
    assert "NISQA_TEST_FOR/deg/extra.wav is not in the official list" in text
    assert "split sizes" in text
    assert f"{deg}: cut short (the header declares" in text
    assert f"{rows[2]['filepath_ref']}: file does not exist (a reference file)" in text


def test_committed_list_is_derived_from_the_published_corpus_list() -> None:
    if not NISQA_LIST.is_file():
        pytest.fail(f"{NISQA_LIST} not found")
    committed = load_listing()
    assert committed.files == build_listing(NISQA_LIST).files
    assert len(committed.files) == 14_432
    assert committed.splits == {"NISQA_TEST_FOR": 240, "NISQA_TEST_LIVETALK": 232, "NISQA_TEST_P501": 240,
                                "NISQA_TRAIN_LIVE": 1020, "NISQA_TRAIN_SIM": 10_000, "NISQA_VAL_LIVE": 200,
                                "NISQA_VAL_SIM": 2500}
    raw = (REPO / "dataset" / "nisqa-corpus.deg-files.txt.gz").read_bytes()
    assert gzip.decompress(raw).decode() == committed.text()
    assert b"mos" not in gzip.decompress(raw)  # file names only, no ratings


def test_the_official_list_rejects_the_fixture_with_counts(corpus: Path) -> None:
    problems = verify_corpus(corpus, check_audio=False)
    assert any("is not in the official list" in p for p in problems)
    assert any("split sizes" in p for p in problems)
