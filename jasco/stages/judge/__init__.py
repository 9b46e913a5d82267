"""The judge stage: an LLM judge rates every answer of a judge-scored task."""
