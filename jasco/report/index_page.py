"""The main job's front page: ``results/index.html`` linking each run's reports.

Each run directory named on the command line (``report.txt``, ``report.html``, ``report.json`` as
``jasco run`` writes them) gets a heading, links to its three reports, and the opening lines of
its text report as an excerpt, so the page shows what the job produced without opening anything.
Written atomically; a run directory without ``report.txt`` is one clear error line, no page.

    python -m jasco.report.index_page results/index.html "JASCO controls=results/controls" \
        "Speech quality=results/speech-quality"
"""

from __future__ import annotations

import html
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

EXCERPT_LINES = 30
REPORTS = ("report.html", "report.txt", "report.json")


class IndexPageError(ValueError):
    """A run directory without its reports."""


def render_index(runs: Sequence[tuple[str, Path]], page: Path, excerpt_lines: int = EXCERPT_LINES) -> str:
    """The page's HTML; ``runs``: (title, run directory); links are relative to ``page``'s folder."""
    sections = []
    for title, run in runs:
        text_report = run / "report.txt"
        if not text_report.is_file():
            raise IndexPageError(f"{run}: no report.txt (run `jasco run ... --out {run}` first)")
        lines = text_report.read_text(encoding="utf-8").splitlines()
        shown = "\n".join(lines[:excerpt_lines]) + (f"\n... ({len(lines) - excerpt_lines} more lines)"
                                                    if len(lines) > excerpt_lines else "")
        links = " | ".join(
            f'<a href="{html.escape(os.path.relpath(run / name, page.parent))}">{name}</a>'
            for name in REPORTS if (run / name).is_file())
        sections.append(f"<section><h2>{html.escape(title)}</h2><p>{links}</p>"
                        f"<pre>{html.escape(shown)}</pre></section>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>jasco results</title>"
            "<style>body{font-family:sans-serif;max-width:72rem;margin:2rem auto}pre{background:#f6f6f6;"
            "padding:1rem;overflow-x:auto}</style></head><body><h1>jasco results</h1>"
            + "".join(sections) + "</body></html>\n")


def write_index(page: Path, runs: Sequence[tuple[str, Path]]) -> Path:
    content = render_index(runs, page)
    page.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=page.parent, prefix=".index-", suffix=".html")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content)
    os.replace(temporary, page)
    return page


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or any("=" not in arg for arg in argv[1:]):
        print("usage: python -m jasco.report.index_page PAGE TITLE=RUN_DIR [TITLE=RUN_DIR ...]", file=sys.stderr)
        return 2
    runs = [(title, Path(run)) for title, _, run in (arg.partition("=") for arg in argv[1:])]
    try:
        page = write_index(Path(argv[0]), runs)
    except IndexPageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"index: {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
