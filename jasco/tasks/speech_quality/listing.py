"""The official NISQA corpus file list (committed in ``dataset/``) and the check of an installed copy.

``dataset/nisqa-corpus.json`` holds the split sizes and the sha256 of the sorted list of the
14,432 degraded files in ``dataset/nisqa-corpus.deg-files.txt.gz`` (gzip, mtime 0, so the bytes
are stable). Both were derived by ``build_listing`` from ``NISQA_corpus_mos.csv`` (the corpus file
list with per-file MOS published in ConferencingSpeech/ConferencingSpeech2022 @ 2666a2dd); no
ratings are committed. ``verify_corpus`` compares an installed corpus with the list: the table's
columns, every listed degraded file in the table and on disk, no unlisted rows, the split sizes,
and that every degraded and reference wav decodes (a header check).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jasco.core.paths import resource_dir
from jasco.tasks.speech_quality.corpus import CORPUS_CSV, CorpusError, read_table
from jasco.tasks.speech_quality.wavcheck import wav_problem

LISTING_JSON = "nisqa-corpus.json"
LISTING_FILES = "nisqa-corpus.deg-files.txt.gz"


@dataclass(frozen=True)
class Listing:
    files: tuple[str, ...]  # degraded files, relative to the corpus root, sorted
    source: str = ""

    @property
    def splits(self) -> dict[str, int]:
        return dict(sorted(Counter(path.split("/", 1)[0] for path in self.files).items()))

    def text(self) -> str:
        return "".join(f"{path}\n" for path in self.files)

    def sha256(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()


def build_listing(mos_csv: str | Path, source: str = "") -> Listing:
    """The degraded files of a corpus list with a ``filepath_deg`` column (e.g. NISQA_corpus_mos.csv)."""
    import pandas as pd

    table = pd.read_csv(mos_csv, dtype=str, keep_default_na=False)
    if "filepath_deg" not in table.columns:
        raise CorpusError(f"{mos_csv}: no filepath_deg column")
    files = sorted(table["filepath_deg"].str.replace("\\", "/", regex=False))
    if len(set(files)) != len(files):
        raise CorpusError(f"{mos_csv}: filepath_deg repeats")
    return Listing(tuple(files), source)


def write_listing(listing: Listing, directory: str | Path) -> None:
    directory = Path(directory)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(listing.text().encode("utf-8"))
    (directory / LISTING_FILES).write_bytes(buffer.getvalue())
    summary = {"corpus": "NISQA Corpus (Zenodo record 4728081, NISQA_Corpus.zip)", "derived_from": listing.source,
               "n_files": len(listing.files), "splits": listing.splits, "files": LISTING_FILES,
               "files_sha256": listing.sha256()}
    (directory / LISTING_JSON).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def load_listing(directory: str | Path | None = None) -> Listing:
    """The committed list, checked against its recorded sha256 and split sizes."""
    directory = Path(directory) if directory else resource_dir("dataset")
    summary = json.loads((directory / LISTING_JSON).read_text("utf-8"))
    text = gzip.decompress((directory / summary["files"]).read_bytes()).decode("utf-8")
    listing = Listing(tuple(text.splitlines()), str(summary.get("derived_from", "")))
    if listing.sha256() != summary["files_sha256"] or listing.splits != summary["splits"]:
        raise CorpusError(f"{directory / summary['files']} does not match {directory / LISTING_JSON}")
    return listing


def verify_corpus(root: str | Path, listing: Listing | None = None, check_audio: bool = True) -> list[str]:
    """Every problem of the corpus at ``root`` against ``listing`` (default: the official list); [] if none."""
    listing = listing or load_listing()
    root = Path(root)
    try:
        table = read_table(root)
    except CorpusError as error:
        return [str(error)]
    csv = root / CORPUS_CSV
    in_table = list(table["filepath_deg"].str.replace("\\", "/", regex=False))
    listed = set(listing.files)
    problems = [f"{csv}: {path} is listed but has no row" for path in sorted(listed - set(in_table))]
    problems += [f"{csv}: row {i + 2}: {path} is not in the official list"
                 for i, path in enumerate(in_table) if path not in listed]
    first_row: dict[str, int] = {}
    for i, path in enumerate(in_table):
        if path in first_row:
            problems.append(f"{csv}: row {i + 2}: {path} repeats row {first_row[path]}")
        first_row.setdefault(path, i + 2)
    sizes = dict(sorted(Counter(table["db"]).items()))
    if sizes != listing.splits:
        problems.append(f"{csv}: split sizes {sizes} differ from the official {listing.splits}")
    if check_audio:
        for path in listing.files:
            problem = wav_problem(root / path)
            if problem:
                problems.append(f"{root / path}: {problem}")
        for path in sorted({p.replace("\\", "/") for p in table["filepath_ref"] if p.strip()}):
            problem = wav_problem(root / path)
            if problem:
                problems.append(f"{root / path}: {problem} (a reference file)")
    return problems
