"""The 640-row expansion against upstream evaluation/example.csv, row for row."""

from __future__ import annotations

import csv
from pathlib import Path

from jasco.tasks.jasco.samples import expand, load_clips, load_instructions, load_items
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS, items_to_frame


def test_expansion_is_clip_major_with_stable_ids(upstream_dir: Path) -> None:
    clips = load_clips(upstream_dir)
    instructions = load_instructions()
    items = expand(clips, instructions)
    assert (len(clips), len(instructions), len(items)) == (80, 8, 640)
    assert items[0].item_id == "1-v1" and items[9].item_id == "2-v2"
    assert len({item.item_id for item in items}) == 640
    assert expand(clips, instructions) == items  # pure


def test_expanded_table_equals_upstream_example_csv(upstream_dir: Path) -> None:
    frame = items_to_frame(load_items(upstream_dir))
    with open(upstream_dir / "evaluation/example.csv", encoding="utf-8", newline="") as handle:
        upstream = list(csv.DictReader(handle))
    assert tuple(frame.columns) == EXAMPLE_COLUMNS == tuple(upstream[0].keys())
    assert len(frame) == len(upstream) == 640
    ours = frame.to_dict("records")
    for number, (mine, theirs) in enumerate(zip(ours, upstream, strict=True), start=2):
        for column in EXAMPLE_COLUMNS:
            if column == "audio":
                expected = theirs["audio"].replace("{data_folder}", str(upstream_dir))
                assert mine["audio"] == expected and Path(mine["audio"]).is_file(), number
            elif column == "allm_output":
                assert mine["allm_output"] == "" and theirs["allm_output"].startswith("output_")
            else:
                assert mine[column] == theirs[column], (number, column)
