"""A failure never raises a score (issue 9 sections 1, 5a and 6a), through the real judge stage.

The judge is a scripted OpenAI-compatible server (``tests.fake_openai``): it rates an answer 2/Good
when it is the reference answer and 0/Audio-Oriented otherwise, hesitates between ratings when the
answer says so, and answers the re-ask prompts. Covered: the issue's X/Y example (a model that
fails on half the clips no longer outscores one that answers them wrongly), the rating re-ask,
``--no-repair``, ``--decoding upstream`` and the ``model`` column of ``jasco judge``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.core.table import read_table, write_table
from jasco.report.build import build_report
from jasco.stages.judge.run import run_judge
from jasco.tasks.jasco.controls import control_table
from jasco.tasks.jasco.samples import load_items
from jasco.tasks.jasco.table import items_to_frame
from tests.fake_openai import scripted_server
from tests.judge_helpers import answers_frame

PREDICTION = re.compile(r"\[Model Prediction\]\n(.*?)\n\n\[Task1\]", re.DOTALL)
REFERENCE = re.compile(r"\[Reference Answer\]\n(.*?)\n\n\[Reference Answer Key Words\]", re.DOTALL)


def judge_reply(text: str) -> tuple[str | None, str]:
    if "[Judge Answer]" in text:  # jasco's rating re-ask
        return ("3" if "BADREPLY" in text else "Rating: 2"), "stop"
    if "[Model Explanation]" in text:  # upstream's orientation re-ask
        return "Good.", "stop"
    prediction = PREDICTION.search(text).group(1)  # type: ignore[union-attr]
    if "HESITATE" in prediction or "BADREPLY" in prediction:
        label = "it is unclear" if "NOLABEL" in prediction else "Good"
        return (f"Explanation1: {prediction}\nRating: 1 or 2\nExplanation2: both.\nOrientation: {label}"), "stop"
    good = prediction.strip() == REFERENCE.search(text).group(1).strip()  # type: ignore[union-attr]
    verdict = "Rating: 2\nExplanation2: both.\nOrientation: Good" if good else \
        "Rating: 0\nExplanation2: the sound.\nOrientation: Audio-Oriented"
    return f"Explanation1: compared.\n{verdict}", "stop"


@pytest.fixture(scope="module")
def server() -> Any:
    with scripted_server(judge_reply) as running:
        yield running


@pytest.fixture(scope="module")
def items(upstream_dir: Path) -> Any:
    return items_to_frame(load_items(upstream_dir))


def judge(answers: Any, folder: Path, name: str, server: Any, **options: Any) -> Path:
    write_table(answers, folder / f"{name}.csv")
    out = folder / f"{name}.judged.csv"
    run_judge(folder / f"{name}.csv", out, judge="m", backend="openai", backend_options={"base_urls": [server.url]},
              progress=False, **options)
    return out


def test_the_issues_x_y_example_gives_y_no_more_than_x(tmp_path: Path, items: Any, server: Any) -> None:
    """X: clips 1-40 audio-only answers, 41-80 reference. Y: clips 1-40 empty with an infer error,
    41-80 reference. Before: X 1.000, Y 2.000 (Y's empty rows were unscored and left out)."""
    first_half = items["id"].astype(int) <= 40
    x = control_table(items, "reference")
    x.loc[first_half, "allm_output"] = control_table(items, "audio-only").loc[first_half, "allm_output"]
    x["model"] = "X"
    y = control_table(items, "reference")
    y.loc[first_half, "allm_output"] = ""
    y["infer_error"] = ""
    y.loc[first_half, "infer_error"] = "POST /chat/completions failed after 6 attempts"
    y["model"] = "Y"
    files = [judge(x, tmp_path, "x", server), judge(y, tmp_path, "y", server)]
    report = build_report(files, n_boot=20)
    best = {entry["model"]: entry["best_mean"] for entry in report["averages"]}
    assert best == {"X": pytest.approx(1.0), "Y": pytest.approx(1.0)}
    assert best["Y"] <= best["X"]
    (y_result,) = [entry for entry in report["results"] if entry["model"] == "Y"]
    assert (y_result["n_no_answer"], y_result["n_scored"], y_result["n_unscored"]) == (320, 320, 0)
    assert y_result["flagged"] and len(report["flags"]) == 1 and "'Y'" in report["flags"][0]
    assert y_result["best_mean_scored_only"] == pytest.approx(2.0)  # the old number, as a secondary column
    judged = read_table(files[1], required=())
    assert judged.loc[0, "parse_status"] == "no answer: POST /chat/completions failed after 6 attempts"
    assert (judged.loc[0, "rating"], judged.loc[0, "orientation"]) == ("0", "Neither")


def test_a_judge_naming_two_ratings_is_re_asked_for_one(tmp_path: Path, upstream_dir: Path, server: Any) -> None:
    frame = answers_frame(upstream_dir, 5)
    frame.loc[0, "allm_output"] = "HESITATE"  # 'Rating: 1 or 2' -> re-ask -> 2
    frame.loc[1, "allm_output"] = "BADREPLY"  # re-ask answered '3': not one of 1, 2 -> unscored
    frame.loc[2, "allm_output"] = "HESITATE NOLABEL"  # rating and orientation both re-asked
    calls = server.calls
    out = judge(frame, tmp_path, "answers", server)
    table = read_table(out, required=())
    assert list(table.loc[:2, "parse_status"]) == [
        "repaired", "unscored: alternative ratings '1 or 2'; rating repair answer '3' is not exactly one of 1, 2",
        "repaired"]
    assert list(table.loc[:2, "rating"]) == ["2", "", "2"] and table.loc[2, "orientation"] == "Both"
    assert server.calls - calls == 5 + 4  # 5 judgments, 3 rating re-asks, 1 orientation re-ask
    again = run_judge(tmp_path / "answers.csv", out, judge="m", backend="openai",
                      backend_options={"base_urls": [server.url]}, progress=False)
    assert again.n_model_calls == 0
    plain = run_judge(tmp_path / "answers.csv", tmp_path / "plain.csv", judge="m", backend="openai",
                      backend_options={"base_urls": [server.url]}, progress=False, repair=False)
    assert plain.n_repaired == 0
    assert read_table(tmp_path / "plain.csv", required=()).loc[0, "parse_status"] == \
        "unscored: alternative ratings '1 or 2'"


def test_decoding_upstream_samples_seeded_and_is_recorded(tmp_path: Path, upstream_dir: Path, server: Any) -> None:
    write_table(answers_frame(upstream_dir, 2), tmp_path / "in.csv")
    base = ["judge", "--judge", "m", "--backend", "openai", "--base-url", server.url, str(tmp_path / "in.csv"),
            "--no-progress"]
    calls = server.calls
    result = CliRunner().invoke(cli, [*base, str(tmp_path / "up.csv"), "--decoding", "upstream", "--seed", "3"])
    assert result.exit_code == 0, result.output
    sent = server.bodies[calls:]
    assert len(sent) == 2 and {(b["temperature"], b["top_p"], b["seed"], b["max_tokens"]) for b in sent} == {
        (1.0, 1.0, 3, 1000)}
    manifest = json.loads((tmp_path / "up.csv.manifest.json").read_text())
    assert manifest["decoding"] == {"temperature": 1.0, "top_p": 1.0, "max_tokens": 1000, "seed": 3,
                                    "structured": False, "preset": "upstream", "accept_truncated": False}
    greedy = CliRunner().invoke(cli, [*base, str(tmp_path / "greedy.csv")])
    assert greedy.exit_code == 0 and server.bodies[-1]["temperature"] == 0.0
    clash = CliRunner().invoke(cli, [*base, str(tmp_path / "x.csv"), "--decoding", "upstream", "--temperature", "0.5"])
    assert clash.exit_code == 2 and "--decoding upstream fixes temperature 1.0" in clash.output


def test_judge_writes_the_model_column(tmp_path: Path, upstream_dir: Path, server: Any) -> None:
    """Before: a judged file without a model column was reported as model 'af3.similarity'."""
    frame = answers_frame(upstream_dir, 3)
    write_table(frame, tmp_path / "af3.csv")
    base = ["judge", "--judge", "m", "--backend", "openai", "--base-url", server.url, "--no-progress"]
    assert CliRunner().invoke(cli, [*base, str(tmp_path / "af3.csv"), str(tmp_path / "af3.similarity.csv")]
                              ).exit_code == 0
    assert set(read_table(tmp_path / "af3.similarity.csv", required=())["model"]) == {"af3"}
    report = build_report([tmp_path / "af3.similarity.csv"], n_boot=5)
    assert [entry["model"] for entry in report["results"]] == ["af3"]
    named = CliRunner().invoke(cli, [*base, "--model", "audio-flamingo-3", str(tmp_path / "af3.csv"),
                                     str(tmp_path / "named.csv")])
    assert named.exit_code == 0 and set(read_table(tmp_path / "named.csv", required=())["model"]) == {
        "audio-flamingo-3"}
    frame["model"] = ["qwen", "", "qwen"]  # the input's own cells win; an empty one falls back
    write_table(frame, tmp_path / "mixed.csv")
    assert CliRunner().invoke(cli, [*base, "--model", "fallback", str(tmp_path / "mixed.csv"),
                                    str(tmp_path / "mixed_judged.csv")]).exit_code == 0
    assert list(read_table(tmp_path / "mixed_judged.csv", required=())["model"]) == ["qwen", "fallback", "qwen"]
