"""The predictors as models, end to end: `jasco run --task speech-quality --model signal,dnsmos,distillmos`
on the demo corpus (the session's one scoring, ``quality_helpers.demo_run``), what each reports, the
report, and a rerun that asks the predictors nothing."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from tests.quality_helpers import DEMO_FAMILIES, DEMO_FILES_PER_CONDITION, PREDICTORS, demo_run

N_FILES = 34 * DEMO_FILES_PER_CONDITION
DIMENSIONS = {"signal": ["mos", "noi", "col", "dis", "loud"], "dnsmos": ["mos"], "distillmos": ["mos"]}


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run() -> object:
    got = demo_run()
    assert got.exit_code == 0, got.stderr[-3000:]
    return got


def test_predictors_answer_with_numbers_each_file_scored_once(run: object) -> None:
    out: Path = run.out  # type: ignore[attr-defined]
    items = _read(out / "items.csv")
    assert len(items) == N_FILES * len(DEMO_FAMILIES) and {row["db"] for row in items} == {"DEMO_SIM"}
    for predictor in PREDICTORS:
        answers = _read(out / "answers" / f"{predictor}.csv")
        assert [row["id"] for row in answers] == [row["id"] for row in items]
        assert all(row["answer"] == "" and row["infer_error"] == "" for row in answers)  # numbers, no text
        by_file: dict[str, set[str]] = {}
        for row in answers:
            by_file.setdefault(row["file"], set()).add(row["answer_values"])
        assert len(by_file) == N_FILES and all(len(values) == 1 for values in by_file.values())  # one scoring each
        predicted = [q for q in ("mos", "noi", "col", "dis", "loud") if q in json.loads(answers[0]["answer_values"])]
        assert predicted == DIMENSIONS[predictor]
        scored = _read(out / "scored" / f"{predictor}.csv")
        assert len(scored) == N_FILES * len(DIMENSIONS[predictor])
        assert {(row["family"], row["status"], row["score_mode"]) for row in scored} == {
            ("predictor", "predicted", "values")}


def test_the_report_has_every_dimension_each_predictor_predicts(run: object) -> None:
    out: Path = run.out  # type: ignore[attr-defined]
    report = json.loads((out / "report.json").read_text())
    got = {(entry["model"], entry["dimension"]): entry for entry in report["results"]}
    assert sorted(got) == sorted((p, d) for p in PREDICTORS for d in DIMENSIONS[p])
    for entry in got.values():
        assert (entry["n"], entry["n_total"], entry["family"], entry["flagged"]) == (N_FILES, N_FILES, "predictor",
                                                                                     False)
        assert entry["per_condition"]["n_conditions"] == 34 and entry["ci"]["pearson"][0] < entry["pearson"]
    assert {plot["model"] for plot in report["scatter"]} == set(PREDICTORS)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('<figure class="sq-scatter"') == 7 and "Published reference results" in page
    text = (out / "report.txt").read_text(encoding="utf-8")
    assert re.search(rf"^signal\s+predictor\s+loud\s+{N_FILES}/{N_FILES}\s", text, re.MULTILINE), text
    manifest = json.loads((out / "run.manifest.json").read_text())
    assert manifest["arguments"]["infer_options"] == {"workers": 2}
    answers_manifest = json.loads((out / "answers" / "dnsmos.csv.manifest.json").read_text())
    assert answers_manifest["packages"]["speechmos"] == "0.0.1.1" and "onnxruntime" in answers_manifest["packages"]
    assert answers_manifest["adapter"]["backend"] == "quality-pool"
    from jasco.tasks.speech_quality.bank import load_bank
    from jasco.tasks.speech_quality.scale import load_scale

    assert answers_manifest["prompt_hashes"] == {"bank_sha256": load_bank().sha256, "scale_sha256": load_scale().sha256}


def test_a_rerun_resumes_from_the_store_and_asks_no_predictor(run: object, tmp_path: Path) -> None:
    import shutil

    out: Path = run.out  # type: ignore[attr-defined]
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    (copy / "answers" / "dnsmos.csv.stage.json").unlink()  # the infer stage of dnsmos must run again
    families = [arg for family in DEMO_FAMILIES for arg in ("--task-option", f"families={family}")]
    result = CliRunner().invoke(cli, [
        "run", "--task", "speech-quality", "--data-dir", str(run.corpus), "--split", "DEMO_SIM",  # type: ignore[attr-defined]
        *families, "--model", ",".join(PREDICTORS), "--workers", "2", "--bootstrap", "200", "--out", str(copy),
        "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"[infer] dnsmos: 0 generated, {N_FILES * len(DEMO_FAMILIES)} from store, 0 errors" in result.output
    for predictor in ("signal", "distillmos"):  # stamped up to date, or (paths moved with the copy) all from store
        assert re.search(rf"\[infer\] {predictor}: (up to date, skipped|0 generated, {N_FILES * len(DEMO_FAMILIES)} "
                         r"from store, 0 errors)", result.output), result.output
    assert _read(copy / "answers" / "dnsmos.csv") == _read(out / "answers" / "dnsmos.csv")


def test_a_predictor_refuses_a_reference_audio_and_a_model_id(tmp_path: Path) -> None:
    from jasco.models.base import ModelOptionError, build_model

    with pytest.raises(ModelOptionError, match=r"model 'dnsmos': dnsmos has one model.*--model-id does not apply"):
        build_model("dnsmos", {"model_id": "x"})
    assert build_model("signal", {"workers": 1}).max_audios == 1  # single-ended: --with-reference is refused
    result = CliRunner().invoke(cli, ["infer", "--task", "speech-quality", "--model", "signal", "--with-reference",
                                      "--data-dir", str(demo_run().corpus), "--split", "DEMO_SIM",
                                      "--out", str(tmp_path / "a.csv")])
    assert result.exit_code == 2 and "takes at most 1 audio input(s) per request and these items have 2" in (
        result.output) and "Traceback" not in result.output
