"""Speech quality end to end without a model: fixture corpus -> items -> answers -> scores -> report parts."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from jasco.report.formatting import json_ready
from jasco.tasks.speech_quality.corpus import read_corpus
from jasco.tasks.speech_quality.items import expand
from jasco.tasks.speech_quality.metrics import score_table
from jasco.tasks.speech_quality.plot import scatter_html, scatter_points
from jasco.tasks.speech_quality.report import reference_table, result_tables, results_csv
from jasco.tasks.speech_quality.score import score_rows
from tests.speech_quality_corpus import build_corpus

ANSWER_FORMS = {
    "numeric": "I would rate it {v:.1f} out of 5.",
    "categorical": "{word}.",
    "explanatory": "Some hiss is audible and the level is fine. I would give an overall MOS of {v:.1f}.",
    "multi": "Overall MOS: {mos:.1f}. Noisiness: {noi:.1f}. Coloration: {col:.1f}. Discontinuity: {dis:.1f}. "
             "Loudness: {loud:.1f}.",
}


def _answers(items, rng: np.random.Generator) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for number, item in enumerate(items):
        guess = {q: float(np.clip(v + rng.normal(0, 0.4), 1, 5)) for q, v in item.labels}
        if number % 17 == 3:
            answers[item.id] = "The recording sounds somewhat noisy."  # no number: unscored
        elif number % 23 == 5:
            continue  # no answer at all (a failed call)
        elif item.kind == "multi":
            answers[item.id] = ANSWER_FORMS["multi"].format(**{q: guess.get(q, 3.0) for q in item.quantities})
        else:
            value = guess[item.quantities[0]]
            word = ["bad", "poor", "fair", "good", "excellent"][round(value) - 1]
            answers[item.id] = ANSWER_FORMS[item.kind].format(v=value, word=word)
    return answers


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    corpus = read_corpus(build_corpus(tmp_path_factory.mktemp("sq") / "corpus"))
    items = expand(corpus).items
    rows = score_rows(items, _answers(items, np.random.default_rng(0)), model="toy <model>")
    rows += score_rows(items, {item.id: "3" for item in items}, model="always-3")
    return pd.DataFrame(rows)


def test_every_asked_quantity_with_a_rating_becomes_one_row(scored: pd.DataFrame) -> None:
    toy = scored[scored["model"] == "toy <model>"]
    # 10 files x (7 one-quantity families + 5 quantities of multi)
    assert len(toy) == 10 * (7 + 5)
    assert set(toy["status"]) >= {"sole", "named", "category", "no_number", "no_answer"}
    unscored = toy[toy["y_pred"].isna()]
    assert (unscored["raw"].isna() == (unscored["status"] == "no_answer")).all()  # raw text kept where there was one
    assert toy.loc[toy["status"] == "no_number", "raw"].eq("The recording sounds somewhat noisy.").all()


def test_payload_tables_csv_and_page(scored: pd.DataFrame) -> None:
    payload = score_table(scored, n_boot=100, seed=0)
    text = json.dumps(json_ready(payload), allow_nan=False)
    assert '"results"' in text
    entries = {(e["model"], e["family"], e["dimension"]): e for e in payload["results"]}
    assert len(entries) == 2 * (7 + 5)
    constant = entries[("always-3", "mos", "mos")]
    assert constant["n"] == 10 and constant["pearson"] != constant["pearson"]  # NaN: constant prediction
    toy = entries[("toy <model>", "multi", "noi")]
    assert toy["n"] + toy["n_unscored"] == toy["n_total"] == 10
    for key in ("n", "n_total", "mae", "rmse", "pearson", "spearman", "kendall", "ci", "coverage", "flagged"):
        assert key in toy
    tables = result_tables(payload)
    assert [t.title for t in tables][:3] == ["Agreement with human ratings", "Per condition", "Unscored answers"]
    main = tables[0]
    assert main.columns[:4] == ("model", "family", "dimension", "scored/total")
    assert any(row[3] == f"{toy['n']}/10" for row in main.rows)
    assert any("unscored >" in row[-1] for row in main.rows)  # the toy model's unscored share exceeds 5%
    rows = list(csv.DictReader(io.StringIO(results_csv(payload))))
    assert len(rows) == len(payload["results"]) and rows[0]["mae_ci_lo"] != ""
    assert rows[[r["model"] for r in rows].index("always-3")]["pearson"] == ""  # undefined, not a number
    plots = scatter_points(scored)
    page = scatter_html(plots)
    with_scores = scored[scored["y_pred"].notna()].groupby(["model", "family", "dimension"]).ngroups
    assert page.count("<svg") == len(plots) == with_scores == 2 * (7 + 5) - 5  # "3" answers no multi question
    assert "toy &lt;model&gt;" in page and "<model>" not in page
    assert len(re.findall(r"<circle ", page)) == int(scored["y_pred"].notna().sum())


def test_many_points_become_a_density_grid() -> None:
    rng = np.random.default_rng(1)
    true = rng.uniform(1, 5, 3000)
    frame = pd.DataFrame({"model": "m", "dimension": "mos", "file": range(3000), "y_true": true,
                          "y_pred": np.clip(true + rng.normal(0, 0.5, 3000), 1, 5)})
    (plot,) = scatter_points(frame, max_points=2000)
    assert "points" not in plot and sum(map(sum, plot["density"])) == 3000
    page = scatter_html([plot])
    assert "<circle" not in page and "grid" in page


def test_reference_results_table_lists_speechqualityllm() -> None:
    table = reference_table()
    assert {row[1] for row in table.rows} == {"Reference", "NoReference"}
    mos = next(row for row in table.rows if row[1:4] == ("Reference", "mos_numeric", "mos"))
    assert mos[4] == "480/480" and mos[5] == "0.420" and mos[7] == "0.855"
