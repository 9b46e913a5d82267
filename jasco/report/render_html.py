"""The HTML renderer: one self-contained page (inline CSS, JS and SVG; nothing fetched).

Every section's tables as HTML tables, then what the section draws itself (its optional
``html(report, options)``: JASCO's dependence chart and clip explorer, say), under the task's
title. All text is escaped (``esc``). ``audio_src`` gives an audio file's ``src``: its path
relative to the output file when there is one (else a file:// URL).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jasco.report.render import RenderOptions, section_tables
from jasco.report.sections import Table


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


def render_html(report: dict[str, Any], options: RenderOptions) -> str:
    parts = []
    for key, section, tables in section_tables(report, options):
        extra = getattr(section, "html", None)
        if not tables and extra is None:
            continue
        content = "".join(table_html(table, section.title) for table in tables)
        if extra is not None:
            content += extra(report, options)
        parts.append(f'<section id="section-{esc(key)}"><h2>{esc(section.title)}</h2>{content}</section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(options.spec.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(options.spec.title)}</h1><p class=\"note\">{esc(options.spec.note)}</p>"
            f"{''.join(parts)}<script>{SCRIPT}</script></body></html>\n")
