"""Install and verify the speech-demo dataset: 23 real clean recordings and the demo corpus.

``install_speech_demo(source, dest)`` gets the recordings listed in ``dataset/speech-demo/
sources.csv`` (CMU ARCTIC, VCTK, LJSpeech, LibriSpeech; pinned repository commits, licences)
either from a local directory holding them (``source``, e.g. ../shared/speech/clean) or, with
``source=None``, by downloading each from its pinned URL (the git blob id checks the download;
LibriSpeech FLACs are decoded losslessly to 16-bit WAV). Every recording must match its sha256.
It then builds the NISQA-layout demo corpus (``jasco.quality.demo_corpus``) next to them:

    dest/clean/*.wav, clean/SOURCES.csv, clean/ATTRIBUTION.txt
    dest/NISQA_corpus_file.csv, dest/DEMO_SIM/{ref,deg}/*.wav
    dest/speech-demo.json   (build settings, versions, and the sha256 of every file)

The install is atomic (built in a staging directory beside ``dest``, then renamed into place)
and idempotent (a destination that verifies with the same settings is left alone).
``verify_speech_demo(dest)`` returns the problems, one line each naming the file (empty: fine).
Errors raise ``SpeechDemoError`` with one line naming the file and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.core.paths import resource_dir
from jasco.core.runinfo import file_sha256, package_versions
from jasco.quality.demo_corpus import DEFAULT_FILES_PER_CONDITION

DATASET = "speech-demo"
MANIFEST_NAME = "speech-demo.json"
CLEAN_DIR = "clean"
DOWNLOAD_BASE = "https://raw.githubusercontent.com"


class SpeechDemoError(RuntimeError):
    """The speech-demo dataset cannot be installed or does not verify; the message says where."""


@dataclass(frozen=True)
class SourceRecord:
    file: str
    repository: str
    repository_path: str
    commit: str
    git_blob_sha1: str
    download_format: str  # "wav" or "flac"
    sha256: str  # of the installed WAV
    original_corpus: str
    licence: str

    def url(self, base: str = DOWNLOAD_BASE) -> str:
        return f"{base.rstrip('/')}/{self.repository}/{self.commit}/{self.repository_path}"


def sources_path() -> Path:
    return resource_dir("dataset") / DATASET / "sources.csv"


def load_sources(path: Path | None = None) -> tuple[SourceRecord, ...]:
    path = path or sources_path()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = SourceRecord.__dataclass_fields__
    try:
        return tuple(SourceRecord(**{name: row[name] for name in fields}) for row in rows)
    except KeyError as error:
        raise SpeechDemoError(f"{path}: missing column {error}") from None


def git_blob_sha1(data: bytes) -> str:
    """The id git gives a file's content (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data: bytes = response.read()
            return data
    except OSError as error:
        raise SpeechDemoError(
            f"could not download {url}: {error}. Without network access, pass a local copy with --source DIR"
        ) from error


def _flac_to_wav(data: bytes, name: str) -> bytes:
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise SpeechDemoError(f"{name}: the download is not a readable FLAC ({error})") from None
    out = io.BytesIO()
    soundfile.write(out, samples, rate, subtype="PCM_16", format="WAV")
    return out.getvalue()


def fetch_recordings(
    source: Path | None,
    into: Path,
    records: Sequence[SourceRecord],
    *,
    base_url: str = DOWNLOAD_BASE,
    download: Callable[[str], bytes] = _download,
) -> None:
    """Put every recording into ``into``, each checked against its sha256."""
    into.mkdir(parents=True, exist_ok=True)
    for record in records:
        target = into / record.file
        if source is not None:
            origin = Path(source) / record.file
            if not origin.is_file():
                raise SpeechDemoError(f"{origin}: missing from the source directory")
            shutil.copyfile(origin, target)
            where = str(origin)
        else:
            url = record.url(base_url)
            data = download(url)
            if git_blob_sha1(data) != record.git_blob_sha1:
                raise SpeechDemoError(f"{url}: the download does not match git blob {record.git_blob_sha1}")
            if record.download_format == "flac":
                data = _flac_to_wav(data, record.file)
            target.write_bytes(data)
            where = url
        if file_sha256(target) != record.sha256:
            raise SpeechDemoError(f"{where}: sha256 differs from {record.sha256} ({record.file})")


@dataclass(frozen=True)
class InstallResult:
    dest: Path
    changed: bool  # False when a verified corpus with the same settings was already there
    n_degraded: int
    n_references: int


