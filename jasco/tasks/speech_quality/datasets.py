"""The speech-quality datasets as registered ``Dataset``s: ``nisqa`` and ``speech-demo``.

- ``nisqa``: the NISQA corpus (Zenodo record 4728081, about 16 GB; largely non-commercial, see
  ``NISQA_LICENSE.txt`` where it lands), installed by ``install.install_nisqa`` from its official
  archive or a ``--source DIR|ZIP`` and checked by ``listing.verify_corpus`` against the committed
  file list. It lands in ``$JASCO_NISQA_DIR`` if set, else ``~/.cache/jasco/nisqa-corpus``.
- ``speech-demo``: a NISQA-layout corpus anyone can build offline: 23 real clean read-speech
  recordings from pinned public sources (``dataset/speech-demo/sources.csv``; ``--source DIR``
  with those files, e.g. ``../shared/speech/clean``) with degradations made in code and synthetic
  labels (``jasco.quality.speech_demo``). It lands in ``$JASCO_SPEECH_DEMO_DIR`` if set, else
  ``~/.cache/jasco/speech-demo-v1``.

Both are read by the speech-quality task (and ALLD) through ``corpus.read_corpus``.
"""

from __future__ import annotations

from pathlib import Path

from jasco.core.paths import dataset_dir
from jasco.tasks.datasets import DatasetError, FetchResult, VerifyResult
from jasco.tasks.options import TaskOption

SPEECH_DEMO_ENV = "JASCO_SPEECH_DEMO_DIR"
SPEECH_DEMO_DIR = "speech-demo-v1"


class NisqaDataset:
    name = "nisqa"
    fetch_options: tuple[TaskOption, ...] = ()
    summary = "the NISQA corpus (Zenodo 4728081): 14,432 degraded files with human MOS and dimensions"
    licence = "largely non-commercial research use, per source (NISQA_LICENSE.txt in the installed corpus)"

    @property
    def default_source(self) -> str:
        from jasco.tasks.speech_quality.install import ARCHIVE_URL

        return ARCHIVE_URL

    def default_dir(self) -> Path:
        from jasco.tasks.speech_quality.install import default_nisqa_dir

        return default_nisqa_dir()

    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False) -> FetchResult:
        from jasco.tasks.speech_quality.install import InstallError, install_nisqa

        try:
            result = install_nisqa(dest, source, force=force)
        except InstallError as error:
            raise DatasetError(str(error)) from None
        return FetchResult(result.dest, result.changed, result.n_files)

    def verify(self, root: Path) -> VerifyResult:
        from jasco.core.swap import recover
        from jasco.tasks.speech_quality.listing import load_listing, verify_corpus

        recover(Path(root))  # an install killed mid-swap: finish or undo it before checking

        listing = load_listing()
        return VerifyResult(Path(root), len(listing.files), verify_corpus(root, listing))


class SpeechDemoDataset:
    name = "speech-demo"
    summary = "23 real clean recordings (CMU ARCTIC, VCTK, LJSpeech, LibriSpeech) with synthetic degradations"
    licence = "per recording (clean/ATTRIBUTION.txt, clean/SOURCES.csv in the install); labels are synthetic"
    default_source = None  # each recording from its pinned public URL; --source DIR for local copies

    def default_dir(self) -> Path:
        return dataset_dir(SPEECH_DEMO_DIR, SPEECH_DEMO_ENV)

    @property
    def fetch_options(self) -> tuple[TaskOption, ...]:
        from jasco.quality.demo_corpus import DEFAULT_FILES_PER_CONDITION

        return (
            TaskOption("files_per_condition", "degraded files per condition (1 to the 23 recordings)", "int",
                       DEFAULT_FILES_PER_CONDITION),
            TaskOption("seed", "which recordings each condition uses, and each file's noise", "int", 0),
        )

    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False,
              files_per_condition: int | None = None, seed: int = 0) -> FetchResult:
        from jasco.quality.demo_corpus import DEFAULT_FILES_PER_CONDITION
        from jasco.quality.speech_demo import SpeechDemoError, install_speech_demo

        if files_per_condition is None:
            files_per_condition = DEFAULT_FILES_PER_CONDITION
        try:
            result = install_speech_demo(Path(source).expanduser() if source else None, dest, force=force,
                                         files_per_condition=files_per_condition, seed=seed)
        except SpeechDemoError as error:
            raise DatasetError(str(error)) from None
        return FetchResult(result.dest, result.changed, _count_files(result.dest))

    def verify(self, root: Path) -> VerifyResult:
        from jasco.core.swap import recover
        from jasco.quality.speech_demo import verify_speech_demo

        recover(Path(root))  # an install killed mid-swap: finish or undo it before checking

        return VerifyResult(Path(root), _count_files(Path(root)), verify_speech_demo(Path(root)))


def nisqa_layout_dataset(root: Path) -> str | None:
    """Which registered dataset a directory in NISQA's layout is: ``speech-demo`` (its manifest),
    ``nisqa`` (installed by ``jasco data fetch --dataset nisqa``: the licence file it writes), or
    None: any other corpus in the layout (a part of NISQA, one built with
    ``jasco.quality.demo_corpus``, your own), which has no committed hashes and is checked row by
    row as it is read (``jasco.tasks.speech_quality.corpus``)."""
    from jasco.quality.speech_demo import MANIFEST_NAME
    from jasco.tasks.speech_quality.licence import LICENCE_FILE

    root = Path(root)
    if (root / MANIFEST_NAME).is_file():
        return "speech-demo"
    if (root / LICENCE_FILE).is_file():
        return "nisqa"
    return None


class NisqaLayoutData:
    """For a task that reads any corpus in NISQA's layout (``dataset_for``, see ``jasco.tasks.base``)."""

    def dataset_for(self, data_dir: Path) -> str | None:
        return nisqa_layout_dataset(data_dir)


def _count_files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.is_dir() else 0


NISQA = NisqaDataset()
SPEECH_DEMO = SpeechDemoDataset()
