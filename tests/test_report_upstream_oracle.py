"""The report equals upstream eval.py stats() wherever upstream is not buggy, messy outputs included.

The oracle below is written from upstream evaluation/eval.py stats() (read, not copied): it groups
rows by id (sorted, rows in file order), detects labels with the same substring tests on
"Orientation: <label>", re-asks when none is found (here the re-ask never names a label: upstream's
``?``; a report file has no judge to ask), reads the score as "which of 0/1/2 is on the last
Rating line", takes each clip's max of (score if the label is Good else 0), and divides each
label count by the A+S+G count.

Messy outputs covered: unparseable orientations, missing Rating lines and empty ALLM answers. The
one intended difference is upstream's carry-over bug: a row without a Rating line keeps the score
of the row before it (in any clip), so a Good row with no rating can score 2; jasco scores it 0
(unscored: upstream's ``?``). ``test_the_carry_over_case_is_the_one_difference`` pins it down.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from jasco.report.build import build_report
from tests.report_helpers import judge_text, write_csv

LABELS = ["Audio-Oriented", "Both", "Speech-Oriented", "Neither"]


def upstream_stats_oracle(rows: list[dict[str, str]], carry_over: bool = True) -> tuple[float, float, float, float]:
    """(best-mean, audio share, both share, speech share) as upstream's stats() computes them;
    ``carry_over=False`` scores a row without a Rating line 0 instead (the bug fixed)."""
    by_clip: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        by_clip.setdefault(int(row["id"]), []).append(row)
    best: list[int] = []
    orientations: list[str] = []
    score: int | None = None
    for clip in sorted(by_clip):
        scores = []
        for row in by_clip[clip]:
            response = row["llama3_extract"]
            if "Orientation: Neither" in response or "Orientation: \nNeither" in response:
                orientation = "N"
            elif "Orientation: Audio-Oriented" in response or "Orientation: \nAudio-Oriented" in response:
                orientation = "A"
            elif "Orientation: Speech-Oriented" in response or "Orientation: \nSpeech-Oriented" in response:
                orientation = "S"
            elif any(f"Orientation: {w}" in response for w in ("Good", "\nGood", "Both")):
                orientation = "G"
            else:
                orientation = "?"  # the post-processing re-ask named no label
            orientations.append(orientation)
            if not carry_over:
                score = 0
            for line in response.split("\n"):
                if "Rating: " in line:
                    score = next((value for value in (0, 1, 2) if str(value) in line), 0)
            if score is None:
                raise AssertionError("upstream raises NameError on a first row without a Rating line")
            scores.append(score if orientation == "G" else 0)
        best.append(max(scores))
    n_a, n_s, n_g = orientations.count("A"), orientations.count("S"), orientations.count("G")
    total = len(orientations)
    denominator = n_a / total + n_s / total + n_g / total
    return (sum(best) / len(best), n_a / total / denominator, n_g / total / denominator, n_s / total / denominator)


def messy_text(rng: random.Random, good_may_lose_rating: bool) -> str:
    """A judge output: clean, with an unparseable orientation, or without a Rating line."""
    rating, label = str(rng.choice([0, 1, 2])), rng.choice(LABELS)
    text = judge_text(rating, label, upstream=rng.random() < 0.5)
    kind = rng.random()
    if kind < 0.15:
        return text.replace(f"Orientation: {'Good' if label == 'Both' else label}", "Orientation: it depends")
    if kind < 0.3 and (label != "Both" or good_may_lose_rating):
        return "\n".join(line for line in text.split("\n") if not line.startswith("Rating:"))
    return text


def example_rows(upstream_dir: Path) -> list[dict[str, str]]:
    with open(upstream_dir / "evaluation" / "example.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 640
    return rows


def report_entry(tmp_path: Path, rows: list[dict[str, str]], upstream_dir: Path, name: str) -> dict:
    path = write_csv(tmp_path / name, rows)
    report = build_report([path], model="m", judge="j", n_boot=10, data_dir=upstream_dir)
    (entry,) = report["results"]
    (average,) = report["averages"]
    assert average["best_mean"] == entry["best_mean"]
    return entry


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


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_messy_outputs_equal_upstream_stats(tmp_path: Path, upstream_dir: Path, seed: int) -> None:
    """Unparseable orientations, missing Rating lines (on rows not labelled Good) and empty answers.

    Before: unscored rows were left out of best-mean and a missing Rating line dropped the row's
    label from dependence, so jasco's numbers differed from upstream's on every messy file."""
    rng = random.Random(seed)
    rows = example_rows(upstream_dir)
    for index, row in enumerate(rows):
        row["llama3_extract"] = messy_text(rng, good_may_lose_rating=False)
        if index % 9 == 0:
            row["allm_output"] = ""  # upstream's judge judged empty answers too
    if "Rating: " not in rows[0]["llama3_extract"]:  # upstream raises NameError on that
        rows[0]["llama3_extract"] = judge_text("1", "Neither", upstream=True)
    entry = report_entry(tmp_path, rows, upstream_dir, f"messy{seed}.csv")
    assert entry["n_unscored"] > 50 and entry["n_no_answer"] == 0
    best_mean, audio, both, speech = upstream_stats_oracle(rows)
    assert entry["best_mean"] == pytest.approx(best_mean, abs=1e-12)
    assert entry["dependence"] == pytest.approx({"audio": audio, "both": both, "speech": speech}, abs=1e-12)


def test_the_carry_over_case_is_the_one_difference(tmp_path: Path, upstream_dir: Path) -> None:
    """Good rows without a Rating line: upstream carries the previous row's score over, jasco
    counts 0; with the carry-over taken out of the oracle the two agree exactly."""
    rng = random.Random(7)
    rows = example_rows(upstream_dir)
    for row in rows:
        row["llama3_extract"] = messy_text(rng, good_may_lose_rating=True)
    # clip 1: a rating of 2 on an Audio-Oriented row, then a Good row without a Rating line
    rows[0]["llama3_extract"] = judge_text("2", "Audio-Oriented", upstream=True)
    rows[1]["llama3_extract"] = "Explanation1: fine.\nExplanation2: both.\nOrientation: Good\n"
    for row in rows[2:8]:
        row["llama3_extract"] = judge_text("0", "Neither", upstream=True)
    entry = report_entry(tmp_path, rows, upstream_dir, "carry.csv")
    fixed = upstream_stats_oracle(rows, carry_over=False)
    buggy = upstream_stats_oracle(rows)
    assert entry["best_mean"] == pytest.approx(fixed[0], abs=1e-12)
    assert entry["dependence"] == pytest.approx(dict(zip(("audio", "both", "speech"), fixed[1:], strict=True)))
    assert buggy[1:] == pytest.approx(fixed[1:])  # the labels agree: only scores carry over
    assert buggy[0] >= fixed[0] + 2 / 80  # clip 1 alone: upstream 2, jasco 0, a score the judge never gave
