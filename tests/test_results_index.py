"""results/index.html: the main job's front page links each run's reports and shows their opening lines."""

from __future__ import annotations

from pathlib import Path

from jasco.report.index_page import main, render_index


def _run(root: Path, name: str, text: str) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "report.txt").write_text(text, encoding="utf-8")
    (run / "report.html").write_text("<html></html>", encoding="utf-8")
    return run


def test_the_page_links_both_reports_and_shows_an_excerpt(tmp_path: Path) -> None:
    controls = _run(tmp_path / "results", "controls", "best-mean <reference> 1.00\n")
    speech = _run(tmp_path / "results", "speech-quality", "\n".join(f"line {i}" for i in range(40)))
    page = tmp_path / "results" / "index.html"
    assert main([str(page), f"JASCO={controls}", f"Speech quality={speech}"]) == 0
    content = page.read_text(encoding="utf-8")
    assert '<a href="controls/report.html">report.html</a>' in content
    assert '<a href="speech-quality/report.txt">report.txt</a>' in content and "report.json" not in content
    assert "best-mean &lt;reference&gt; 1.00" in content  # escaped
    assert "line 29" in content and "line 30" not in content and "(10 more lines)" in content
    assert content.index("<h2>JASCO</h2>") < content.index("<h2>Speech quality</h2>")


def test_a_run_without_reports_is_one_error_line_and_no_page(tmp_path: Path, capsys: object) -> None:
    page = tmp_path / "index.html"
    assert main([str(page), f"x={tmp_path / 'missing'}"]) == 1
    assert not page.exists()
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and "missing: no report.txt" in err
    assert render_index([], page).startswith("<!doctype html>")
