"""Task-agnostic audio-quality tools: a signal analyzer, MOS predictors, a demo corpus.

- ``jasco.quality.signal``: single- and double-ended signal features (WADA-SNR, ITU-T P.56,
  BS.1770, bandwidth, clipping, dropouts, noise floor) and their documented mapping to the
  NISQA dimensions (noi, col, dis, loud) and a MOS.
- ``jasco.quality.predictors``: ``dnsmos``, ``distillmos`` and ``signal`` behind one small
  registry; ``jasco.quality.runner`` runs them over files in worker processes.
- ``jasco.quality.degrade`` / ``demo_corpus`` / ``speech_demo``: a NISQA-layout corpus of real
  clean speech with degradations made in code, and its install/verify functions.

Nothing here imports librosa, numba, onnxruntime or torch at import time: the predictors that
need them import them inside worker processes only (see ``runner``).
"""
