"""The quality predictors as models: ``dnsmos``, ``distillmos`` and ``signal`` answer with numbers.

Each answers a request by scoring the file of its one audio part with its predictor
(``jasco.quality.predictors``) in a ``jasco.quality.runner.QualityPool`` of spawned worker
processes, never in this process: librosa's numba, once it has run in a process, breaks a later
in-process vLLM engine there. The answer is ``ModelResult.values``, no text: the dimensions the
predictor predicts (DNSMOS: ``mos`` = P.835 OVRL; Distill-MOS: ``mos``; signal: mos, noi, col,
dis, loud) and the extra values it really computes (DNSMOS sig, bak, p808; every signal
feature). The question in the request is not read. Requests naming the same file are scored
once; each result is handed back as its file finishes. A file the predictor cannot score
(unreadable, silent, shorter than 0.4 s, ...) is that request's error, with the reason.

Options: ``workers`` (worker processes; default the machine's cores). The pool starts on the
first ``generate`` (building or describing the model starts nothing) and stays warm until
``close``. ``describe()`` names the packages behind the numbers (``revision``, part of infer
store keys) and, after a run, the versions the workers reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jasco.models.types import ChatRequest, ModelResult, ResultCallback


class QualityPredictorModel:
    """One predictor of ``jasco.quality.predictors`` behind the ``Model`` protocol."""

    backend = "quality-pool"
    max_audios: int | None = 1  # the degraded file; these predictors are single-ended

    def __init__(self, predictor: str, workers: int | None = None) -> None:
        from jasco.quality.predictors import PREDICTORS, missing_requirements

        if predictor not in PREDICTORS:
            raise ValueError(f"unknown predictor {predictor!r}; known: {', '.join(PREDICTORS.names())}")
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        missing = missing_requirements(predictor)
        if missing:
            raise ValueError(f"needs {', '.join(missing)}, not installed: pip install 'jasco[quality]'")
        self.name = predictor
        self.workers = int(workers) if workers is not None else None
        self._pool: Any = None
        self._reported: set[str] = set()

    def describe(self) -> dict[str, Any]:
        from jasco.quality.predictors import predictor_version

        description: dict[str, Any] = {
            "model_id": None, "revision": predictor_version(self.name), "backend": self.backend,
            "predictor": self.name, "workers": self.workers, "process": "spawned worker pool",
        }
        if self._reported:
            description["reported_versions"] = sorted(self._reported)
        return description

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        by_file: dict[str, list[int]] = {}
        for request in requests:
            audios = request.audios
            if len(audios) != 1 or audios[0].path is None:
                problem = ("takes one audio file per request" if len(audios) != 1
                           else "needs the audio's file (this request holds samples only)")
                on_result(ModelResult.failed(request.index, f"predictor {self.name} {problem}"))
                continue
            by_file.setdefault(str(Path(audios[0].path)), []).append(request.index)
        if not by_file:
            return
        files = list(by_file)
        for position, outcome in self._pool_for(len(files)).each(files):
            for index in by_file[files[position]]:
                on_result(self._result(index, outcome))

    def _pool_for(self, n_files: int) -> Any:
        from jasco.quality.runner import QualityPool, default_workers

        if self._pool is None:
            workers = self.workers or min(default_workers(), max(1, n_files))
            self._pool = QualityPool([self.name], workers=workers)
        return self._pool

    def _result(self, index: int, outcome: Any) -> ModelResult:
        if outcome.status != "ok":
            return ModelResult.failed(index, outcome.reason)
        prediction = outcome.prediction(self.name)
        if prediction.version:
            self._reported.add(prediction.version)
        if prediction.status != "ok":
            return ModelResult.failed(index, f"{self.name}: {prediction.reason}")
        return ModelResult(index=index, values=dict(prediction.values), finish_reason="stop")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _factory(predictor: str, model_id: str | None, workers: int | None) -> QualityPredictorModel:
    if model_id is not None:
        raise ValueError(f"{predictor} has one model, its weights inside its package; --model-id does not apply")
    return QualityPredictorModel(predictor, workers)


def dnsmos(model_id: str | None = None, workers: int | None = None) -> QualityPredictorModel:
    """DNSMOS P.835 (speechmos, ONNX weights inside the wheel): mos = OVRL; sig, bak, p808 beside."""
    return _factory("dnsmos", model_id, workers)


def distillmos(model_id: str | None = None, workers: int | None = None) -> QualityPredictorModel:
    """Distill-MOS v7 (distillmos, weights inside the wheel, torch CPU): mos."""
    return _factory("distillmos", model_id, workers)


def signal(model_id: str | None = None, workers: int | None = None) -> QualityPredictorModel:
    """jasco's signal analyzer and its documented mapping: mos, noi, col, dis, loud and every feature."""
    return _factory("signal", model_id, workers)
