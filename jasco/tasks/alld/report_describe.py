"""The ``alld-describe`` report: ratings extracted from descriptions vs human ratings, and description quality.

Input: scored describe files (``jasco score --task alld-describe``). Sections, in order:

- ``results``: ``describe.describe_metrics`` per model and quantity (MSE, ALLD's headline; MAE,
  Pearson, Spearman with file-bootstrap CIs; coverage and unscored reasons beside them);
- ``text_quality`` (with the task option ``references=CAPTIONS.jsonl``): BLEU and embedding
  similarity (``text_metrics.description_quality``) of each model's descriptions against the
  ``mos`` descriptions a ``jasco captions`` run generated, over the files that have one (the
  count is stated); ``similarity=false`` leaves the embedding out;
- ``examples`` (with references): the first few descriptions next to their reference;
- ``inputs``: the files read.

The CSV form is the ``results`` table, one row per model and quantity.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.report.sections import ReportInputError, ReportInputs, ReportSpec, SectionRegistry, Table
from jasco.tasks.alld.describe import SCORED, UNSCORED, DescribeScore, QuantityScore
from jasco.tasks.alld.meta import FACTORS, QualityMeta
from jasco.tasks.alld.scoring import text_rows
from jasco.tasks.alld.tables import describe_tables, example_rows, text_quality_tables

SCORED_COLUMNS = ("id", "answer", *FACTORS, *(f"pred_{q}" for q in FACTORS), *(f"status_{q}" for q in FACTORS))


def model_name(row: dict[str, str], inputs: ReportInputs, path: Path) -> str:
    """The row's ``model`` cell, else ``--model``, else the file's stem."""
    return str(row.get("model") or inputs.model or Path(path).stem)


@dataclass
class DescribeContext:
    scores: list[DescribeScore]
    human: dict[str, QualityMeta]
    texts: dict[str, dict[str, str]]  # model -> file -> description
    files: list[Path]
    references: dict[str, list[str]] | None
    references_path: str | None
    similarity: bool
    examples: int
    n_boot: int
    seed: int
    extra_inputs: dict[str, Any] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)


def read_references(path: Path) -> dict[str, list[str]]:
    """File id -> the ``ok`` ``mos`` descriptions of a ``jasco captions`` JSONL."""
    if not path.is_file():
        raise ReportInputError(f"references {path}: file not found (a captions.jsonl from `jasco captions`)")
    references: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if record["pass"] == "mos" and record["status"] == "ok":
                references.setdefault(str(record["files"][0]), []).append(str(record["text"]))
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ReportInputError(f"references {path}, line {number}: not a captions record ({error})") from None
    return references


def _human(row: dict[str, str], where: str) -> QualityMeta:
    values = {}
    for factor in FACTORS:
        text = str(row.get(factor, "")).strip()
        try:
            values[factor] = float(text) if text else math.nan
        except ValueError:
            raise ReportInputError(f"{where}: human {factor} {text!r} is not a number") from None
    if math.isnan(values["mos"]):
        raise ReportInputError(f"{where}: no human mos")
    return QualityMeta(file_id=row["id"], audio=row.get("audio", ""), source="human", mos=values["mos"],
                       noi=values["noi"], col=values["col"], dis=values["dis"], loud=values["loud"])


def _score(model: str, row: dict[str, str]) -> DescribeScore:
    quantities = {}
    for quantity in FACTORS:
        status, value = row[f"status_{quantity}"], row[f"pred_{quantity}"]
        quantities[quantity] = (QuantityScore(float(value), SCORED) if status == SCORED and value
                                else QuantityScore(None, UNSCORED, status))
    return DescribeScore(model, row["id"], row["answer"], quantities)


def make_context(inputs: ReportInputs) -> DescribeContext:
    from jasco.core.table import TableError, read_table

    scores: list[DescribeScore] = []
    human: dict[str, QualityMeta] = {}
    texts: dict[str, dict[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    for path in inputs.files:
        try:
            frame = read_table(path, required=SCORED_COLUMNS)
        except TableError as error:
            raise ReportInputError(f"{error} (a scored alld-describe file: run `jasco score --task alld-describe`)"
                                   ) from None
        for position, row in enumerate(text_rows(frame)):
            model = model_name(row, inputs, path)
            if (model, row["id"]) in seen:
                raise ReportInputError(f"{path}, row {position + 2}: {model} describes {row['id']} twice")
            seen.add((model, row["id"]))
            human.setdefault(row["id"], _human(row, f"{path}, row {position + 2}"))
            scores.append(_score(model, row))
            texts.setdefault(model, {})[row["id"]] = row["answer"]
    option = inputs.options.get("references")
    references = read_references(Path(option)) if option else None
    return DescribeContext(scores, human, texts, list(inputs.files), references, option,
                           bool(inputs.options.get("similarity", True)), int(inputs.options.get("examples") or 3),
                           inputs.n_boot, inputs.seed, dict(inputs.extra_inputs))


class ResultsSection:
    key, title = "results", "Describe: extracted ratings vs human ratings"

    def build(self, context: DescribeContext) -> Any:
        from jasco.tasks.alld.describe import describe_metrics

        return describe_metrics(context.scores, context.human, n_boot=context.n_boot, seed=context.seed)

    def tables(self, payload: Any) -> list[Table]:
        return describe_tables(payload)


class TextQualitySection:
    key, title = "text_quality", "Describe: descriptions vs reference descriptions"

    def build(self, context: DescribeContext) -> Any:
        if context.references is None:
            return None
        from jasco.tasks.alld.text_metrics import bundled_encoder, description_quality

        refs = context.references
        hypotheses = {model: {f: t for f, t in texts.items() if f in refs} for model, texts in context.texts.items()}
        covered = {model: len(texts) for model, texts in hypotheses.items() if texts}
        if not covered:
            return {"results": [], "n_described": {m: len(t) for m, t in context.texts.items()}, "covered": {}}
        encoder = bundled_encoder() if context.similarity else None
        payload = description_quality({m: hypotheses[m] for m in covered}, refs, encoder)
        for entry in payload["results"]:
            entry.get("similarity", {}).pop("per_file", None)
        return {**payload, "n_described": {m: len(t) for m, t in context.texts.items()}, "covered": covered,
                "references": context.references_path}

    def tables(self, payload: Any) -> list[Table]:
        counts = "; ".join(f"{model}: {payload['covered'].get(model, 0)} of {n} described files have a reference"
                           for model, n in payload["n_described"].items())
        if not payload["results"]:
            return [Table(self.title, ("note",), [(f"No described file has a reference description ({counts}).",)])]
        (table,) = text_quality_tables(payload)
        return [dataclasses.replace(table, note=f"{table.note} {counts}.")]


class ExamplesSection:
    key, title = "examples", "Example descriptions next to their references"

    def build(self, context: DescribeContext) -> Any:
        if context.references is None:
            return None
        return {model: example_rows(texts, context.references, limit=context.examples).rows
                for model, texts in sorted(context.texts.items())}

    def tables(self, payload: Any) -> list[Table]:
        return [Table(f"{self.title}: {model}", ("file", "description", "reference"), [tuple(row) for row in rows])
                for model, rows in payload.items()]


class InputsSection:
    key, title = "inputs", "Inputs"

    def build(self, context: DescribeContext) -> Any:
        return {"files": [str(path) for path in context.files], "references": context.references_path,
                "n_descriptions": len(context.scores)}

    def tables(self, payload: Any) -> list[Table]:
        rows = [("scored file", path) for path in payload["files"]]
        rows.append(("references", payload["references"] or "none (--task-option references=CAPTIONS.jsonl)"))
        return [Table(self.title, ("input", "path"), rows)]


RESULTS, TEXT_QUALITY, EXAMPLES, INPUTS = ResultsSection(), TextQualitySection(), ExamplesSection(), InputsSection()
SECTIONS = SectionRegistry("alld-describe report section")
SECTIONS.register("results", "jasco.tasks.alld.report_describe:RESULTS", "extracted ratings vs human ratings")
SECTIONS.register("text_quality", "jasco.tasks.alld.report_describe:TEXT_QUALITY", "BLEU and embedding similarity")
SECTIONS.register("examples", "jasco.tasks.alld.report_describe:EXAMPLES", "descriptions next to references")
SECTIONS.register("inputs", "jasco.tasks.alld.report_describe:INPUTS", "the files read")


def results_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    columns = ("model", "quantity", "n", "n_total", "coverage", "mse", "mse_ci_lo", "mse_ci_hi", "mae", "pearson",
               "pearson_ci_lo", "pearson_ci_hi", "spearman", "spearman_ci_lo", "spearman_ci_hi")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in report["results"]["results"]:
        bounds = {f"{metric}_ci_{end}": entry["ci"][metric][i] for metric in ("mse", "pearson", "spearman")
                  for i, end in enumerate(("lo", "hi"))}
        writer.writerow({**entry, **bounds})
    return buffer.getvalue()


REPORT = ReportSpec(
    title="ALLD describe report",
    note="An audio LLM describes each file's quality and ends with a MOS (ALLD, arXiv 2501.17202): the MOS and any "
         "dimension it names vs human ratings; descriptions vs the text LLM's reference descriptions.",
    sections=SECTIONS, make_context=make_context, csv=results_csv,
)
