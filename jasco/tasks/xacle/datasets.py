"""The XACLE datasets as registered ``Dataset``s: ``xacle`` (the challenge data) and ``xacle-demo``.

- ``xacle``: the official layout (``install.py`` says where the data comes from and that no
  licence is stated). ``jasco data fetch --dataset xacle`` downloads the 2027 development set
  (``install.DEV_SET_2027_URL``: train, validation and test with labels); ``--source DIR|ZIP|URL``
  installs another copy (the 2026 data the organisers send on request). The install checks the
  official pair counts, the columns and scores, and decodes every wav; it is atomic and
  idempotent. It lands in ``$JASCO_XACLE_DIR`` if set, else ``~/.cache/jasco/xacle``.
- ``xacle-demo``: the synthetic set ``demo.build_xacle_demo`` makes from the installed JASCO clips
  (``--source`` names the JASCO dataset directory; default: where ``jasco data fetch`` put it).
  It lands in ``$JASCO_XACLE_DEMO_DIR`` if set, else ``~/.cache/jasco/xacle-demo-v1``.

``verify`` re-checks either (the demo's counts come from its marker file) and names each problem.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
from pathlib import Path

from jasco.core.paths import dataset_dir
from jasco.tasks.datasets import DatasetError, FetchResult, VerifyResult
from jasco.tasks.options import TaskOption

XACLE_ENV = "JASCO_XACLE_DIR"
XACLE_DEMO_ENV = "JASCO_XACLE_DEMO_DIR"
DEMO_SEED = 0


def _count_files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.is_dir() else 0


def _verify(root: Path, demo: bool) -> VerifyResult:
    """verify_xacle's problems (each naming the file); a demo set must carry the demo marker."""
    from jasco.tasks.xacle.errors import XacleError
    from jasco.tasks.xacle.install import verify_xacle
    from jasco.tasks.xacle.layout import DEMO_MARKER

    root = Path(root)
    try:
        verification = verify_xacle(root)
    except XacleError as error:
        return VerifyResult(root, 0, [str(error)])
    problems = [f"{verification.root}: {problem}" for problem in verification.problems]
    if demo and not verification.synthetic:
        problems.append(f"{verification.root}: not the jasco XACLE demo (no {DEMO_MARKER})")
    return VerifyResult(root, _count_files(verification.root), problems)


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as error:
        raise DatasetError(f"could not download {url}: {error}. Without network access, pass a local copy "
                           "with --source DIR_OR_ZIP") from None


class XacleDataset:
    name = "xacle"
    fetch_options: tuple[TaskOption, ...] = ()
    summary = "XACLE text-audio alignment pairs (official layout; 2027 development set by default)"
    licence = ("none stated by the organisers: research use, no redistribution, training split for training only "
               "(jasco_install.json in the installed copy)")

    @property
    def default_source(self) -> str:
        from jasco.tasks.xacle.install import DEV_SET_2027_URL

        return DEV_SET_2027_URL

    def default_dir(self) -> Path:
        return dataset_dir("xacle", XACLE_ENV)

    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False) -> FetchResult:
        from jasco.tasks.xacle.errors import XacleError
        from jasco.tasks.xacle.install import install_xacle

        dest = Path(dest)
        source = source or self.default_source
        try:
            if source.startswith(("http://", "https://")):
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory(prefix=".xacle-download-", dir=dest.parent) as work:
                    archive = Path(work) / "xacle.zip"
                    _download(source, archive)
                    result = install_xacle(archive, dest, force=force, decode=True)
            else:
                result = install_xacle(Path(source).expanduser(), dest, force=force, decode=True)
        except XacleError as error:
            raise DatasetError(str(error)) from None
        return FetchResult(result.dest, result.changed, _count_files(result.root))

    def verify(self, root: Path) -> VerifyResult:
        return _verify(root, demo=False)


class XacleDemoDataset:
    name = "xacle-demo"
    fetch_options: tuple[TaskOption, ...] = ()
    summary = "240 synthetic XACLE-layout pairs from the 80 JASCO clips (own / partly wrong / other description)"
    licence = "CC BY-NC 4.0, the JASCO clips' (DATA_LICENSE.txt); labels by a documented rule, not by listeners"
    default_source = None  # built from the installed JASCO dataset; --source names its directory

    def default_dir(self) -> Path:
        return dataset_dir("xacle-demo-v1", XACLE_DEMO_ENV)

    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False) -> FetchResult:
        from jasco.tasks.datasets import get_dataset
        from jasco.tasks.xacle.demo import build_xacle_demo
        from jasco.tasks.xacle.errors import XacleError

        dest = Path(dest)
        if dest.is_dir() and any(dest.iterdir()) and not force:
            current = _verify(dest, demo=True)
            if not current.problems:
                return FetchResult(dest, False, current.n_files)
        jasco_dir = Path(source).expanduser() if source else get_dataset().default_dir()
        try:
            result = build_xacle_demo(jasco_dir, dest, seed=DEMO_SEED, force=force)
        except XacleError as error:
            raise DatasetError(f"{error} (the demo is built from the JASCO dataset: install it with "
                               "`jasco data fetch`, or pass its directory with --source DIR)") from None
        return FetchResult(result.dest, True, _count_files(result.root))

    def verify(self, root: Path) -> VerifyResult:
        return _verify(root, demo=True)


XACLE = XacleDataset()
XACLE_DEMO = XacleDemoDataset()
