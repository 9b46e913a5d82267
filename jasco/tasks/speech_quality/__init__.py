"""The speech-quality QA task (issue 12): MOS and NISQA's quality dimensions from audio LLMs.

After SpeechQualityLLM (Monjur & Nirjon, arXiv 2512.08238): a model hears a degraded speech file
(and, double-ended, its clean reference second) and says in words how good it sounds; numbers are
extracted by rule and compared with the human ratings of the NISQA corpus. The pure parts, one
module each (no model, no command line here):

- ``corpus``: read and check a corpus in the NISQA layout, select splits (``db`` values).
- ``listing``: the committed official file list (``dataset/nisqa-corpus.*``), ``verify_corpus``.
- ``install`` (+ ``download``, ``licence``): ``install_nisqa(dest, source)`` from a directory, a
  zip, or Zenodo (resumable), verified and renamed into place with the licence statement.
- ``bank`` and ``items``: the versioned question bank and ``expand`` to frozen items with stable
  ids and seeded paraphrases; ``apply_audio_limit`` for a model's window (never cropping).
- ``scale``, ``answer_tokens`` and ``extract``: the rule-based extractor (value or unscored, with
  a status and reason).
- ``score``: items and raw answers to the long scores table.
- ``metrics`` (+ ``resample``): MAE, RMSE, Pearson, Spearman, Kendall tau-b, per condition,
  coverage and the unscored flag, with a vectorised file-level bootstrap.
- ``report`` and ``plot``: tables, CSV, inline SVG scatter plots; published reference numbers.
- ``sqllm``: SpeechQualityLLM's predictions layout, their metrics reproduced, and the re-parse.
"""
