"""The ALLD evaluation tasks end to end on a 6-file demo corpus with scripted models (no weights).

``fake-alld-allm`` answers from each item's row, so every figure is known by hand: the oracle
names the human ratings (MSE 0 on every quantity, accuracy 100%, no position bias); ``first``
says MOS + 0.5 and always picks the first file (MSE 0.25, accuracy 50%, first-position share
100%, order-consistency 0%). The text LLM of ``alld-ab-summary`` is ``fake-captioner``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jasco.tasks.alld.scoring import score_describe_table
from jasco.tasks.alld.summary_judging import JUDGING
from tests.alld_helpers import build_small_demo, invoke, read_jsonl

DEMO = ("--split", "DEMO_SIM", "--no-progress", "--bootstrap", "50")
MOS = {"DEMO_SIM/deg/ljspeech_LJ001-0028_c01.wav": 4.5, "DEMO_SIM/deg/arctic_axb_a0004_c04.wav": 2.9,
       "DEMO_SIM/deg/vctk_p287_002_c06.wav": 2.0, "DEMO_SIM/deg/libri_4340-15220-0000_c15.wav": 2.7,
       "DEMO_SIM/deg/libri_5339-14133-0000_c19.wav": 2.7, "DEMO_SIM/deg/arctic_aew_a0003_c22.wav": 2.3}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_demo(tmp_path_factory.mktemp("alld-demo"))


@pytest.fixture(scope="module")
def references(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("captions")
    result = invoke("captions", "--meta", corpus / "NISQA_corpus_file.csv", "--judge", "fake-captioner", "--pairs",
                    "0", "--no-progress", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "captions.jsonl"


def run(task: str, corpus: Path, out: Path, *args: Any, status: int = 0) -> dict[str, Any]:
    result = invoke("run", "--task", task, "--data-dir", corpus, *DEMO, "--out", out, *args)
    assert result.exit_code == status, result.output
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def by_quantity(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["quantity"]: entry for entry in report["results"]["results"]}


def test_describe_oracle_with_references_bleu_similarity_and_examples(corpus: Path, references: Path,
                                                                       tmp_path: Path) -> None:
    from sacrebleu.metrics import BLEU

    report = run("alld-describe", corpus, tmp_path, "--model", "fake-alld-allm",
                 "--task-option", f"references={references}")
    for quantity, entry in by_quantity(report).items():
        assert (entry["n"], entry["n_total"], entry["mse"], entry["mae"]) == (6, 6, 0.0, 0.0), quantity
    answers = {row["id"]: row["answer"] for row in csv.DictReader((tmp_path / "scored" / "fake-alld-allm.csv").open())}
    assert set(answers) == set(MOS)
    refs = {r["files"][0]: r["text"] for r in read_jsonl(references) if r["pass"] == "mos"}
    files = sorted(answers)
    expected_bleu = BLEU().corpus_score([answers[f] for f in files], [[refs[f] for f in files]]).score
    (quality,) = report["text_quality"]["results"]
    assert quality["bleu"]["bleu"] == pytest.approx(expected_bleu) and quality["bleu"]["n"] == 6
    assert 0.0 < quality["similarity"]["mean"] <= 1.0 and quality["similarity"]["n"] == 6
    (rows,) = report["examples"].values()
    assert [row[0] for row in rows] == files[:3]
    assert all(row[1] == answers[row[0]] and row[2] == refs[row[0]] for row in rows)
    scored = tmp_path / "scored" / "fake-alld-allm.csv"
    outputs = {}
    for fmt in ("table", "markdown", "csv", "json", "html"):
        result = invoke("report", "--task", "alld-describe", "--format", fmt, "--bootstrap", "20", "--task-option",
                        f"references={references}", "--task-option", "similarity=false", scored)
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.output
    assert outputs["csv"].splitlines()[0].startswith("model,quantity,n,n_total,coverage,mse,")
    assert len(outputs["csv"].splitlines()) == 1 + 5
    import html

    assert "Example descriptions next to their references" in outputs["html"]
    assert html.escape(refs[files[0]], quote=True) in outputs["html"] and "similarity" in outputs["table"]


def test_describe_offset_answers_and_an_empty_one(corpus: Path, tmp_path: Path) -> None:
    empty = "DEMO_SIM/deg/vctk_p287_002_c06.wav"
    report = run("alld-describe", corpus, tmp_path, "--model", "fake-alld-allm", "--option", "policy=first",
                 "--option", f"empty_items={empty}", status=3)  # an empty answer is a failed row: exit 3
    quantities = by_quantity(report)
    mos = quantities["mos"]
    assert (mos["n"], mos["n_total"], mos["coverage"]) == (5, 6, 5 / 6)
    assert mos["mse"] == pytest.approx(0.25) and mos["mae"] == pytest.approx(0.5) and mos["pearson"] == pytest.approx(1)
    empty_reason = "empty answer (infer error: empty content)"
    assert mos["unscored"] == {empty_reason: 1}
    assert quantities["noi"]["n"] == 0 and quantities["noi"]["unscored"] == {
        empty_reason: 1, "no number or category word for noi": 5}
    assert "text_quality" not in report["sections"] and "examples" not in report["sections"]


def test_describe_scoring_rules_on_a_handwritten_table() -> None:
    rows = [
        {"id": "a", "mos": "3", "noi": "2", "col": "", "dis": "4", "loud": "4", "answer": "Noisy (noisiness: 2.5). "
         "The coloration is 5. MOS: 3.5", "infer_error": ""},
        {"id": "b", "mos": "3", "noi": "2", "col": "3", "dis": "4", "loud": "4", "answer": "", "infer_error": "boom"},
        {"id": "c", "mos": "3", "noi": "2", "col": "3", "dis": "4", "loud": "4", "answer": "I cannot tell.",
         "infer_error": ""},
        {"id": "d", "mos": "3", "noi": "2", "col": "3", "dis": "4", "loud": "4", "answer": "MOS: 7",
         "infer_error": ""},
    ]
    table, n_scored = score_describe_table(pd.DataFrame(rows), "answer")
    got = table.set_index("id")
    assert n_scored == 1 and got.loc["a", "pred_mos"] == "3.5" and got.loc["a", "pred_noi"] == "2.5"
    assert got.loc["a", "status_col"] == "no human rating" and got.loc["a", "pred_col"] == ""
    assert got.loc["a", "status_dis"] != "scored" and got.loc["a", "score_status"] == "ok"
    assert got.loc["b", "score_status"] == "unscored: empty answer (infer error: boom)"
    assert got.loc["c", "score_status"].startswith("unscored: no number")
    assert got.loc["d", "pred_mos"] == "" and "7" in got.loc["d", "score_status"]
    assert list(got["answer"]) == [row["answer"] for row in rows]  # raw text kept


def test_ab_position_bias_and_the_oracle(corpus: Path, tmp_path: Path) -> None:
    first = run("alld-ab", corpus, tmp_path / "first", "--model", "fake-alld-allm", "--option", "policy=first",
                "--pairs", "6")
    items = list(csv.DictReader((tmp_path / "first" / "items.csv").open()))
    assert len(items) == 12 and {row["order"] for row in items} == {"AB", "BA"}
    for row in items:
        assert float(row["mos_a"]) != float(row["mos_b"]) and abs(float(row["mos_a"]) - float(row["mos_b"])) >= 0.5
        assert row["expected"] == ("SpeechA" if float(row["mos_a"]) > float(row["mos_b"]) else "SpeechB")
        assert MOS[row["file_a"]] == float(row["mos_a"]) and row["id"] == f"{row['pair_id']}:{row['order']}"
    (entry,) = first["results"]["results"]
    assert (entry["accuracy"], entry["first_position_share"], entry["consistency"]) == (0.5, 1.0, 0.0)
    assert entry["n_pairs_both_orders"] == 6 and entry["n_total"] == entry["n_scored"] == 12
    assert entry["confusion"] == {"SpeechA": {"SpeechA": 6, "SpeechB": 0, "unparsed": 0},
                                  "SpeechB": {"SpeechA": 6, "SpeechB": 0, "unparsed": 0}}
    oracle = run("alld-ab", corpus, tmp_path / "oracle", "--model", "fake-alld-allm", "--pairs", "6")
    (entry,) = oracle["results"]["results"]
    assert (entry["accuracy"], entry["first_position_share"], entry["consistency"]) == (1.0, 0.5, 1.0)
    html = (tmp_path / "oracle" / "report.html").read_text()
    assert "A/B confusion: fake/alld-oracle" in html and "expected \\ answered" in html


def test_ab_summary_by_a_text_llm_beside_the_own_verdict_and_the_repair(corpus: Path, tmp_path: Path) -> None:
    report = run("alld-ab-summary", corpus, tmp_path, "--model", "fake-alld-allm", "--judges", "fake-captioner",
                 "--judge-option", "sloppy_every=2", "--pairs", "4", "--no-repair")  # the re-ask is tested below
    entries = {entry["model"]: entry for entry in report["results"]["results"]}
    own, summary = entries["fake/alld-oracle (own verdict)"], entries["fake/alld-oracle (summary by fake-captioner)"]
    assert (own["n_total"], own["accuracy"]) == (8, 1.0)
    assert summary["n_total"] == 8 and 0 < summary["n_scored"] < 8 and summary["accuracy"] == 1.0
    assert set(summary["unscored"]) <= {"extra text around [SpeechA]", "extra text around [SpeechB]"}
    answers, judged = tmp_path / "answers" / "fake-alld-allm.csv", tmp_path / "repaired.csv"
    result = invoke("judge", "--task", "alld-ab-summary", "--judge", "fake-captioner", "--backend-option",
                    "sloppy_every=2", "--repair", "--no-progress", answers, judged)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(judged.open()))
    repaired = [row for row in rows if row["summary_status"] == "repaired"]
    assert repaired and all(row["summary_verdict"] == row["expected"] for row in repaired)
    assert sum(1 for row in rows if not row["summary_verdict"]) == 8 - summary["n_scored"] - len(repaired)


def test_the_summary_judge_spec_sends_alld_s_prompt_and_reads_strictly() -> None:
    row = {"answer": "SpeechB sounds cleaner."}
    (message,) = JUDGING.messages("summary", row)
    assert message["content"].endswith("do not give any analysis.\nContext:\nSpeechB sounds cleaner.")
    assert JUDGING.verdict(" [SpeechB]\n").choice == "SpeechB" and not JUDGING.verdict("[speechb]").scored
    import re

    regex = JUDGING.regex("summary", 8)
    assert regex is not None and re.fullmatch(regex, "[SpeechA]") and not re.fullmatch(regex, "[SpeechA].")
    assert JUDGING.repair_requests("summary", "[SpeechA]") == {}  # parsed: no re-ask
    (again,) = JUDGING.repair_requests("summary", "I think the first.")["repair"]
    assert again["content"].endswith("Context:\nI think the first.")
    assert JUDGING.repaired("I think the first.", {"repair": "[SpeechA]"}, {}).choice == "SpeechA"
    assert not JUDGING.repaired("I think the first.", {}, {"repair": "timeout"}).scored
    with pytest.raises(ValueError, match="one judge template"):
        JUDGING.check_template("eval_py")


def test_bad_ab_input_is_one_line_or_an_unscored_row(corpus: Path, tmp_path: Path) -> None:
    too_many = invoke("run", "--task", "alld-ab", "--data-dir", corpus, *DEMO, "--out", tmp_path / "x", "--model",
                      "fake-alld-allm", "--pairs", "50")
    assert too_many.exit_code != 0 and "Traceback" not in too_many.output
    assert "asked for 50 pairs but only 9 pairs of the 6 files differ in MOS by at least 0.5" in too_many.output
    unknown = invoke("expand", "--task", "alld-ab", "--data-dir", corpus, "--split", "NOPE", "--out",
                     tmp_path / "i.csv")
    assert unknown.exit_code == 1 and "unknown split(s) NOPE; the db values in this corpus: DEMO_SIM" in unknown.output
    assert invoke("run", "--task", "alld-ab", "--data-dir", corpus, *DEMO, "--out", tmp_path / "ok", "--model",
                  "fake-alld-allm", "--pairs", "2").exit_code == 0
    answers = pd.read_csv(tmp_path / "ok" / "answers" / "fake-alld-allm.csv", dtype=str, keep_default_na=False)
    answers.loc[0, "answer"] = ""
    answers.to_csv(tmp_path / "empty.csv", index=False)
    assert invoke("score", "--task", "alld-ab", tmp_path / "empty.csv", tmp_path / "s.csv").exit_code == 0
    scored = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert scored[0]["score_status"] == "unscored: empty answer" and scored[0]["correct"] == ""
    answers.loc[1, "mos_b"] = answers.loc[1, "mos_a"]  # a pair of identical MOS: no right answer
    answers.to_csv(tmp_path / "tampered.csv", index=False)
    tampered = invoke("score", "--task", "alld-ab", tmp_path / "tampered.csv", tmp_path / "t.csv")
    assert tampered.exit_code != 0 and "Traceback" not in tampered.output
    assert "the answers table, row 3: pair" in tampered.output and "identical MOS" in tampered.output
