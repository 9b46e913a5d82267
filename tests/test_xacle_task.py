"""XACLE as a registered task: its items and store keys, scoring by rule (text and expected), and
`jasco run` with a model-free model, the official submission and its fill policy."""

from __future__ import annotations

import json
from math import log
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jasco.cli import cli
from jasco.models.types import TokenLogprob
from jasco.stages.decoding import GenerationSettings
from jasco.stages.items import prepare_rows
from jasco.tasks.base import TaskError, get_task
from jasco.tasks.options import TaskOptionError

TASK = get_task("xacle")


@pytest.fixture(scope="module")
def demo(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("xacle-task") / "demo"
    result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "xacle-demo", "--source", str(upstream_dir),
                                      "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    return dest


def options(**given: object) -> dict[str, object]:
    return TASK.resolve_options({name: list(v) if isinstance(v, tuple) else [v] for name, v in given.items()})


def test_items_one_per_pair_and_prompt_with_stable_ids(demo: Path) -> None:
    frame = TASK.expand(demo, options(split="test", template=("rate_match.v1", "rate_generated.v1")))
    assert len(frame) == 240 and list(frame.columns) == list(TASK.item_columns)
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["id"], second["id"]) == ("test/00120/rate_match.v1", "test/00120/rate_generated.v1")
    assert first["audio"] == str(demo / "XACLE_dataset" / "wav" / "test" / "00120.wav")
    assert first["label_source"] == "synthetic" and float(first["average_score"]) == 10.0
    assert frame["id"].is_unique
    again = TASK.expand(demo, options(split="test", template=("rate_match.v1", "rate_generated.v1")))
    assert again.equals(frame)


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(TaskOptionError, match=r"template: prompt file 'xacle/nope\.v1\.j2' not found"):
        options(template="nope.v1")
    with pytest.raises(TaskOptionError, match=r"fill: 11 is outside the 0-10 scale"):
        options(fill="11")
    with pytest.raises(TaskOptionError, match="split: 'dev' is not one of train, validation, test"):
        options(split="dev")


def test_the_store_key_holds_the_caption_and_the_template(demo: Path) -> None:
    frame = TASK.expand(demo, options(template=("rate_match.v1", "rate_listener.v1"))).iloc[:2].copy()
    changed = frame.copy()
    changed.loc[0, "text"] = "Waves crashing, gulls"  # the caption only
    identity = {"adapter": "fake-allm", "model_id": "m", "revision": None, "backend": "python"}
    values = options()

    def keys(table: pd.DataFrame, **given: object) -> list[str | None]:
        chosen = options(**given) if given else values
        rows = prepare_rows(TASK, table, identity, GenerationSettings(), items_csv=None, data_dir=demo,
                            options=chosen, key_options={"score_mode": chosen["score_mode"]})
        return [row.key for row in rows]

    base = keys(frame)
    assert base[0] != base[1]  # same audio and caption, another template
    assert keys(changed)[0] != base[0] and keys(changed)[1] == base[1]
    assert keys(frame, score_mode="expected") != base  # logprobs asked for: other answers


def answers_table(rows: list[tuple[str, str, str]], model: str = "m") -> pd.DataFrame:
    """(answer, infer_error, answer_logprobs) per row, on made-up items."""
    return pd.DataFrame([{"id": f"validation/{i:05d}/rate_match.v1", "wav_file_name": f"{i:05d}.wav",
                          "template": "rate_match.v1", "answer": answer, "model": model,
                          "infer_error": error, "answer_logprobs": logprobs}
                         for i, (answer, error, logprobs) in enumerate(rows)])


def positions(*entries: tuple[str, list[tuple[str, float]]]) -> str:
    return json.dumps([TokenLogprob(token, top[0][1] if top[0][0] == token else -9.0, tuple(top)).as_dict()
                       for token, top in entries])


def test_text_mode_reads_the_rating_or_says_why_not() -> None:
    table = answers_table([("7", "", ""), ("Score: 8/10", "", ""), ("6-7", "", ""), ("", "timeout", ""),
                           ("Two dogs bark", "", "")])
    result = TASK.score(table, options())
    assert result.n_rows == 5 and result.n_scored == 2
    assert list(result.table["score"]) == ["7.0", "8.0", "", "", ""]
    assert list(result.table["score_status"])[2:] == [
        "unscored: range: the rating is given as a range near '6'", "unscored: no-answer: timeout",
        "unscored: no-number: the answer holds no number"]
    assert list(result.table["answer"]) == list(table["answer"])  # raw text kept


