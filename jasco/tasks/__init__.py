"""Benchmark tasks: one package per task (its data, items, prompts, scoring, metrics, report parts)."""