def _settings(files_per_condition: int, seed: int) -> dict[str, Any]:
    from jasco.quality import demo_labels
    from jasco.quality.demo_corpus import CONDITIONS

    return {
        "files_per_condition": files_per_condition,
        "seed": seed,
        "labels_version": demo_labels.LABELS_VERSION,
        "conditions": {str(c.con): c.description for c in CONDITIONS},
    }


def install_speech_demo(
    source: Path | None,
    dest: Path,
    *,
    files_per_condition: int = DEFAULT_FILES_PER_CONDITION,
    seed: int = 0,
    force: bool = False,
    records: Sequence[SourceRecord] | None = None,
    base_url: str = DOWNLOAD_BASE,
    download: Callable[[str], bytes] = _download,
) -> InstallResult:
    from jasco import __version__
    from jasco.core.swap import mark_verified, recover, staged_install, swap_into_place
    from jasco.quality.demo_corpus import CorpusError, build_demo_corpus

    records = tuple(records) if records is not None else load_sources()
    if not 1 <= files_per_condition <= len(records):
        raise SpeechDemoError(f"files_per_condition must lie in 1-{len(records)} (one recording per file), "
                              f"got {files_per_condition}")
    dest = Path(dest).expanduser().resolve()
    recover(dest)  # an earlier install killed mid-way: finish or undo its swap, remove its staging copy
    settings = _settings(files_per_condition, seed)
    if dest.exists() and not force and any(dest.iterdir()):
        problems = verify_speech_demo(dest, records)
        if problems:
            raise SpeechDemoError(
                f"{dest} exists but does not verify ({problems[0]}); rerun with --force to replace it"
            )
        built = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
        if built.get("settings") != settings:
            raise SpeechDemoError(f"{dest} was built with other settings; rerun with --force to rebuild it")
        return InstallResult(dest, False, built["n_degraded"], built["n_references"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with staged_install(dest) as work:
        staging = work / "staging"
        clean = staging / CLEAN_DIR
        fetch_recordings(source, clean, records, base_url=base_url, download=download)
        shutil.copyfile(sources_path().with_name("ATTRIBUTION.txt"), clean / "ATTRIBUTION.txt")
        shutil.copyfile(sources_path(), clean / "SOURCES.csv")
        try:
            build = build_demo_corpus(
                [clean / r.file for r in records], staging, source_labels=[r.original_corpus for r in records],
                files_per_condition=files_per_condition, seed=seed,
            )
        except CorpusError as error:
            raise SpeechDemoError(str(error)) from None
        files = {p.relative_to(staging).as_posix(): file_sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        manifest = {
            "dataset": DATASET, "jasco_version": __version__, "settings": settings,
            "n_degraded": build.n_degraded, "n_references": build.n_references,
            "packages": package_versions(("numpy", "scipy", "soundfile", "soxr")),
            "licence": "per recording, see clean/ATTRIBUTION.txt and clean/SOURCES.csv; labels are synthetic",
            "files": files,
        }
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        mark_verified(work)
        swap_into_place(work, dest)  # a kill at any moment is settled by the next install or verify
    return InstallResult(dest, True, build.n_degraded, build.n_references)


def verify_speech_demo(dest: Path, records: Sequence[SourceRecord] | None = None) -> list[str]:
    """Every problem with an installed speech-demo dataset, one line each; [] when it verifies."""
    import soundfile

    from jasco.quality.demo_corpus import CSV_NAME, CorpusError, read_corpus_csv

    dest = Path(dest)
    manifest_path = dest / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing (not a speech-demo install)"]
    try:
        listed: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as error:
        return [f"{manifest_path}: unreadable ({error})"]
    problems = []
    for record in records if records is not None else load_sources():
        path = dest / CLEAN_DIR / record.file
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif file_sha256(path) != record.sha256:
            problems.append(f"{path}: sha256 differs from the pinned source ({record.sha256})")
    present = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()} - {MANIFEST_NAME}
    problems += [f"{dest / name}: missing" for name in sorted(set(listed) - present)]
    problems += [f"{dest / name}: unexpected file" for name in sorted(present - set(listed))]
    problems += [f"{dest / name}: altered (sha256 differs)" for name in sorted(set(listed) & present)
                 if file_sha256(dest / name) != listed[name]]
    if problems:
        return problems
    try:
        rows = read_corpus_csv(dest / CSV_NAME)
    except (CorpusError, OSError) as error:
        return [str(error)]
    for number, row in enumerate(rows, start=2):
        for column in ("filepath_deg", "filepath_ref"):
            path = dest / row[column]
            try:
                soundfile.info(str(path))
            except (RuntimeError, soundfile.LibsndfileError) as error:
                problems.append(f"{dest / CSV_NAME}:{number}: {column} {row[column]} does not decode ({error})")
    return problems
