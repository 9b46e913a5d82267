"""jasco: a benchmark harness for audio large language models (ALLMs).

The first task is JASCO, the "What Are They Doing" joint audio-speech co-reasoning benchmark
(arXiv 2409.14526). The pipeline is three file-to-file stages: ``infer`` (ALLM answers),
``judge`` (LLM-as-judge ratings and orientations) and ``report`` (the paper's tables and more).

Importing this package is cheap: heavy libraries (torch, transformers, vllm) are imported only by
the stage that needs them.
"""

__version__ = "0.1.0"
