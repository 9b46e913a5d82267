"""ALLD: descriptive speech-quality captions and A/B preference (Chen et al., ICLR 2025).

After "Audio Large Language Models Can Be Descriptive Speech Quality Evaluators" (arXiv
2501.17202; code huckiyang/AudioLMs-Descriptive-Speech-Quality-Evaluators). Two halves:

- generating captions: an expert text LLM turns per-file quality meta info (``meta``) into MOS
  descriptions and, for pairs of files (``pairs``), A/B comparisons and a strict ``[SpeechA]`` /
  ``[SpeechB]`` summary (``verdict``). ``plan`` lists the generation requests as pure data,
  ``exports`` writes what was generated (JSONL, ms-swift training JSON, ALLD's per-pair files);
- evaluating audio LLMs as descriptive quality evaluators: ``describe`` (MOS and dimensions from
  a description vs human ratings, BLEU and embedding similarity against reference descriptions,
  ``text_metrics``) and ``ab`` (accuracy in both orders, order consistency, position bias);
  ``tables`` turns the payloads into report tables.

Every module is pure and layout-independent; bad input raises a subclass of
``errors.AlldError`` whose message names the file, row, pair or option.
"""
