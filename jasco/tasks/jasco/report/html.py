"""JASCO's drawings on the HTML page: the modality-dependence bar chart (after the averages) and
the clip explorer (audio player, descriptions, reference, keywords, every answer with every
judge's rating, orientation and explanation). All text is escaped. A missing audio file is shown
as missing, never as a broken player.
"""

from __future__ import annotations

from typing import Any

from jasco.report import formatting as f
from jasco.report.render import RenderOptions
from jasco.report.render_html import audio_src, esc
from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS

COLORS = {"audio": "#e0884b", "both": "#4f9a6b", "speech": "#4f76c2"}
LABELS = {"audio": "Audio-oriented", "both": "Both", "speech": "Speech-oriented"}


def _chart_rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(label, shares, is_average) per bar: each ALLM's average, then its judges when it has several."""
    rows = []
    for average in report["averages"]:
        rows.append((average["model"], average["dependence"], True))
        mine = [r for r in report["results"] if r["model"] == average["model"]]
        if len(mine) > 1:
            rows.extend((f"judge {r['judge']}", r["dependence"], False) for r in mine)
    return rows


def dependence_chart(report: dict[str, Any], options: RenderOptions) -> str:
    """A horizontal stacked bar per ALLM (and per judge under it): Audio / Both / Speech shares."""
    bar_width, label_width, gap = 560, 220, 10
    rows = _chart_rows(report)
    heights = [26 if is_average else 16 for _, _, is_average in rows]
    height = sum(heights) + gap * (len(rows) + 1)
    parts = [f'<svg id="dependence-chart" role="img" aria-label="Modality dependence per ALLM" '
             f'width="{label_width + bar_width + 20}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    y = gap
    for (label, shares, is_average), bar_height in zip(rows, heights, strict=True):
        weight = "bold" if is_average else "normal"
        size = 13 if is_average else 11
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
                     f'font-size="{size}" font-weight="{weight}">{esc(label)}</text>')
        x = float(label_width)
        for key in DEPENDENCE_KEYS:
            share = shares[key]
            if f.is_missing(share) or float(share) == 0.0:
                continue
            width = bar_width * float(share)
            kind = "bar" if is_average else "judge-bar"
            parts.append(f'<rect class="{kind}-{key}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar_height}" '
                         f'fill="{COLORS[key]}" fill-opacity="{1.0 if is_average else 0.6}"><title>{esc(label)}: '
                         f"{LABELS[key]} {f.pct(share)}</title></rect>")
            if width > 38:
                parts.append(f'<text x="{x + width / 2:.1f}" y="{y + bar_height * 0.7:.1f}" text-anchor="middle" '
                             f'font-size="{size - 1}" fill="#fff">{f.pct(share, 0)}</text>')
            x += width
        y += bar_height + gap
    parts.append("</svg>")
    legend = "".join(f'<span><i class="swatch" style="background:{COLORS[k]}"></i>{LABELS[k]}</span>'
                     for k in DEPENDENCE_KEYS)
    return (f'<h3>Modality dependence per ALLM (bold: average over judges)</h3><div class="legend">{legend}</div>'
            + "".join(parts))


def _judgment_html(judgment: dict[str, Any]) -> str:
    rating = "unscored" if judgment["rating"] is None else str(judgment["rating"])
    orientation = judgment["orientation"] or "—"
    status = "" if judgment["status"] in ("ok",) else f' <span class="missing">({esc(judgment["status"])})</span>'
    return (f'<div class="judgment"><b>{esc(judgment["judge"])}</b>: rating <b>{esc(rating)}</b>, '
            f"orientation <b>{esc(orientation)}</b>{status}"
            f'<pre class="explanation">{esc(judgment["explanation"])}</pre></div>')


def _clip_html(clip: dict[str, Any], options: RenderOptions, open_: bool) -> str:
    if clip["audio_exists"]:
        player = f'<audio controls preload="metadata" src="{esc(audio_src(clip["audio_path"], options))}"></audio>'
    else:
        player = (f'<span class="missing">audio file not found inside the dataset directory: '
                  f'{esc(clip["audio_path"] or clip["audio"])}</span>')
    facts = [("Audio", player), ("Sound", esc(clip["audio_sound"])), ("Speech", esc(clip["spoken_text"])),
             ("Reference answer", esc(clip["tgt_text"])), ("Keywords", esc(clip["target_keywords"])),
             ("Audio-only answer", esc(clip["audio_only_target"])),
             ("Speech-only answer", esc(clip["speech_only_target"]))]
    dl = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    answers = []
    for answer in clip["answers"]:
        judgments = "".join(_judgment_html(judgment) for judgment in answer["judgments"])
        answers.append(
            f'<div class="answer" data-model="{esc(answer["model"])}"><div><b>{esc(answer["model"])}</b>, '
            f'variant {answer["variant"]} ({esc(answer["first"])} first)</div>'
            f'<div class="prompt">{esc(answer["prompt"])}</div><blockquote>{esc(answer["answer"])}</blockquote>'
            f"{judgments}</div>")
    summary = f"Clip {esc(clip['id'])}: {esc(clip['audio_sound'])} / “{esc(clip['spoken_text'])}”"
    return (f'<details class="clip" id="clip-{esc(clip["id"])}"{" open" if open_ else ""}><summary>{summary}</summary>'
            f'<dl class="facts">{dl}</dl>{"".join(answers)}</details>')


def explorer(report: dict[str, Any], options: RenderOptions) -> str:
    clips: list[dict[str, Any]] = report["explorer"]
    models = sorted({answer["model"] for clip in clips for answer in clip["answers"]})
    choices = '<option value="">all</option>' + "".join(f'<option value="{esc(m)}">{esc(m)}</option>' for m in models)
    controls = ('<div class="controls"><label>Search <input id="clip-search" type="search" '
                'placeholder="clip id or any text"></label>'
                f'<label>ALLM <select id="model-filter">{choices}</select></label></div>')
    body = "".join(_clip_html(clip, options, index == 0) for index, clip in enumerate(clips))
    return controls + body
