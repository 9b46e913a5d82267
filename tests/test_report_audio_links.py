"""The HTML report's audio player links only files that resolve inside the dataset directory: a
table's ``audio`` cell (``../../etc/passwd``, an absolute path elsewhere, a link that points out)
never decides what the page plays (issue 10, section 4)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from jasco.report.build import build_report
from jasco.report.render import render
from tests.report_helpers import golden, ours_rows, write_csv


def test_only_files_inside_the_dataset_directory_are_linked(tmp_path: Path, upstream_dir: Path) -> None:
    data = tmp_path / "data"
    (data / "dataset" / "v0").mkdir(parents=True)
    shutil.copyfile(upstream_dir / "dataset/v0/1.wav", data / "dataset/v0/1.wav")
    secret = tmp_path / "secret.wav"
    shutil.copyfile(upstream_dir / "dataset/v0/2.wav", secret)  # a real audio file, outside the dataset
    os.symlink(secret, data / "dataset/v0/2.wav")  # inside by name, outside once resolved
    table = tmp_path / "tables" / "judged.csv"
    table.parent.mkdir()
    rows = ours_rows(upstream_dir, golden()["files"][0]["rows"][::3], {"model": "M", "judge": "J"})  # clips 1-3
    by_clip = {
        "1": str(data / "dataset/v0/1.wav"),  # inside: linked
        "2": str(data / "dataset/v0/2.wav"),  # a link pointing out: not linked
        "3": os.path.relpath(secret, table.parent),  # a relative path outside: not linked
    }
    for row in rows:
        row["audio"] = by_clip.get(row["id"], "../../../../../etc/passwd")
    write_csv(table, rows)

    report = build_report([table], n_boot=5, data_dir=data)
    linked = {clip["id"]: clip["audio_exists"] for clip in report["explorer"]}
    assert linked == {"1": True, "2": False, "3": False}
    page = render(report, "html")
    assert page.count("<audio ") == 1 and "secret.wav" not in page.split("<audio ")[1].split(">")[0]
    assert page.count("audio file not found inside the dataset directory") == 2
    # every cell is kept as written in the report, only the player is withheld
    assert {clip["id"]: clip["audio"] for clip in report["explorer"]} == by_clip