def test_expected_mode_scores_the_distribution_and_reads_the_tokenization_per_model() -> None:
    seven = positions((" 7", [(" 7", log(0.5)), (" 8", log(0.5))]))
    ten = positions(("1", [("1", log(0.5)), ("9", log(0.5))]), ("0", [("0", log(0.5)), ("<|im_end|>", log(0.5))]))
    digits = answers_table([("7", "", seven), ("10", "", ten), ("7", "", ""), ("I'd rate it 7", "", seven)])
    result = TASK.score(digits, options(score_mode="expected"))
    assert result.table["score"].iloc[:2].astype(float).tolist() == pytest.approx([7.5, 0.25 * 10 + 0.25 + 4.5])
    assert result.table["text_score"].tolist() == ["7.0", "10.0", "7.0", "7.0"]
    assert result.table["score_status"].iloc[2].startswith("unscored: no-logprobs")
    assert set(result.table["tokenization"]) == {"digits"} and result.n_scored == 3
    # A model whose tokens include "10": numbers are whole tokens, "1" is 1.
    whole = answers_table([("1", "", positions(("1", [("1", log(0.5)), ("10", log(0.5))])))], model="w")
    got = TASK.score(whole, options(score_mode="expected"))
    assert got.table["tokenization"].tolist() == ["whole"] and float(got.table["score"].iloc[0]) == 5.5
    with pytest.raises(TaskError, match="no answer_logprobs column"):
        TASK.score(digits.drop(columns=["answer_logprobs"]), options(score_mode="expected"))


def test_jasco_run_writes_the_submission_only_when_every_pair_is_scored(demo: Path, tmp_path: Path) -> None:
    base = ["run", "--task", "xacle", "--model", "fake-allm", "--data-dir", str(demo), "--limit", "4",
            "--bootstrap", "20", "--no-progress", "--out", str(tmp_path / "run")]
    refused = CliRunner().invoke(cli, base)
    assert refused.exit_code == 3 and "Traceback" not in refused.output
    assert "submission fake-allm.rate_match.v1.csv not written: 4 of 4 pairs unscored" in refused.output
    submission = tmp_path / "run" / "submissions" / "fake-allm.rate_match.v1.csv"
    assert not submission.exists()
    scored = pd.read_csv(tmp_path / "run" / "scored" / "fake-allm.csv", dtype=str, keep_default_na=False)
    assert all(status.startswith("unscored: ") for status in scored["score_status"])
    assert all(answer.startswith("fake answer ") for answer in scored["answer"])

    filled = CliRunner().invoke(cli, [*base, "--task-option", "fill=5"])
    assert filled.exit_code == 0, filled.output
    assert "[infer] fake-allm: up to date, skipped" in filled.output  # fill changes no answer
    assert submission.read_bytes() == (b"wav_file_name,pred_score\r\n00000.wav,5.0\r\n00001.wav,5.0\r\n"
                                       b"00002.wav,5.0\r\n00003.wav,5.0\r\n")
    manifest = json.loads(submission.with_name(submission.name + ".manifest.json").read_text())
    assert manifest["n_filled"] == 4 and manifest["arguments"]["fill"] == 5.0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    (entry,) = report["alignment"]["results"]
    assert entry["N"] == 0 and entry["counts"]["n_missing_prediction"] == 4 and entry["SRCC"] is None

    again = CliRunner().invoke(cli, base)  # no fill: the filled submission from other scores goes
    assert again.exit_code == 3 and not submission.exists()
    answers_manifest = json.loads((tmp_path / "run" / "answers" / "fake-allm.csv.manifest.json").read_text())
    assert set(answers_manifest["prompt_hashes"]) == {"xacle/rate_match.v1.j2"}


def test_data_fetch_xacle_refuses_a_source_that_is_not_the_challenge_data(demo: Path, tmp_path: Path) -> None:
    def fetch(source: Path) -> list[str]:
        result = CliRunner().invoke(cli, ["data", "fetch", "--dataset", "xacle", "--source", str(source),
                                          "--dest", str(tmp_path / "xacle")])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert not (tmp_path / "xacle").exists()  # nothing half-installed
        return result.output.strip().splitlines()

    # The demo holds 120 + 120 pairs, not the official 3,000 per split: every short split is named.
    assert fetch(demo) == [f"Error: {demo.resolve()} does not verify as an XACLE dataset:",
                           "  meta_data/validation_average.csv: 120 pairs, expected 3000",
                           "  meta_data/test_average.csv: 120 pairs, expected 3000"]
    (tmp_path / "empty").mkdir()
    assert fetch(tmp_path / "empty") == [
        f"Error: {(tmp_path / 'empty').resolve()}: not the XACLE layout (no meta_data/ and wav/ here or below)"]
    verified = CliRunner().invoke(cli, ["data", "verify", "--dataset", "xacle-demo", "--data-dir", str(demo)])
    assert verified.exit_code == 0, verified.output
