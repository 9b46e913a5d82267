"""The three predictors on real speech: MOS falls with noise, each signal dimension tracks its
degradation, and MOS ranks the demo corpus like its labels (Spearman >= 0.6). The demo corpus is
scored once per session, through `jasco run` (``quality_helpers.demo_run``), and read here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from jasco.quality import degrade
from jasco.quality.runner import FileOutcome
from tests.quality_helpers import DEMO_FILES_PER_CONDITION, PREDICTORS, clean_speech, demo_run, shared_pool, write_wav

NOISY = ("vctk_p287_005.wav", "libri_1088-129236-0000.wav")


def _run(paths: list[Path], predictors: tuple[str, ...] = PREDICTORS) -> list[FileOutcome]:
    outcomes: list[FileOutcome] = shared_pool().run(paths, predictors=predictors)  # type: ignore[attr-defined]
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
    outcomes = _run([write_wav(tmp_path / f"{name}.wav", x) for name, x in cases.items()], ("signal",))
    values = {name: o.prediction("signal").values for name, o in zip(cases, outcomes, strict=True)}
    moved = {"noise": "noi", "dropouts": "dis", "lowpass": "col", "clipping": "col", "quiet": "loud"}
    for case, dimension in moved.items():
        assert values[case][dimension] < values["clean"][dimension] - 0.4, (case, values[case])
        assert values[case]["mos"] < values["clean"]["mos"] - 0.4, (case, values[case])
        for other in {"noi", "col", "dis", "loud"} - {dimension}:
            assert values[case][other] > values["clean"][other] - 0.2, (case, other, values[case])


def _demo_mos(predictor: str) -> tuple[list[float], list[float]]:
    """(labels, predicted MOS) per file of the session's one scoring of the demo corpus (its mos items)."""
    run = demo_run()
    assert run.exit_code == 0, run.stderr[-3000:]
    rows = [row for row in run.answers(predictor) if row["family"] == "mos"]
    assert len(rows) == 34 * DEMO_FILES_PER_CONDITION and all(row["answer_values"] for row in rows)
    return [float(row["label_mos"]) for row in rows], [json.loads(row["answer_values"])["mos"] for row in rows]


@pytest.mark.parametrize("predictor", PREDICTORS)
def test_mos_ranks_the_demo_corpus_like_its_labels(predictor: str) -> None:
    labels, predicted = _demo_mos(predictor)
    rho = spearmanr(predicted, labels).statistic
    assert rho >= 0.6, f"{predictor}: Spearman {rho:.3f}"


def test_outcomes_name_the_package_versions() -> None:
    run = demo_run()
    manifests = {p: json.loads((run.out / "answers" / f"{p}.csv.manifest.json").read_text()) for p in PREDICTORS}
    versions = {p: " ".join(m["adapter"]["reported_versions"]) for p, m in manifests.items()}
    assert "speechmos 0.0.1.1" in versions["dnsmos"] and "onnxruntime" in versions["dnsmos"]
    assert "distillmos 0.9.1" in versions["distillmos"] and "torch" in versions["distillmos"]
    assert "signal-mapping-v1" in versions["signal"] and "pyloudnorm" in versions["signal"]
    assert all(m["adapter"]["revision"] == versions[p] for p, m in manifests.items())  # in the store keys too
    values = json.loads(run.answers("dnsmos")[0]["answer_values"])
    assert {"mos", "sig", "bak", "p808"} <= set(values)


def test_the_calling_process_never_imports_numba_onnxruntime_or_torch() -> None:
    """`jasco run` scored the demo corpus with all three predictors, DNSMOS (librosa, numba, onnxruntime) and
    Distill-MOS (torch) included, in spawned workers: its own process imported none of them."""
    run = demo_run()
    assert run.exit_code == 0, run.stderr[-3000:]
    assert run.heavy_modules == []
