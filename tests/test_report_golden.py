"""Golden tests: hand-built judged files whose numbers are worked out by hand in tests/data/report/golden.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from jasco.report.build import build_report
from tests.report_helpers import golden, ours_rows, upstream_rows, write_csv, write_golden

EXPECTED = golden()["expected"]


@pytest.fixture(scope="module")
def golden_report(tmp_path_factory: pytest.TempPathFactory, upstream_dir: Path) -> dict:
    folder = tmp_path_factory.mktemp("golden")
    files = write_golden(upstream_dir, folder)
    return build_report(files, model="B", judge="X", n_boot=200, seed=7)


def _result(report: dict, key: str) -> dict:
    model, judge = key.split("/")
    (entry,) = [r for r in report["results"] if r["model"] == model and r["judge"] == judge]
    return entry


@pytest.mark.parametrize("key", sorted(EXPECTED["results"]))
def test_results_match_hand_arithmetic(golden_report: dict, key: str) -> None:
    entry = _result(golden_report, key)
    for name, value in EXPECTED["results"][key].items():
        if name == "dependence":
            assert entry[name] == pytest.approx(value), name
        else:
            assert entry[name] == pytest.approx(value), name


def test_averages_match_hand_arithmetic(golden_report: dict) -> None:
    averages = {a["model"]: a for a in golden_report["averages"]}
    assert sorted(averages) == ["A", "B"]
    for model, expected in EXPECTED["averages"].items():
        assert averages[model]["best_mean"] == pytest.approx(expected["best_mean"])
        assert averages[model]["dependence"] == pytest.approx(expected["dependence"])
    assert averages["A"]["judges"] == ["X", "Y"] and averages["B"]["judges"] == ["X"]


def test_paired_difference(golden_report: dict) -> None:
    (entry,) = [c for c in golden_report["paired"] if c["judge"] == "X"]
    assert (entry["model_a"], entry["model_b"]) == ("A", "B")
    assert entry["n_clips"] == EXPECTED["paired_A_B_X"]["n_clips"]
    assert entry["difference"] == pytest.approx(EXPECTED["paired_A_B_X"]["difference"])
    # per-clip differences are +1, -1 and -2: every resample's mean lies in [-2, 1]
    assert -2.0 <= entry["ci"][0] <= entry["difference"] <= entry["ci"][1] <= 1.0
    assert not [c for c in golden_report["paired"] if c["judge"] == "average"]  # B has one judge only


def test_variants(golden_report: dict) -> None:
    (pair,) = [p for p in golden_report["variants"]["per_pair"] if (p["model"], p["judge"]) == ("A", "X")]
    by_variant = {str(v["variant"]): v for v in pair["variants"]}
    for key, expected in EXPECTED["variants_A_X"].items():
        got = pair["by_first"][key] if key == "speech" else by_variant[key]
        for name, value in expected.items():
            assert got[name] == pytest.approx(value), (key, name)
    assert by_variant["4"]["n_scored"] == 0 and by_variant["4"]["mean_rating"] is None  # no rows: null, not 0
    assert pair["by_first"]["audio"]["mean_score"] == pytest.approx(1.0)  # only v1 among audio-first


def test_agreement(golden_report: dict) -> None:
    agreement, expected = golden_report["agreement"], EXPECTED["agreement"]
    assert agreement["fleiss_kappa_orientation"]["value"] == pytest.approx(expected["fleiss_kappa_orientation"])
    assert agreement["fleiss_kappa_orientation"]["n_items"] == expected["fleiss_items"]
    assert agreement["krippendorff_alpha_rating"]["value"] == pytest.approx(expected["krippendorff_alpha_rating"])
    (pair,) = agreement["cohen_kappa"]
    assert pair["kappa_orientation"] == pytest.approx(expected["cohen_kappa_orientation"])
    assert pair["kappa_rating"] == pytest.approx(expected["cohen_kappa_rating"])
    rates = {j["judge"]: j["unscored_rate"] for j in agreement["judges"]}
    assert rates == pytest.approx(expected["unscored_rate"])


def test_bootstrap_is_seeded_and_recorded(golden_report: dict, tmp_path: Path, upstream_dir: Path) -> None:
    assert golden_report["bootstrap"]["seed"] == 7 and golden_report["bootstrap"]["n_boot"] == 200
    files = write_golden(upstream_dir, tmp_path)
    again = build_report(files, model="B", judge="X", n_boot=200, seed=7)
    other = build_report(files, model="B", judge="X", n_boot=200, seed=8)
    assert again["results"] == golden_report["results"]
    assert [r["best_mean_ci"] for r in other["results"]] != [r["best_mean_ci"] for r in golden_report["results"]]
    for entry in golden_report["results"]:
        lo, hi = entry["best_mean_ci"]
        assert 0.0 <= lo <= hi <= 2.0


def test_upstream_format_gives_the_same_numbers(tmp_path: Path, upstream_dir: Path) -> None:
    spec = golden()["files"][0]  # A/X, with unscored rows
    path = write_csv(tmp_path / "llama3.1_70B.csv", upstream_rows(upstream_dir, spec["rows"]))
    report = build_report([path], model="A", n_boot=50)
    (entry,) = report["results"]
    assert (entry["model"], entry["judge"]) == ("A", "llama3.1_70B")  # judge from the file name
    for name, value in EXPECTED["results"]["A/X"].items():
        assert entry[name] == pytest.approx(value), name
    assert report["inputs"]["files"][0]["format"] == "upstream"


def test_paired_difference_averaged_over_judges(tmp_path: Path, upstream_dir: Path) -> None:
    """A (X, Y) from golden.json against B with judges X (golden B_X) and Y (A_Y's rows, clip 1 v1 rated 0).

    Per-clip best: A/X 2, 1, 0 (clip 3 all unscored: 0) ; A/Y 2, 2, 0 -> A's mean over judges 2, 1.5, 0.
    B/X 1, 2, 2 ; B/Y 1 (v1 now 0, v3 Both 1), 2, 0 -> B's mean 1, 2, 1.
    Clips 1, 2, 3: differences 2 - 1 = 1, 1.5 - 2 = -0.5, 0 - 1 = -1 -> mean -1/6."""
    spec = {f["name"]: f for f in golden()["files"]}
    b_y = ["1 1 0 B ok", *spec["A_Y.csv"]["rows"][1:]]
    files = [
        write_csv(tmp_path / "A_X.csv", ours_rows(upstream_dir, spec["A_X.csv"]["rows"], {"model": "A", "judge": "X"})),
        write_csv(tmp_path / "A_Y.csv", ours_rows(upstream_dir, spec["A_Y.csv"]["rows"], {"model": "A", "judge": "Y"})),
        write_csv(tmp_path / "B_X.csv", ours_rows(upstream_dir, spec["B_X.csv"]["rows"], {"model": "B", "judge": "X"})),
        write_csv(tmp_path / "B_Y.csv", ours_rows(upstream_dir, b_y, {"model": "B", "judge": "Y"})),
    ]
    report = build_report(files, n_boot=300, seed=1)
    (average,) = [c for c in report["paired"] if c["judge"] == "average"]
    assert average["n_clips"] == 3 and average["difference"] == pytest.approx(-1 / 6)
    assert -1.0 <= average["ci"][0] <= -1 / 6 <= average["ci"][1] <= 1.0
    (per_y,) = [c for c in report["paired"] if c["judge"] == "Y"]
    assert per_y["n_clips"] == 3 and per_y["difference"] == pytest.approx((2 - 1) / 3)  # clip 1: 2 vs 1
