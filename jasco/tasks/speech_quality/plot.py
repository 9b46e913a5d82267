"""Predicted vs human scatter plots, one per (model[, family], dimension), as inline SVG for the page.

``scatter_points(scores)`` reduces the scores table to a JSON-ready payload the report can carry:
up to ``max_points`` scored points per plot as [human, predicted] pairs, else a 40 x 40 grid of
counts over [1, 5]^2 (drawn as a density plot, and said so under it). ``scatter_html(payload)``
draws them: self-contained SVG (no script, no external file), the 1-5 axes, the identity line,
and n and Pearson r in each title. All text is escaped.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from jasco.tasks.speech_quality.scale import QUANTITIES, load_scale

MAX_POINTS = 2000
GRID = 40
SIZE, PAD = 220, 34  # plot square and margin, px
LOW, HIGH = 1.0, 5.0


def scatter_points(scores: pd.DataFrame, max_points: int = MAX_POINTS) -> list[dict[str, Any]]:
    keys = ["model", "family", "dimension"] if "family" in scores.columns else ["model", "dimension"]
    plots = []
    scored = scores[scores["y_pred"].notna()]
    groups = sorted(scored.groupby(keys, sort=False), key=lambda g: (*map(str, g[0][:-1]),
                                                                      QUANTITIES.index(str(g[0][-1]))))
    for names, group in groups:
        true = group["y_true"].to_numpy(dtype=float)
        pred = group["y_pred"].to_numpy(dtype=float)
        entry: dict[str, Any] = {key: str(name) for key, name in zip(keys, names, strict=True)}
        entry["n"] = len(true)
        entry["pearson"] = float(np.corrcoef(true, pred)[0, 1]) if len(true) > 1 and np.ptp(true) and np.ptp(pred) \
            else None
        if len(true) <= max_points:
            entry["points"] = [[round(float(t), 3), round(float(p), 3)] for t, p in zip(true, pred, strict=True)]
        else:
            edges = np.linspace(LOW, HIGH, GRID + 1)
            counts, _, _ = np.histogram2d(np.clip(true, LOW, HIGH), np.clip(pred, LOW, HIGH), bins=[edges, edges])
            entry["density"] = counts.astype(int).tolist()
        plots.append(entry)
    return plots


def _x(value: float) -> float:
    return PAD + (value - LOW) / (HIGH - LOW) * SIZE


def _y(value: float) -> float:
    return PAD + SIZE - (value - LOW) / (HIGH - LOW) * SIZE


def _svg(plot: dict[str, Any]) -> str:
    label = load_scale().labels.get(plot["dimension"], plot["dimension"])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE + 2 * PAD}" height="{SIZE + 2 * PAD}" '
             f'role="img" aria-label="{html.escape(label)}: predicted vs human">',
             f'<rect x="{PAD}" y="{PAD}" width="{SIZE}" height="{SIZE}" fill="none" stroke="#999"/>']
    for tick in range(1, 6):
        parts.append(f'<text x="{_x(tick):.1f}" y="{PAD + SIZE + 14}" font-size="10" '
                     f'text-anchor="middle">{tick}</text>')
        parts.append(f'<text x="{PAD - 6}" y="{_y(tick) + 3:.1f}" font-size="10" text-anchor="end">{tick}</text>')
    parts.append(f'<line x1="{_x(LOW)}" y1="{_y(LOW)}" x2="{_x(HIGH)}" y2="{_y(HIGH)}" stroke="#c33" '
                 'stroke-dasharray="4 3"/>')
    if "points" in plot:
        parts += [f'<circle cx="{_x(t):.1f}" cy="{_y(p):.1f}" r="2" fill="#2a6fb0" fill-opacity="0.45"/>'
                  for t, p in plot["points"]]
    else:
        counts = np.asarray(plot["density"], dtype=float)
        cell = SIZE / GRID
        top = counts.max() or 1.0
        for i, j in zip(*np.nonzero(counts), strict=True):
            opacity = 0.15 + 0.85 * counts[i, j] / top
            parts.append(f'<rect x="{PAD + i * cell:.1f}" y="{PAD + SIZE - (j + 1) * cell:.1f}" width="{cell:.1f}" '
                         f'height="{cell:.1f}" fill="#2a6fb0" fill-opacity="{opacity:.2f}"/>')
    parts.append(f'<text x="{PAD + SIZE / 2}" y="{SIZE + 2 * PAD - 4}" font-size="11" text-anchor="middle">'
                 'human rating</text>')
    parts.append(f'<text x="10" y="{PAD + SIZE / 2}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 10 {PAD + SIZE / 2})">predicted</text>')
    parts.append("</svg>")
    return "".join(parts)


def scatter_html(plots: list[dict[str, Any]]) -> str:
    """A block of figures, one per plot; an empty string when there is nothing scored."""
    if not plots:
        return ""
    figures = []
    for plot in plots:
        title = " / ".join(str(plot[k]) for k in ("model", "family", "dimension") if k in plot)
        r = "n/a" if plot["pearson"] is None else f"{plot['pearson']:.3f}"
        caption = f"{html.escape(title)}: n = {plot['n']}, Pearson r = {r}"
        if "density" in plot:
            caption += f" (too many points to draw: counts on a {GRID} x {GRID} grid, darker = more files)"
        figures.append(f'<figure class="sq-scatter" style="display:inline-block;margin:6px">{_svg(plot)}'
                       f"<figcaption>{caption}</figcaption></figure>")
    return '<div class="sq-scatters">' + "".join(figures) + "</div>"
