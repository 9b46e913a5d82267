"""The task-agnostic stages: expand, infer, judge, score and the whole run."""
