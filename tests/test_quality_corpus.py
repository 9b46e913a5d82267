"""The demo corpus: labels, plan, NISQA layout, and its atomic install / verify (local and download)."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.core.runinfo import file_sha256
from jasco.quality import demo_labels
from jasco.quality.degrade import Step
from jasco.quality.demo_corpus import (
    CONDITIONS,
    CSV_NAME,
    DB_NAME,
    NISQA_COLUMNS,
    CorpusError,
    build_demo_corpus,
    plan_corpus,
    read_corpus_csv,
)
from jasco.quality.signal.levels import active_speech_level
from jasco.quality.speech_demo import (
    SpeechDemoError,
    fetch_recordings,
    git_blob_sha1,
    install_speech_demo,
    load_sources,
    verify_speech_demo,
)
from tests.quality_helpers import clean_dir, clean_files


@pytest.mark.parametrize(
    ("kind", "severities"),
    [("white", [40, 30, 20, 10, 5, 0]), ("babble", [30, 20, 10, 0]), ("lowpass", [7000, 5000, 3400, 2000, 1000]),
     ("clip", [0.0, 0.01, 0.05, 0.15, 0.3]), ("dropout", [0.0, 0.02, 0.05, 0.1, 0.2]), ("gain", [0, -10, -20, -30])],
)
def test_labels_fall_monotonically_with_severity(kind: str, severities: list[float]) -> None:
    dimension = demo_labels.ANCHORS[kind][0]
    values = [demo_labels.labels([Step(kind, s)]) for s in severities]
    for key in ("mos", dimension):
        series = [v[key] for v in values]
        assert all(a > b for a, b in itertools.pairwise(series)), (key, series)
    others = [d for d in demo_labels.DIMENSIONS if d != dimension]
    assert all(v[d] == 4.5 for v in values for d in others)


def test_combined_degradations_are_worse_than_either_part() -> None:
    noise, lowpass = Step("white", 20.0), Step("lowpass", 3400.0)
    both = demo_labels.labels([noise, lowpass])["mos"]
    assert both < min(demo_labels.labels([noise])["mos"], demo_labels.labels([lowpass])["mos"])
    assert demo_labels.labels([])["mos"] == 4.5
    with pytest.raises(demo_labels.LabelError, match="reverb"):
        demo_labels.labels([Step("reverb", 1.0)])


def test_plan_rotates_recordings_evenly_and_is_seeded() -> None:
    plan = plan_corpus(23, 6, seed=0)
    assert Counter(p.condition.con for p in plan) == {c.con: 6 for c in CONDITIONS}
    uses = Counter(p.source_index for p in plan)
    assert max(uses.values()) - min(uses.values()) <= 1
    assert plan == plan_corpus(23, 6, seed=0) and plan != plan_corpus(23, 6, seed=1)
    with pytest.raises(CorpusError, match="only 5 recordings"):
        plan_corpus(5, 6, seed=0)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("corpus")
    build_demo_corpus(clean_files(), dest, files_per_condition=1, seed=3)
    return dest


def test_corpus_has_the_nisqa_layout_and_synthetic_labels(small_corpus: Path) -> None:
    with open(small_corpus / CSV_NAME, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert tuple(header[: len(NISQA_COLUMNS)]) == NISQA_COLUMNS and len(NISQA_COLUMNS) == 21
    rows = read_corpus_csv(small_corpus / CSV_NAME)
    assert len(rows) == len(CONDITIONS)
    by_con = {int(r["con"]): r for r in rows}
    for condition in CONDITIONS:
        row = by_con[condition.con]
        expected = demo_labels.labels(condition.steps)
        assert {k: float(row[k]) for k in expected} == expected
        assert row["db"] == DB_NAME and row["synthetic"] == "1" and row["votes"] == "0" and row["mos_std"] == ""
        deg, ref = small_corpus / row["filepath_deg"], small_corpus / row["filepath_ref"]
        assert row["filepath_deg"] == f"{DB_NAME}/deg/{row['filename_deg']}" and deg.is_file() and ref.is_file()
        assert soundfile.info(str(deg)).frames == soundfile.info(str(ref)).frames  # nothing cropped or padded
    processing = {r["filename_ref"]: r["ref_processing"] for r in rows}
    assert all("-26.0 dBov" in text for text in processing.values())
    assert "48000 -> 16000 Hz" in processing.get("vctk_p286_011.wav", "48000 -> 16000 Hz")


def test_references_sit_at_the_nominal_level(small_corpus: Path) -> None:
    for path in sorted((small_corpus / DB_NAME / "ref").glob("*.wav"))[:5]:
        samples, rate = soundfile.read(str(path))
        assert active_speech_level(samples, rate).level_dbov == pytest.approx(-26.0, abs=0.2)


def test_the_same_seed_builds_the_same_bytes(small_corpus: Path, tmp_path: Path) -> None:
    build_demo_corpus(clean_files(), tmp_path, files_per_condition=1, seed=3)
    for path in sorted(small_corpus.rglob("*.wav"))[::7]:
        assert file_sha256(path) == file_sha256(tmp_path / path.relative_to(small_corpus)), path.name
    with pytest.raises(CorpusError, match="already exists"):
        build_demo_corpus(clean_files(), tmp_path, files_per_condition=1, seed=3)


def test_committed_sources_match_the_clean_recordings() -> None:
    records = load_sources()
    assert sorted(r.file for r in records) == sorted(p.name for p in clean_files())
    with open(clean_dir() / "SOURCES.csv", encoding="utf-8") as handle:
        shared = {row["file"]: row for row in csv.DictReader(handle)}
    for record in records:
        assert record.sha256 == shared[record.file]["sha256"] == file_sha256(clean_dir() / record.file)
        assert record.url().startswith("https://raw.githubusercontent.com/") and record.commit in record.url()
        if record.download_format == "wav":  # the downloaded bytes are the installed file
            assert git_blob_sha1((clean_dir() / record.file).read_bytes()) == record.git_blob_sha1


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("install") / "speech-demo"
    result = install_speech_demo(clean_dir(), dest, files_per_condition=1, seed=0)
    assert result.changed and result.n_degraded == len(CONDITIONS) and result.n_references == 23
    return dest


def test_install_verifies_keeps_attribution_and_is_idempotent(installed: Path) -> None:
    assert verify_speech_demo(installed) == []
    assert "CMU ARCTIC" in (installed / "clean" / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert (installed / "clean" / "SOURCES.csv").is_file()
    again = install_speech_demo(clean_dir(), installed, files_per_condition=1, seed=0)
    assert not again.changed
    with pytest.raises(SpeechDemoError, match="other settings"):
        install_speech_demo(clean_dir(), installed, files_per_condition=2, seed=0)


def test_verify_names_altered_missing_and_unexpected_files(installed: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(installed, copy)
    deg = sorted((copy / DB_NAME / "deg").glob("*.wav"))
    deg[0].write_bytes(deg[0].read_bytes()[:-2] + b"\0\1")
    deg[1].unlink()
    (copy / DB_NAME / "deg" / "extra.wav").write_bytes(b"x")
    problems = "\n".join(verify_speech_demo(copy))
    assert f"{deg[0].name}: altered" in problems and f"{deg[1].name}: missing" in problems
    assert "extra.wav: unexpected" in problems
    with pytest.raises(SpeechDemoError, match="does not verify"):
        install_speech_demo(clean_dir(), copy, files_per_condition=1, seed=0)
    assert install_speech_demo(clean_dir(), copy, files_per_condition=1, seed=0, force=True).changed
    assert verify_speech_demo(copy) == []


def test_a_bad_source_fails_cleanly_and_leaves_nothing(tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "source"
    shutil.copytree(clean_dir(), source)
    target = source / "vctk_p287_002.wav"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes()[:-4] + b"\0\0\0\1")
    dest = tmp_path / "dest"
    with pytest.raises(SpeechDemoError, match=r"vctk_p287_002\.wav.*sha256"):
        install_speech_demo(source, dest, files_per_condition=1)
    assert not dest.exists() and [p.name for p in tmp_path.iterdir()] == ["source"]


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[str]:
    """An HTTP server laid out like raw.githubusercontent.com: /<repo>/<commit>/<path>."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _publish(root: Path, record_file: str, data: bytes) -> None:
    record = next(r for r in load_sources() if r.file == record_file)
    target = root / record.repository / record.commit / record.repository_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def test_download_checks_blobs_and_decodes_flac_to_the_pinned_wav(tmp_path: Path, served: str) -> None:
    by_name = {r.file: r for r in load_sources()}
    wav = by_name["arctic_awb_a0007.wav"]
    flac = by_name["libri_5339-14133-0000.wav"]
    _publish(tmp_path, wav.file, (clean_dir() / wav.file).read_bytes())
    samples, rate = soundfile.read(str(clean_dir() / flac.file), dtype="int16")
    encoded = io.BytesIO()
    soundfile.write(encoded, samples, rate, format="FLAC")  # our FLAC, so its blob id is ours
    _publish(tmp_path, flac.file, encoded.getvalue())
    records = [wav, replace(flac, git_blob_sha1=git_blob_sha1(encoded.getvalue()))]
    into = tmp_path / "got"
    fetch_recordings(None, into, records, base_url=served)
    assert file_sha256(into / flac.file) == flac.sha256  # decoded to exactly the pinned WAV
    assert file_sha256(into / wav.file) == wav.sha256
    with pytest.raises(SpeechDemoError, match="does not match git blob"):
        fetch_recordings(None, tmp_path / "again", [flac], base_url=served)  # the pinned blob is the original FLAC


def test_download_failure_points_to_the_offline_source(tmp_path: Path) -> None:
    record = load_sources()[0]
    with pytest.raises(SpeechDemoError, match="--source DIR"):
        fetch_recordings(None, tmp_path, [record], base_url="http://127.0.0.1:9")


def test_corpus_rows_never_exceed_full_scale(small_corpus: Path) -> None:
    for path in sorted((small_corpus / DB_NAME / "deg").glob("*.wav")):
        samples, _ = soundfile.read(str(path))
        assert np.abs(samples).max() < 1.0, path.name
