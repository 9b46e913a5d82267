"""The ``dnsmos`` predictor: DNSMOS P.835 (SIG, BAK, OVRL) and P.808 from ``speechmos``.

The ONNX models ship inside the speechmos wheel (Microsoft, MIT). ``mos`` is the P.835 OVRL
score; ``sig``, ``bak`` and ``p808`` are kept as extra values. The numbers are those of
speechmos's own ``DNSMOS.__call__`` (the reference algorithm: 9.01 s windows every 1 s, a clip
shorter than 9.01 s doubled until it is that long, scores averaged over windows), to the bit:

- the windows are the reference's (``reference_windows``), its quirks included: a window whose
  end index rounds one sample short is skipped (the 8th to 24th, 120th to 123rd, ... second);
- P.835 runs through ``dnsmos_split.SharedTrunkP835``, which shares the network's costly
  full-resolution layers between overlapping windows (2-4x faster on clips of several
  windows); the P.808 model and its mel spectrogram run per window as in the reference.

``DnsmosPredictor(shared_trunk=False)``, or a P.835 graph the split does not recognise, runs
the reference ``DNSMOS.__call__`` itself. ONNX sessions get an explicit thread count so that
parallel workers do not oversubscribe the cores.

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
INPUT_SECONDS = 9.01  # speechmos's INPUT_LENGTH
P808_DROPPED_SAMPLES = 160  # the reference's mel spectrogram leaves out each window's last 160 samples


def reference_windows(samples: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The audio and the window starts (in seconds) that speechmos's ``DNSMOS.__call__`` scores,
    with the same expressions: a short clip doubled until it reaches 9.01 s, a window every
    second, a window shorter than 9.01 s skipped."""
    length = int(INPUT_SECONDS * SAMPLE_RATE)
    audio = samples
    while len(audio) < length:
        audio = np.append(audio, audio)
    hops = int(np.floor(len(audio) / SAMPLE_RATE) - INPUT_SECONDS) + 1
    starts = [index for index in range(hops)
              if len(audio[int(index * SAMPLE_RATE): int((index + INPUT_SECONDS) * SAMPLE_RATE)]) >= length]
    return audio, starts


class DnsmosPredictor:
    name = "dnsmos"
    dimensions = ("mos",)

    def __init__(self, threads: int = 1, shared_trunk: bool = True) -> None:
        import onnxruntime
        from speechmos import dnsmos

        from jasco.quality.predictors.dnsmos_split import SharedTrunkP835, UnexpectedGraph

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
        self._shared: SharedTrunkP835 | None = None
        if shared_trunk:
            try:
                self._shared = SharedTrunkP835(primary, options)
            except UnexpectedGraph:  # another speechmos graph: the reference scoring, same numbers
                self._shared = None

    def version(self) -> str:
        return package_version()

    def predict(self, samples: np.ndarray) -> dict[str, float]:
        x = np.asarray(samples, dtype=np.float32)
        over = int(np.count_nonzero(np.abs(x) > 1.0))
        if over:
            x = np.clip(x, -1.0, 1.0)
        scores = self._scorer(x, SAMPLE_RATE, False) if self._shared is None else self._score_shared(x)
        return {
            "mos": float(scores["ovrl_mos"]),
            "sig": float(scores["sig_mos"]),
            "bak": float(scores["bak_mos"]),
            "p808": float(scores["p808_mos"]),
            "input_clipped_samples": float(over),
        }


    def _score_shared(self, x: np.ndarray) -> dict[str, Any]:
        assert self._shared is not None
        scorer = self._scorer
        audio, starts = reference_windows(x)
        sig, bak, ovrl, p808 = [], [], [], []
        for start, raw in zip(starts, self._shared.raw_scores(audio, starts), strict=True):
            window_sig, window_bak, window_ovrl = scorer.get_polyfit_val(raw[0], raw[1], raw[2], False)
            first = start * SAMPLE_RATE
            window = audio[first: first + int(INPUT_SECONDS * SAMPLE_RATE) - P808_DROPPED_SAMPLES]
            mel = np.array(scorer.audio_melspec(audio=window)).astype("float32")[np.newaxis, :, :]
            p808.append(scorer.p808_onnx_sess.run(None, {"input_1": mel})[0][0][0])
            sig.append(window_sig)
            bak.append(window_bak)
            ovrl.append(window_ovrl)
        return {"ovrl_mos": np.mean(ovrl), "sig_mos": np.mean(sig), "bak_mos": np.mean(bak), "p808_mos": np.mean(p808)}


def package_version() -> str:
    """The packages that produce this predictor's numbers (metadata only, nothing imported)."""
    return versions_of("speechmos", "onnxruntime", "onnx", "librosa")


def factory(threads: int = 1) -> DnsmosPredictor:
    return DnsmosPredictor(threads)
