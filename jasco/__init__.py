"""jasco: a benchmark harness for audio large language models (ALLMs).

The first task is JASCO, the "What Are They Doing" joint audio-speech co-reasoning benchmark
(arXiv 2409.14526); tasks are registered units (``jasco.tasks``). The pipeline is file-to-file
stages: ``expand`` (a task's items), ``infer`` (model answers), ``judge`` or ``score`` (LLM judges
or a rule) and ``report``. The layers: ``core``, ``models``, ``tasks``, ``stages``, ``report``,
``commands`` (see docs/DEVELOPING.md).

Importing this package is cheap: heavy libraries (torch, transformers, vllm) are imported only by
the stage that needs them.
"""

__version__ = "0.1.0"
