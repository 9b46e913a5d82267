"""Every answer, per clip: the data behind the HTML report's clip explorer.

Per clip: its audio file (absolute path as resolved from the ``audio`` column, and whether it
exists), sound and speech descriptions, reference answer and keywords; then per ALLM and variant
the answer and every judge's rating, orientation, parse status and full judge text. Text
renderers show nothing for it; the HTML page draws it (``html.explorer``).
"""

from __future__ import annotations

import os
from typing import Any

from jasco.report.sections import Table
from jasco.tasks.jasco.report.context import JascoContext

CLIP_FIELDS = ("audio", "audio_path", "audio_sound", "spoken_text", "tgt_text", "target_keywords",
               "audio_only_target", "speech_only_target")


def _rating(value: Any) -> int | None:
    """The rating as an int; None for an unscored row (None, or NaN in a float column)."""
    if value is None or value != value:  # NaN != NaN
        return None
    return int(value)


class ExplorerSection:
    key = "explorer"
    title = "Clip explorer"

    def build(self, context: JascoContext) -> Any:
        records: list[dict[str, Any]] = context.rows.to_dict("records")  # type: ignore[assignment]
        records.sort(key=lambda r: (r["model"], r["variant"], r["judge"]))
        by_clip: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_clip.setdefault(record["id"], []).append(record)
        clips = []
        for clip in context.clips:
            mine = by_clip[clip]
            entry: dict[str, Any] = {"id": clip, **{name: mine[0][name] for name in CLIP_FIELDS}}
            entry["audio_exists"] = bool(entry["audio_path"]) and os.path.isfile(entry["audio_path"])
            answers: dict[tuple[str, int], dict[str, Any]] = {}
            for row in mine:
                answer = answers.setdefault((row["model"], row["variant"]), {
                    "model": row["model"], "variant": int(row["variant"]), "first": row["first"],
                    "prompt": row["prompt"], "answer": row["allm_output"], "judgments": [],
                })
                answer["judgments"].append({
                    "judge": row["judge"], "rating": _rating(row["rating"]), "orientation": row["orientation"],
                    "status": row["status"], "explanation": row["judge_output"],
                })
            entry["answers"] = list(answers.values())
            clips.append(entry)
        return clips

    def tables(self, payload: Any) -> list[Table]:
        return []

    def html(self, report: dict[str, Any], options: Any) -> str:
        from jasco.tasks.jasco.report.html import explorer

        return explorer(report, options)


EXPLORER = ExplorerSection()
