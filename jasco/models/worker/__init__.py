"""Models that run in a worker process of their own (JSON lines over stdin/stdout)."""
