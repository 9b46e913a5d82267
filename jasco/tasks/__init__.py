"""Tasks: each benchmark task (its dataset, items, prompts, scoring, metrics and report sections)
is a registered unit; ``jasco.tasks.jasco`` is JASCO."""
