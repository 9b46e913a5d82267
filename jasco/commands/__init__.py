"""Click commands, one module per command; imported lazily by ``jasco.cli``."""
