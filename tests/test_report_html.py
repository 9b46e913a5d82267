"""The HTML report: self-contained, escaped, audio pointing at real files, and clean in a real browser."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from jasco.report.build import build_report
from jasco.report.render import render, write_report
from jasco.testing.browser import chromium_path, open_page
from tests.report_helpers import golden, upstream_rows, write_csv, write_golden


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(page: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(page)
    return collector.tags


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory, upstream_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("html")
    files = write_golden(upstream_dir, folder)
    report = build_report(files, model="B", judge="X", n_boot=100, data_dir=upstream_dir)
    out = folder / "site" / "nested" / "report.html"
    out.parent.mkdir(parents=True)
    write_report(report, "html", out)
    return out


def test_page_is_self_contained_escaped_and_points_at_real_audio(page_path: Path, upstream_dir: Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    tags = parse(page)
    audio = [attrs["src"] for tag, attrs in tags if tag == "audio"]
    assert len(audio) == 3  # clips 1, 2, 3
    for src in audio:
        assert src and not src.startswith(("/", "file:", "http"))  # relative to the page
        target = (page_path.parent / unquote(src)).resolve()
        assert target.is_file() and target.parent == (upstream_dir / "dataset" / "v0").resolve()
    for tag, attrs in tags:
        for name in ("src", "href"):
            assert not (attrs.get(name) or "").startswith(("http:", "https:", "//")), (tag, attrs)
        assert tag != "link"
    assert [tag for tag, _ in tags].count("script") == 1
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>&amp;</b>" not in page and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert page.count('class="clip"') == 3 and 'id="dependence-chart"' in page


def test_without_out_path_audio_is_a_file_url(page_path: Path, upstream_dir: Path, tmp_path: Path) -> None:
    spec = golden()["files"][0]
    rows = upstream_rows(upstream_dir, spec["rows"][:3])
    for row in rows:
        row["audio"] = "{data_folder}/dataset/v0/" + row["id"] + ".wav"  # as in upstream example.csv
    path = write_csv(tmp_path / "up.csv", rows)
    report = build_report([path], n_boot=5, data_dir=upstream_dir)
    assert report["explorer"][0]["audio_exists"] is True
    page = render(report, "html")
    (src,) = [attrs["src"] for tag, attrs in parse(page) if tag == "audio"]
    assert src == (upstream_dir / "dataset" / "v0" / "1.wav").resolve().as_uri()
    unresolved = build_report([path], n_boot=5)  # no data dir: {data_folder} cannot be resolved
    assert unresolved["explorer"][0]["audio_exists"] is False
    assert "audio file not found" in render(unresolved, "html")


CHECK = """
new Promise(resolve => {
  const audio = Array.from(document.querySelectorAll('audio'));
  const ready = () => audio.every(a => a.readyState >= 1 || a.error);
  const started = Date.now();
  const poll = () => {
    if (ready() || Date.now() - started > 15000) {
      const select = document.getElementById('model-filter');
      select.value = 'A';
      select.dispatchEvent(new Event('change'));
      const shown = Array.from(document.querySelectorAll('.answer')).filter(a => !a.hidden);
      resolve({
        audio: audio.map(a => ({src: a.src, readyState: a.readyState, error: a.error ? a.error.code : null,
                                duration: a.duration})),
        clips: document.querySelectorAll('details.clip').length,
        bars: document.querySelectorAll('#dependence-chart rect[class^="bar-"]').length,
        judgeBars: document.querySelectorAll('#dependence-chart rect[class^="judge-bar-"]').length,
        bothWidths: Array.from(document.querySelectorAll('#dependence-chart rect.bar-both'))
          .map(r => r.width.baseVal.value),
        shownModels: Array.from(new Set(shown.map(a => a.dataset.model))),
        tables: document.querySelectorAll('table').length,
      });
    } else { setTimeout(poll, 100); }
  };
  poll();
})
"""


@pytest.mark.browser
@pytest.mark.slow
def test_page_in_headless_chromium(page_path: Path, tmp_path: Path) -> None:
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing on CI: scripts/setup-browser.sh should have installed it")
        pytest.skip("chromium is not installed (scripts/setup-browser.sh installs it)")
    result = open_page(page_path.as_uri(), CHECK)
    assert result.errors == []
    value = result.value
    assert value["clips"] == 3 and value["tables"] >= 8
    assert value["bars"] == 6  # 2 ALLMs x (audio, both, speech), all shares non-zero
    assert value["judgeBars"] == 5  # A's judges X (speech share 0: no bar) and Y; B has one judge: none
    assert value["bothWidths"] == pytest.approx([0.625 * 560, 4 / 7 * 560], abs=0.1)  # A 5/8, B 4/7
    assert value["shownModels"] == ["A"]
    assert len(value["audio"]) == 3
    for audio in value["audio"]:
        assert audio["error"] is None and audio["readyState"] >= 1 and audio["duration"] > 1.0, audio
    assert result.screenshot.startswith(b"\x89PNG\r\n\x1a\n") and len(result.screenshot) > 20_000
    shot = tmp_path / "report.png"
    shot.write_bytes(result.screenshot)
    artifacts = os.environ.get("JASCO_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / "report.png")
