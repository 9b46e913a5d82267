"""The judge stage: LLM-as-judge Rating (0/1/2) and Orientation for each ALLM answer."""
