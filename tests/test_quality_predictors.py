"""The three predictors on real speech: MOS falls with noise, each signal dimension tracks its
degradation, and MOS ranks the demo corpus like its labels (Spearman >= 0.6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from jasco.quality import degrade
from jasco.quality.demo_corpus import build_demo_corpus, read_corpus_csv
from jasco.quality.runner import FileOutcome
from tests.conftest import REPO
from tests.quality_helpers import clean_files, clean_speech, shared_pool, write_wav

PREDICTORS = ("signal", "dnsmos", "distillmos")
NOISY = ("vctk_p287_005.wav", "libri_1088-129236-0000.wav")


def _run(paths: list[Path]) -> list[FileOutcome]:
    outcomes: list[FileOutcome] = shared_pool().run(paths)  # type: ignore[attr-defined]
    assert all(o.status == "ok" for o in outcomes), [o.reason for o in outcomes]
    return outcomes


def test_every_predictor_mos_falls_as_noise_rises(tmp_path: Path) -> None:
    levels = (None, 30.0, 20.0, 10.0, 0.0)
    paths = []
    for name in NOISY:
        speech = clean_speech(name)
        for snr in levels:
            noisy = speech if snr is None else degrade.white(speech, snr, degrade.Context(np.random.default_rng(5)))
            paths.append(write_wav(tmp_path / f"{Path(name).stem}_{snr}.wav", noisy))
    outcomes = _run(paths)
    for predictor in PREDICTORS:
        mos = np.array([o.prediction(predictor).values["mos"] for o in outcomes]).reshape(len(NOISY), len(levels))
        mean = mos.mean(axis=0)
        assert np.all(np.diff(mean) < 0), (predictor, mean)
        assert mean[0] - mean[-1] > 1.0, (predictor, mean)


def test_each_signal_dimension_moves_with_its_degradation(tmp_path: Path) -> None:
    speech = clean_speech("arctic_aew_a0002.wav")
    context = degrade.Context(np.random.default_rng(2))
    cases = {
        "clean": speech,
        "noise": degrade.white(speech, 5.0, context),
        "dropouts": degrade.dropout(speech, 0.1, context),
        "lowpass": degrade.lowpass(speech, 3400.0, context),
        "clipping": degrade.clip(speech, 0.1, context),
        "quiet": degrade.gain(speech, -30.0, context),
    }
    outcomes = _run([write_wav(tmp_path / f"{name}.wav", x) for name, x in cases.items()])
    values = {name: o.prediction("signal").values for name, o in zip(cases, outcomes, strict=True)}
    moved = {"noise": "noi", "dropouts": "dis", "lowpass": "col", "clipping": "col", "quiet": "loud"}
    for case, dimension in moved.items():
        assert values[case][dimension] < values["clean"][dimension] - 0.4, (case, values[case])
        assert values[case]["mos"] < values["clean"]["mos"] - 0.4, (case, values[case])
        for other in {"noi", "col", "dis", "loud"} - {dimension}:
            assert values[case][other] > values["clean"][other] - 0.2, (case, other, values[case])


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], list[FileOutcome]]:
    root = tmp_path_factory.mktemp("demo")
    build_demo_corpus(clean_files(), root, files_per_condition=2, seed=0)
    rows = read_corpus_csv(root / "NISQA_corpus_file.csv")
    return rows, _run([root / row["filepath_deg"] for row in rows])


@pytest.mark.parametrize("predictor", PREDICTORS)
def test_mos_ranks_the_demo_corpus_like_its_labels(demo_corpus: tuple[list[dict[str, str]], list[FileOutcome]],
                                                   predictor: str) -> None:
    rows, outcomes = demo_corpus
    labels = [float(row["mos"]) for row in rows]
    predicted = [o.prediction(predictor).values["mos"] for o in outcomes]
    rho = spearmanr(predicted, labels).statistic
    assert rho >= 0.6, f"{predictor}: Spearman {rho:.3f}"


def test_outcomes_name_the_package_versions(demo_corpus: tuple[list[dict[str, str]], list[FileOutcome]]) -> None:
    outcome = demo_corpus[1][0]
    versions = {p.predictor: p.version for p in outcome.predictions}
    assert "speechmos 0.0.1.1" in versions["dnsmos"] and "onnxruntime" in versions["dnsmos"]
    assert "distillmos 0.9.1" in versions["distillmos"] and "torch" in versions["distillmos"]
    assert "signal-mapping-v1" in versions["signal"] and "pyloudnorm" in versions["signal"]
    assert {"sig", "bak", "p808"} <= set(outcome.prediction("dnsmos").values)


def test_the_calling_process_never_imports_numba_onnxruntime_or_torch(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "x.wav", clean_speech("arctic_awb_a0007.wav"))
    script = (
        "import sys\n"
        "from jasco.quality.runner import score_files\n"
        f"out = score_files([{str(path)!r}], ['signal', 'dnsmos'], workers=1)\n"
        "assert out[0].prediction('dnsmos').status == 'ok', out\n"
        "print(sorted(m for m in ('librosa', 'numba', 'onnxruntime', 'torch', 'speechmos') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=600,
                            env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
