"""``speech-quality`` as a registered task: MOS and NISQA's quality dimensions from audio LLMs.

Items (``item_table``): per degraded file of the selected splits (``split``, repeatable, default
the three NISQA test sets) and question family (``families``, default the bank's), one question
rendered from the versioned bank with a seeded paraphrase (``seed``). The model hears the
degraded file, and with ``with_reference`` its clean reference second (files without one, e.g.
NISQA_TEST_LIVETALK, are rows marked ``excluded`` and counted). Answers are scored by rule
(``scoring``): text extraction, or with ``score_mode=expected`` the probability-weighted 1-5
score at the answer's number (numeric families only); quality predictors (``dnsmos``,
``distillmos``, ``signal``) answer with numbers and are scored on the dimensions they predict.

No audio is cropped: ``max_audio_s`` (default: the window the model declares, ``max_audio_s``
on the model, e.g. 30 s for Qwen2-Audio; none: no limit) with ``audio_policy`` ``error`` (refuse
the model before it loads, naming the item) or ``exclude`` (those items are not asked that
model; recorded in its answers and counted in the report), applied per model.

Store keys and manifests hold the question bank's and the scale file's sha256 (``fingerprint``),
the seed and the score mode; items.csv holds them per row, with the families and exclusions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, Message, TextPart
from jasco.tasks.base import AnswerFormat, ScoreResult, TaskBase, TaskError
from jasco.tasks.options import TaskOption, TaskOptionError
from jasco.tasks.speech_quality.corpus import TEST_SPLITS
from jasco.tasks.speech_quality.datasets import NisqaLayoutData
from jasco.tasks.speech_quality.item_table import ITEM_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from jasco.report.sections import ReportSpec

NUMERIC_KIND = "numeric"


@cache
def _bank_families() -> dict[str, str]:
    """family -> kind, from the bank file (light: no rendering)."""
    from jasco.core.prompting import load_json
    from jasco.tasks.speech_quality.bank import BANK_FILE

    data = load_json(BANK_FILE)
    return {name: str(entry["kind"]) for name, entry in data["families"].items()}


OPTIONS = (
    TaskOption("split", "a db of the corpus (NISQA: NISQA_TEST_FOR, ...; the demo corpus: DEMO_SIM)",
               multiple=True, default=TEST_SPLITS, affects_results=False),
    TaskOption("with_reference", "double-ended: the clean reference as a second audio", kind="bool", default=False),
    TaskOption("families", "question families (default: the bank's defaults; score mode expected: the numeric "
               "ones)", multiple=True, choices=tuple(_bank_families()), affects_results=False),
    TaskOption("seed", "seed of the paraphrase chosen per item", kind="int", default=0),
    TaskOption("score_mode", "text: the number in the answer; expected: sum s*p(s) over 1-5 at the answer's "
               "number (top logprobs)", default="text", choices=("text", "expected")),
    TaskOption("max_audio_s", "longest audio a model is given, s (default: the model's own window, if it "
               "declares one)", kind="float", affects_results=False),
    TaskOption("audio_policy", "an item over max_audio_s: error (refuse the model) or exclude (not asked, "
               "counted)", default="error", choices=("error", "exclude"), affects_results=False),
    TaskOption("reparse", "report: re-extract SpeechQualityLLM's generated texts with jasco's extractor too",
               kind="bool", default=False, affects_results=False),
)


class SpeechQualityTask(NisqaLayoutData, TaskBase):
    name = "speech-quality"
    summary = "speech quality (MOS, noi, col, dis, loud) from audio LLMs and predictors, on NISQA (issue 12)"
    dataset = "nisqa"
    scoring = "rule"
    options = OPTIONS
    item_columns = ITEM_COLUMNS
    row_key = ("id",)
    audio_columns = ("deg_path",)
    answer_column = "answer"
    rules_version = "speech-quality-scoring-v1"

    @property
    def report(self) -> ReportSpec:
        from jasco.tasks.speech_quality.report_spec import REPORT

        return REPORT

    def resolve_options(self, given: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        values = super().resolve_options(given)
        kinds = _bank_families()
        if values["score_mode"] == "expected":
            chosen = values["families"] or tuple(f for f in self._default_families() if kinds[f] == NUMERIC_KIND)
            other = [f for f in chosen if kinds[f] != NUMERIC_KIND]
            if other:
                raise TaskOptionError(f"score mode expected reads the number of a one-number answer; families "
                                      f"{', '.join(other)} are not numeric (numeric: "
                                      f"{', '.join(f for f, k in kinds.items() if k == NUMERIC_KIND)})")
        else:
            chosen = values["families"] or self._default_families()
        values["families"] = tuple(dict.fromkeys(chosen))
        if values["max_audio_s"] is not None and values["max_audio_s"] <= 0:
            raise TaskOptionError(f"task option max_audio_s: {values['max_audio_s']:g} is not a positive duration")
        values["split"] = tuple(dict.fromkeys(values["split"]))
        return values

    @staticmethod
    def _default_families() -> tuple[str, ...]:
        from jasco.core.prompting import load_json
        from jasco.tasks.speech_quality.bank import BANK_FILE

        return tuple(load_json(BANK_FILE)["default_families"])

    def audio_columns_for(self, options: Mapping[str, Any]) -> tuple[str, ...]:
        return ("deg_path", "ref_path") if options.get("with_reference") else ("deg_path",)

    def fingerprint(self, options: Mapping[str, Any]) -> dict[str, str]:
        from jasco.tasks.speech_quality.bank import load_bank
        from jasco.tasks.speech_quality.scale import load_scale

        return {"bank_sha256": load_bank().sha256, "scale_sha256": load_scale().sha256}

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
        from jasco.tasks.datasets import DatasetError
        from jasco.tasks.speech_quality.bank import load_bank
        from jasco.tasks.speech_quality.corpus import CorpusError, read_corpus
        from jasco.tasks.speech_quality.item_table import item_frame
        from jasco.tasks.speech_quality.items import expand
        from jasco.tasks.speech_quality.scale import load_scale

        try:
            corpus = read_corpus(data_dir, options["split"])
        except CorpusError as error:
            raise DatasetError(f"{error}; --data-dir takes a corpus in the NISQA layout "
                               "(`jasco data fetch --dataset nisqa` or `--dataset speech-demo`)") from None
        bank = load_bank()
        expansion = expand(corpus, options["families"], with_reference=bool(options["with_reference"]),
                           seed=int(options["seed"]), bank=bank)
        return item_frame(corpus, expansion, options["families"], bank, with_reference=bool(options["with_reference"]),
                          seed=int(options["seed"]), scale_sha256=load_scale().sha256)

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        return row["id"]

    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]:
        return (Message("user", (*audios, TextPart(row["question"]))),)

    def answer_format(self, options: Mapping[str, Any]) -> AnswerFormat:
        from jasco.tasks.speech_quality.expected_mode import TOP_LOGPROBS

        return AnswerFormat(top_logprobs=TOP_LOGPROBS if options.get("score_mode") == "expected" else 0)

    def excluded_rows(self, frame: pd.DataFrame, model: Any, options: Mapping[str, Any]) -> dict[int, str]:
        from jasco.tasks.speech_quality.item_table import is_excluded, items_of
        from jasco.tasks.speech_quality.items import AudioLengthError, apply_audio_limit

        rows = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
        reasons = {position: str(row["excluded"]) for position, row in enumerate(rows) if is_excluded(row)}
        limit = options.get("max_audio_s") or getattr(model, "max_audio_s", None)
        if limit is None:
            return reasons
        items = items_of(rows)
        try:
            _, left_out = apply_audio_limit(list(items.values()), float(limit), options.get("audio_policy", "error"),
                                            model=f"model {getattr(model, 'name', 'the model')!r}")
        except AudioLengthError as error:
            raise TaskError(str(error)) from None
        why = {exclusion.key: exclusion.reason for exclusion in left_out}
        reasons.update({position: f"audio too long: {why[item.id]}" for position, item in items.items()
                        if item.id in why})
        return dict(sorted(reasons.items()))

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        import pandas as pd

        from jasco.tasks.speech_quality.scoring import EXCLUDED, SCORED_COLUMNS, scored_rows

        records = [{str(k): v for k, v in row.items()} for row in answers.to_dict("records")]
        rows = scored_rows(records, self.answer_column, str(options.get("score_mode", "text")))
        table = pd.DataFrame(rows, columns=list(SCORED_COLUMNS))
        asked = table[table["status"] != EXCLUDED]
        n_scored = int(asked["y_pred"].notna().sum())
        statuses = {str(k): int(v) for k, v in table["status"].value_counts().sort_index().items()}
        return ScoreResult(table, len(asked), n_scored, details={
            "excluded": int((table["status"] == EXCLUDED).sum()), "by_status": statuses,
            "score_mode": options.get("score_mode"), **self.fingerprint(options),
            "models": sorted(set(map(str, table["model"]))),
        })


TASK = SpeechQualityTask()
