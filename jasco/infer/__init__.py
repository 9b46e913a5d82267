"""The infer stage: ALLM answers (``allm_output``) for every benchmark item."""
