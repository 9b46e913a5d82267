"""The XACLE task: how well does a text caption describe a general-audio clip, on a 0-10 scale.

After the XACLE challenge (x-to-audio alignment, ICASSP 2026 SP Grand Challenge; 4 listeners per
pair, averaged; ranked by SRCC). The task-specific, layout-independent parts, one module each:

- ``layout``: the official directory layout, finding its root, reading a split's pairs;
- ``wavcheck``: the fast WAV header check; ``install``: ``install_xacle`` / ``verify_xacle``,
  where the data comes from and where its licence is (not) stated;
- ``items`` (+ ``prompts/xacle/``): one item per (wav, caption, paraphrase), stable ids;
- ``extract``: the rating from a text answer, or unscored with a reason;
  ``expected``: the expected score from score-token logprobs (0-10 here, 1-5 for speech quality);
- ``tables``: label / prediction / answers readers and the two official output files;
- ``metrics``: SRCC, LCC, KTAU, MSE, N exactly as the official ``evaluate.py`` (plus bootstrap);
  ``scoring``: the official join with every dropped row counted;
- ``reference`` (+ ``evaluation/xacle_reference.json``): published results per split;
  ``report``: payload -> tables; ``demo``: the synthetic demo set from the JASCO clips.

Heavy imports: numpy everywhere, scipy inside the metric functions (the ``xacle`` extra),
soundfile/soxr only in ``demo`` and the opt-in full decode.
"""
