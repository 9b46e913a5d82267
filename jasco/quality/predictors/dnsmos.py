"""The ``dnsmos`` predictor: DNSMOS P.835 (SIG, BAK, OVRL) and P.808 from ``speechmos``.

The ONNX models ship inside the speechmos wheel (Microsoft, MIT). ``mos`` is the P.835 OVRL
score; ``sig``, ``bak`` and ``p808`` are kept as extra values. Scoring is speechmos's own
``DNSMOS.__call__`` (the reference algorithm: 9.01 s windows every 1 s, a clip shorter than
9.01 s repeated to that length, scores averaged over windows); we only build its ONNX sessions
with an explicit thread count so that parallel workers do not oversubscribe the cores.

DNSMOS accepts samples in [-1, 1] only; resampling can overshoot full scale by a little, so
samples beyond it are clipped to +-1 and their number returned as ``input_clipped_samples``.
It imports librosa (numba): run it in a worker process, never in a process that later builds
an in-process vLLM engine.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from jasco.quality.predictors import versions_of

SAMPLE_RATE = 16_000


class DnsmosPredictor:
    name = "dnsmos"
    dimensions = ("mos",)

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime
        from speechmos import dnsmos

        models = os.path.dirname(os.path.abspath(dnsmos.__file__))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        primary = os.path.join(models, "dnsmos_models", "sig_bak_ovr.onnx")
        p808 = os.path.join(models, "dnsmos_models", "model_v8.onnx")
        scorer: Any = dnsmos.DNSMOS.__new__(dnsmos.DNSMOS)
        scorer.primary_model_path = primary
        scorer.onnx_sess = onnxruntime.InferenceSession(primary, options, providers=providers)
        scorer.p808_onnx_sess = onnxruntime.InferenceSession(p808, options, providers=providers)
        self._scorer = scorer

    def version(self) -> str:
        return package_version()

    def predict(self, samples: np.ndarray) -> dict[str, float]:
        x = np.asarray(samples, dtype=np.float32)
        over = int(np.count_nonzero(np.abs(x) > 1.0))
        if over:
            x = np.clip(x, -1.0, 1.0)
        scores = self._scorer(x, SAMPLE_RATE, False)
        return {
            "mos": float(scores["ovrl_mos"]),
            "sig": float(scores["sig_mos"]),
            "bak": float(scores["bak_mos"]),
            "p808": float(scores["p808_mos"]),
            "input_clipped_samples": float(over),
        }


def package_version() -> str:
    """The packages that produce this predictor's numbers (metadata only, nothing imported)."""
    return versions_of("speechmos", "onnxruntime", "librosa")


def factory(threads: int = 1) -> DnsmosPredictor:
    return DnsmosPredictor(threads)
