"""Benchmark tasks beside JASCO: one package per task (``jasco/tasks/<task>/``)."""
