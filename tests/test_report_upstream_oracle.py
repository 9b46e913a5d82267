"""On judge outputs that parse cleanly, the report equals upstream eval.py stats()'s formulas.

The oracle below is written from the formulas in upstream evaluation/eval.py stats() (read, not
copied): it detects labels with the same substring tests on "Orientation: <label>" and reads the
score as "is there a 0/1/2 on the Rating line", groups rows by id, takes each clip's max of
(score if the label is Good else 0), and divides each label count by the A+S+G count.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from jasco.report.build import build_report
from tests.report_helpers import judge_text, write_csv

LABELS = ["Audio-Oriented", "Both", "Speech-Oriented", "Neither"]


def upstream_stats_oracle(rows: list[dict[str, str]]) -> tuple[float, float, float, float]:
    """(best-mean, audio share, both share, speech share) as upstream's stats() computes them."""
    by_clip: dict[str, list[int]] = {}
    orientations: list[str] = []
    for row in rows:
        response = row["llama3_extract"]
        if "Orientation: Neither" in response:
            orientation = "N"
        elif "Orientation: Audio-Oriented" in response:
            orientation = "A"
        elif "Orientation: Speech-Oriented" in response:
            orientation = "S"
        elif "Orientation: Good" in response or "Orientation: Both" in response:
            orientation = "G"
        else:
            raise AssertionError("the oracle only covers cleanly parsing outputs")
        orientations.append(orientation)
        score = 0
        for line in response.split("\n"):
            if "Rating: " in line:
                score = next((value for value in (0, 1, 2) if str(value) in line), 0)
        by_clip.setdefault(row["id"], []).append(score if orientation == "G" else 0)
    best = [max(scores) for scores in by_clip.values()]
    n_a, n_s, n_g = orientations.count("A"), orientations.count("S"), orientations.count("G")
    total = len(orientations)
    denominator = n_a / total + n_s / total + n_g / total
    return (sum(best) / len(best), n_a / total / denominator, n_g / total / denominator, n_s / total / denominator)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_report_equals_upstream_stats(tmp_path: Path, upstream_dir: Path, seed: int) -> None:
    """Upstream's own example.csv (640 rows, {data_folder} audio paths) plus random clean judge texts."""
    rng = random.Random(seed)
    with open(upstream_dir / "evaluation" / "example.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 640
    for row in rows:
        rating, label = str(rng.choice([0, 1, 2])), rng.choice(LABELS)
        row["llama3_extract"] = judge_text(rating, label, upstream=rng.random() < 0.5)
    path = write_csv(tmp_path / f"judged{seed}.csv", rows)
    report = build_report([path], model="m", judge="j", n_boot=10, data_dir=upstream_dir)
    assert all(clip["audio_exists"] for clip in report["explorer"])  # {data_folder} -> the dataset
    (entry,) = report["results"]
    best_mean, audio, both, speech = upstream_stats_oracle(rows)
    assert entry["n_scored"] == 640 and entry["n_unscored"] == 0 and entry["n_clips"] == 80
    assert entry["best_mean"] == pytest.approx(best_mean, abs=1e-12)
    assert entry["dependence"] == pytest.approx({"audio": audio, "both": both, "speech": speech}, abs=1e-12)
    (average,) = report["averages"]
    assert average["best_mean"] == pytest.approx(best_mean, abs=1e-12)
