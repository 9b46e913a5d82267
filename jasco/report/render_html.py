"""The HTML renderer: one self-contained page (inline CSS, JS and SVG; nothing fetched).

Every section's tables as HTML tables, then per-section extras from ``EXTRA_HTML`` (keyed by
section key): a stacked bar chart of modality dependence after the averages, and the clip
explorer (audio player, descriptions, reference, keywords, every answer with every judge's
rating, orientation and explanation). All text is escaped. Audio ``src`` is the file's path
relative to the output file when there is one (else a file:// URL); a missing file is shown as
missing, never as a broken player.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jasco.report import formatting as f
from jasco.report.render import RenderOptions, section_tables
from jasco.report.sections import Table
from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
 padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d8dce4;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d8dce4;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f1f3f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
p.note{color:#556;font-size:.85rem;margin:.2rem 0 1rem}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
details.clip{border:1px solid #d8dce4;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
details.clip>summary{cursor:pointer;font-weight:600}
dl.facts{display:grid;grid-template-columns:11rem 1fr;gap:.2rem .8rem;margin:.6rem 0}
dl.facts dt{font-weight:600;color:#445}dl.facts dd{margin:0}
.answer{border-top:1px dashed #d8dce4;padding:.5rem 0}.answer .prompt{color:#556;font-size:.85rem}
.answer blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;border-left:3px solid #8aa4d6}
pre.explanation{white-space:pre-wrap;font-size:.8rem;background:#f7f8fb;padding:.4rem;margin:.2rem 0;max-height:16rem;
 overflow:auto}
.missing{color:#a33}.controls{margin:.6rem 0}.controls label{margin-right:1rem}
"""

SCRIPT = """
(function () {
  var search = document.getElementById('clip-search');
  var model = document.getElementById('model-filter');
  if (!search || !model) { return; }
  function apply() {
    var needle = search.value.trim().toLowerCase();
    var chosen = model.value;
    document.querySelectorAll('details.clip').forEach(function (clip) {
      var text = clip.textContent.toLowerCase();
      clip.hidden = needle !== '' && text.indexOf(needle) < 0;
    });
    document.querySelectorAll('.answer').forEach(function (answer) {
      answer.hidden = chosen !== '' && answer.getAttribute('data-model') !== chosen;
    });
  }
  search.addEventListener('input', apply);
  model.addEventListener('change', apply);
  apply();
})();
"""

COLORS = {"audio": "#e0884b", "both": "#4f9a6b", "speech": "#4f76c2"}
LABELS = {"audio": "Audio-oriented", "both": "Both", "speech": "Speech-oriented"}


def _numeric(value: str) -> bool:
    text = value.rstrip("%")
    try:
        float(text)
    except ValueError:
        return False
    return True


def table_html(table: Table, section_title: str = "") -> str:
    head = "".join(f"<th>{esc(column)}</th>" for column in table.columns)
    body = []
    for row in table.rows:
        cells = "".join(
            f'<td class="num">{esc(value)}</td>' if _numeric(str(value)) else f"<td>{esc(value)}</td>" for value in row
        )
        body.append(f"<tr>{cells}</tr>")
    note = f'<p class="note">{esc(table.note)}</p>' if table.note else ""
    title = "" if table.title == section_title else f"<h3>{esc(table.title)}</h3>"
    return (f"{title}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{note}")


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


def audio_src(path: str, options: RenderOptions) -> str:
    """The URL of an audio file: relative to the output file's folder when possible."""
    if options.out_path is not None:
        folder = Path(options.out_path).resolve().parent
        try:
            relative = os.path.relpath(path, folder)
        except ValueError:  # another drive (Windows)
            relative = ""
        if relative:
            return quote(Path(relative).as_posix())
    return "file://" + quote(Path(path).resolve().as_posix())


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
        player = f'<span class="missing">audio file not found: {esc(clip["audio_path"] or clip["audio"])}</span>'
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


# section key -> a function of the whole report drawing more than tables, shown after its tables
EXTRA_HTML: dict[str, Callable[[dict[str, Any], RenderOptions], str]] = {
    "averages": dependence_chart,
    "explorer": explorer,
}


def render_html(report: dict[str, Any], options: RenderOptions) -> str:
    parts = []
    for key, section, tables in section_tables(report):
        extra = EXTRA_HTML.get(key)
        if not tables and extra is None:
            continue
        content = "".join(table_html(table, section.title) for table in tables)
        if extra is not None:
            content += extra(report, options)
        parts.append(f'<section id="section-{esc(key)}"><h2>{esc(section.title)}</h2>{content}</section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>JASCO report</title><style>{CSS}</style></head><body>"
            "<h1>JASCO report</h1><p class=\"note\">What Are They Doing (arXiv 2409.14526): joint audio-speech "
            "co-reasoning. best-mean on a 0-2 scale; dependence shares exclude Neither.</p>"
            f"{''.join(parts)}<script>{SCRIPT}</script></body></html>\n")
