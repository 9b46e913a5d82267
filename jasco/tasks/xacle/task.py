"""XACLE as a registered task: how well a caption describes a clip, 0-10, scored by rule against labels.

Items (``expand``): one per (pair of the ``split``, prompt ``template``), from any directory in the
official layout (``--data-dir``; the dataset ``xacle``, or ``xacle-demo``); one audio each, asked
as one user turn holding the clip and the rendered prompt (``prompts/xacle/*.vN.j2``: the scale
and its anchors, the caption). The rendered prompt, hence the caption and the template, is part
of every answer's store key.

Scoring (``score``, ``answers.score_answers``): ``--score-mode text`` reads the number tied to
the rating in the answer (``extract``); ``--score-mode expected`` asks for the top-k logprobs of
every generated token and scores the expectation over the score tokens at the answer position
(``expected_answer``). Unscored rows keep their raw answer and the reason. The report compares
the scores with the labels exactly as the official ``evaluate.py`` (``report_sections``), with
the published results of the same split beside them; ``jasco run`` also writes the official
submission file per model and prompt (``submission``: no fill unless ``fill`` is given).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.types import AudioPart, Message, TextPart
from jasco.tasks.base import AnswerFormat, ScoreResult, TaskBase, TaskError
from jasco.tasks.options import TaskOption, TaskOptionError
from jasco.tasks.xacle.expected_answer import TOKENIZATIONS
from jasco.tasks.xacle.items import DEFAULT_TEMPLATES, template_key
from jasco.tasks.xacle.layout import SPLITS

if TYPE_CHECKING:
    import pandas as pd

    from jasco.report.sections import ReportSpec

ITEM_COLUMNS = ("id", "split", "wav_file_name", "audio", "text", "template", "average_score", "label_source")
SCORE_ANSWER_REGEX = "(10|[0-9])"
SYNTHETIC, LISTENERS = "synthetic", "listeners"

OPTIONS = (
    TaskOption("split", "the split whose pairs are rated (train, validation or test)", default="validation",
               choices=SPLITS, affects_results=False),
    TaskOption("template", "prompt paraphrase(s), e.g. rate_match.v1, rate_listener.v1, rate_generated.v1 "
               "(repeatable)", multiple=True, default=tuple(template_key(t) for t in DEFAULT_TEMPLATES),
               affects_results=False),
    TaskOption("score_mode", "text: the number in the answer; expected: the probability-weighted mean over "
               "the score tokens (needs logprobs: in-process vLLM or an OpenAI-compatible server)",
               default="text", choices=("text", "expected")),
    TaskOption("top_logprobs", "expected mode: alternatives returned per generated token", kind="int", default=20),
    TaskOption("constrain", "constrain the answer to a whole number 0-10 (structured outputs; vLLM backends)",
               kind="bool", default=False),
    TaskOption("tokenization", "expected mode: are numbers single tokens ('whole') or digit by digit ('digits'); "
               "auto: read from the model's own tokens", default="auto", choices=TOKENIZATIONS,
               affects_results=False),
    TaskOption("min_mass", "expected mode: least probability on the score tokens for a scored answer",
               kind="float", default=0.5, affects_results=False),
    TaskOption("max_ambiguous", "expected mode, digit tokenizers, an answer other than '1': the largest share "
               "of the score mass on '1' (it may begin '10') still read as 1 (above it: unscored, ambiguous-ten)",
               kind="float", default=0.05, affects_results=False),
    TaskOption("fill", "jasco run's submission: the score given to unscored pairs (default: none, and a "
               "submission with unscored pairs is not written)", kind="float", affects_results=False),
)


def template_file(name: str) -> str:
    """``rate_match.v1`` or ``xacle/rate_match.v1.j2`` -> ``xacle/rate_match.v1.j2``."""
    name = name.strip()
    if not name.startswith("xacle/"):
        name = f"xacle/{name}"
    return name if name.endswith(".j2") else f"{name}.j2"


class XacleTask(TaskBase):
    name = "xacle"
    summary = "XACLE: how well a caption describes a general-audio clip (0-10), SRCC/LCC/KTAU/MSE vs listeners"
    dataset = "xacle"
    scoring = "rule"
    options = OPTIONS
    item_columns = ITEM_COLUMNS
    row_key = ("id",)
    audio_columns = ("audio",)
    answer_column = "answer"

    @property
    def report(self) -> ReportSpec:
        from jasco.tasks.xacle.report_sections import REPORT

        return REPORT

    def resolve_options(self, given: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        from jasco.tasks.xacle.errors import XacleError
        from jasco.tasks.xacle.items import check_templates

        values = super().resolve_options(given)
        try:
            values["template"] = tuple(template_key(t) for t in check_templates(
                [template_file(t) for t in values["template"]]))
        except XacleError as error:
            raise TaskOptionError(f"task option template: {error}") from None
        if values["top_logprobs"] < 1:
            raise TaskOptionError("task option top_logprobs: must be at least 1")
        if not 0.0 <= values["min_mass"] <= 1.0:
            raise TaskOptionError("task option min_mass: must lie in 0-1")
        if not 0.0 <= values["max_ambiguous"] <= 1.0:
            raise TaskOptionError("task option max_ambiguous: must lie in 0-1")
        if values["fill"] is not None and not 0.0 <= values["fill"] <= 10.0:
            raise TaskOptionError(f"task option fill: {values['fill']:g} is outside the 0-10 scale")
        return values

    def expand(self, data_dir: Path, options: Mapping[str, Any]) -> pd.DataFrame:
        import pandas as pd

        from jasco.tasks.datasets import DatasetError
        from jasco.tasks.xacle.errors import XacleError
        from jasco.tasks.xacle.items import expand_items
        from jasco.tasks.xacle.layout import DEMO_MARKER, find_layout_root, read_split

        try:
            pairs = read_split(data_dir, options["split"])
            synthetic = (find_layout_root(data_dir) / DEMO_MARKER).is_file()
            items = expand_items(pairs, [template_file(t) for t in options["template"]])
        except XacleError as error:
            raise DatasetError(f"{error} (install the data with `jasco data fetch --dataset xacle` or "
                               "`--dataset xacle-demo`, or point --data-dir at a copy in the XACLE layout)") from None
        rows = [{
            "id": item.item_id, "split": item.split, "wav_file_name": item.wav_file_name,
            "audio": str(item.audio_path), "text": item.caption, "template": item.template_key,
            "average_score": "" if item.label is None else repr(item.label),
            "label_source": "" if item.label is None else SYNTHETIC if synthetic else LISTENERS,
        } for item in items]
        return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))

    def item_id(self, row: Mapping[str, str], position: int) -> str:
        return row["id"]

    def conversation(
        self, row: Mapping[str, str], audios: Sequence[AudioPart], options: Mapping[str, Any]
    ) -> tuple[Message, ...]:
        from jinja2 import TemplateError

        from jasco.core.prompting import render
        from jasco.tasks.xacle.errors import XacleError
        from jasco.tasks.xacle.items import check_templates

        try:
            (template,) = check_templates([template_file(row["template"])])
            text = render(template, caption=row["text"]).strip()
        except (XacleError, TemplateError) as error:
            raise TaskError(f"item {row.get('id', '?')}: {error}") from None
        return (Message("user", (audios[0], TextPart(text))),)

    def answer_format(self, options: Mapping[str, Any]) -> AnswerFormat:
        expected = options["score_mode"] == "expected"
        return AnswerFormat(regex=SCORE_ANSWER_REGEX if options["constrain"] else None,
                            top_logprobs=options["top_logprobs"] if expected else 0)

    def score(self, answers: pd.DataFrame, options: Mapping[str, Any]) -> ScoreResult:
        from jasco.tasks.xacle.answers import score_answers

        return score_answers(answers, options, self.answer_column)

    def fingerprint(self, options: Mapping[str, Any]) -> dict[str, str]:
        from jasco.core.prompting import template_sha256

        return {template_file(t): template_sha256(template_file(t)) for t in options["template"]}

    def write_run_outputs(self, scored: Sequence[Path], out_dir: Path, options: Mapping[str, Any],
                          echo: Callable[[str], None]) -> list[str]:
        from jasco.tasks.xacle.submission import write_submissions

        return write_submissions(scored, Path(out_dir) / "submissions", options.get("fill"), echo)


TASK = XacleTask()
