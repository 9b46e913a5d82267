"""Every answer, per clip: the data behind the HTML report's clip explorer.

Per clip: its audio file (absolute path as resolved from the ``audio`` column, and whether it
exists), sound and speech descriptions, reference answer and keywords; then per ALLM and variant
the answer and every judge's rating, orientation, parse status and full judge text. Text
renderers show nothing for it; the HTML renderer draws it.
"""

from __future__ import annotations

import os
from typing import Any

from jasco.report.sections import ReportContext, Table

CLIP_FIELDS = ("audio", "audio_path", "audio_sound", "spoken_text", "tgt_text", "target_keywords",
               "audio_only_target", "speech_only_target")


def _rating(value: Any) -> int | None:
    return None if value != value else int(value)  # NaN != NaN


class ExplorerSection:
    key = "explorer"
    title = "Clip explorer"

    def build(self, context: ReportContext) -> Any:
        rows = context.rows
        clips = []
        for clip in context.clips:
            mine = rows[rows["id"] == clip].sort_values(["model", "variant", "judge"], kind="stable")
            first = mine.iloc[0]
            entry: dict[str, Any] = {"id": clip, **{field: first[field] for field in CLIP_FIELDS}}
            entry["audio_exists"] = bool(entry["audio_path"]) and os.path.isfile(entry["audio_path"])
            answers = []
            for (model, variant), group in mine.groupby(["model", "variant"], sort=True):
                answers.append({
                    "model": model, "variant": int(variant), "first": group["first"].iloc[0],
                    "prompt": group["prompt"].iloc[0], "answer": group["allm_output"].iloc[0],
                    "judgments": [{
                        "judge": row["judge"], "rating": _rating(row["rating"]), "orientation": row["orientation"],
                        "status": row["status"], "explanation": row["judge_output"],
                    } for row in group.to_dict("records")],
                })
            entry["answers"] = answers
            clips.append(entry)
        return clips

    def tables(self, payload: Any) -> list[Table]:
        return []


EXPLORER = ExplorerSection()
