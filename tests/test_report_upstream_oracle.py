"""On judge outputs that parse cleanly, the report equals upstream eval.py stats()'s formulas.

The oracle below is written from the formulas in upstream evaluation/eval.py stats() (read, not
copied): it detects labels with the same substring tests on "Orientation: <label>" and reads the
score as "is there a 0/1/2 on the Rating line", groups rows by id, takes each clip's max of
(score if the label is Good else 0), and divides each label count by the A+S+G count.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from report_helpers import example_row, judge_text, write_csv

from jasco.report.build import build_report

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
    rng = random.Random(seed)
    rows = []
    for clip in range(1, 81):
        for variant in range(1, 9):
            rating, label = str(rng.choice([0, 1, 2])), rng.choice(LABELS)
            rows.append({**example_row(upstream_dir, clip, variant),
                         "llama3_extract": judge_text(rating, label, upstream=rng.random() < 0.5)})
    path = write_csv(tmp_path / f"judged{seed}.csv", rows)
    report = build_report([path], model="m", judge="j", n_boot=10)
    (entry,) = report["results"]
    best_mean, audio, both, speech = upstream_stats_oracle(rows)
    assert entry["n_scored"] == 640 and entry["n_unscored"] == 0 and entry["n_clips"] == 80
    assert entry["best_mean"] == pytest.approx(best_mean, abs=1e-12)
    assert entry["dependence"] == pytest.approx({"audio": audio, "both": both, "speech": speech}, abs=1e-12)
    (average,) = report["averages"]
    assert average["best_mean"] == pytest.approx(best_mean, abs=1e-12)
