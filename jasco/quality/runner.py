"""Run quality predictors over files in worker processes, one status per file and predictor.

``QualityPool(predictors, workers)`` starts ``workers`` processes with the *spawn* method (the
default is the machine's cores); each builds every selected predictor once (ONNX sessions,
torch weights, numba warm-up) and then scores files. The calling process never imports
librosa, numba, onnxruntime or torch: once numba (pulled in by librosa) has run in a process,
building an in-process vLLM engine there fails. A pool is reusable: keep one open to score
many batches without paying the warm-up again.

``pool.run(files, reference=None)`` returns one ``FileOutcome`` per file, in order;
``pool.each(files)`` yields (position, outcome) as each file finishes, for callers that store
results as they arrive. A file that
cannot be read is an outcome with status ``error`` and the reason; a predictor that cannot
score a readable file (or returns a NaN or infinite value) gives that predictor an ``error``
with the reason; neither raises. With a
reference, the double-ended comparison of ``jasco.quality.signal.reference`` is added.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.quality.predictors import PREDICTORS, missing_requirements


class QualityError(RuntimeError):
    """The predictors cannot run at all (unknown name, missing package); the message says which."""


@dataclass(frozen=True)
class PredictorOutcome:
    predictor: str
    status: str  # "ok" or "error"
    reason: str
    version: str
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # "ok" (the file was read) or "error"
    reason: str
    input: dict[str, Any] = field(default_factory=dict)
    predictions: tuple[PredictorOutcome, ...] = ()
    reference: dict[str, Any] | None = None

    def prediction(self, name: str) -> PredictorOutcome:
        for outcome in self.predictions:
            if outcome.predictor == name:
                return outcome
        raise KeyError(f"{self.path}: no outcome for predictor {name!r}")


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# --- inside the worker processes -------------------------------------------------------------

_WORKER_PREDICTORS: dict[str, Any] = {}
_WORKER_FAILURES: dict[str, str] = {}


def _init_worker(names: Sequence[str], threads: int) -> None:
    for name in names:
        try:
            _WORKER_PREDICTORS[name] = PREDICTORS.load(name)(threads)
        except Exception as error:  # reported per file, never a broken pool
            _WORKER_FAILURES[name] = f"predictor {name} could not start: {type(error).__name__}: {error}"


def _predict_one(name: str, samples: Any) -> PredictorOutcome:
    if name in _WORKER_FAILURES:
        return PredictorOutcome(name, "error", _WORKER_FAILURES[name], "")
    predictor = _WORKER_PREDICTORS[name]
    version = predictor.version()
    try:
        values = predictor.predict(samples)
    except Exception as error:  # a per-file status, never an exception for one bad file
        reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
        return PredictorOutcome(name, "error", reason, version)
    numbers = {key: float(value) for key, value in values.items()}
    broken = sorted(key for key, value in numbers.items() if not math.isfinite(value))
    if broken:  # never a silent NaN
        return PredictorOutcome(name, "error", f"non-finite {', '.join(broken)} from {name}", version)
    return PredictorOutcome(name, "ok", "", version, numbers)


def _score_file(path: str, names: Sequence[str], reference: str | None) -> FileOutcome:
    from jasco.quality.audio_input import InputError, load_input

    try:
        audio = load_input(path)
    except InputError as error:
        return FileOutcome(path, "error", str(error))
    predictions = tuple(_predict_one(name, audio.samples) for name in names)
    compared = None
    if reference is not None:
        from jasco.quality.signal.reference import ReferenceError, compare

        try:
            ref = load_input(reference)
            compared = {"path": reference, "status": "ok", "reason": "", **compare(audio.samples, ref.samples)}
        except (InputError, ReferenceError, ValueError) as error:
            compared = {"path": reference, "status": "error", "reason": str(error)}
    return FileOutcome(path, "ok", "", audio.record(), predictions, compared)


# --- in the calling process ------------------------------------------------------------------


class QualityPool:
    """Warm worker processes holding the selected predictors."""

    def __init__(self, predictors: Sequence[str], workers: int | None = None) -> None:
        names = list(dict.fromkeys(predictors))
        if not names:
            raise QualityError("no predictor selected")
        for name in names:
            if name not in PREDICTORS:
                raise QualityError(f"unknown predictor {name!r}; known: {', '.join(PREDICTORS.names())}")
            missing = missing_requirements(name)
            if missing:
                raise QualityError(
                    f"predictor {name!r} needs {', '.join(missing)}, not installed: pip install 'jasco[quality]'"
                )
        self.names = tuple(names)
        self.workers = workers if workers is not None else default_workers()
        if self.workers < 1:
            raise QualityError(f"--workers must be at least 1, got {self.workers}")
        threads = max(1, default_workers() // self.workers)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.names, threads),
        )

    def run(
        self, files: Sequence[str | os.PathLike[str]], reference: str | os.PathLike[str] | None = None,
        predictors: Sequence[str] | None = None,
    ) -> list[FileOutcome]:
        outcomes: dict[int, FileOutcome] = dict(self.each(files, reference, predictors))
        return [outcomes[index] for index in range(len(files))]

    def each(
        self, files: Sequence[str | os.PathLike[str]], reference: str | os.PathLike[str] | None = None,
        predictors: Sequence[str] | None = None,
    ) -> Iterator[tuple[int, FileOutcome]]:
        """(position in ``files``, outcome) for every file, as each finishes (not in order).
        ``predictors``: a subset of the pool's (default: all of them)."""
        names = tuple(predictors) if predictors is not None else self.names
        unknown = [name for name in names if name not in self.names]
        if unknown:
            raise QualityError(f"this pool holds {', '.join(self.names)}, not {', '.join(unknown)}")
        ref = str(reference) if reference is not None else None
        futures = {self._executor.submit(_score_file, str(Path(path)), names, ref): index
                   for index, path in enumerate(files)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                yield index, _outcome(str(files[index]), future)
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> QualityPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _outcome(path: str, future: Future[FileOutcome]) -> FileOutcome:
    try:
        return future.result()
    except BrokenProcessPool as error:
        return FileOutcome(path, "error", f"a worker process died: {error}")
    except Exception as error:  # an unexpected failure outside the predictors
        return FileOutcome(path, "error", f"{type(error).__name__}: {error}")


def score_files(
    files: Sequence[str | os.PathLike[str]],
    predictors: Sequence[str] = ("signal",),
    workers: int | None = None,
    reference: str | os.PathLike[str] | None = None,
) -> list[FileOutcome]:
    """One-shot: start a pool, score the files, stop the pool."""
    with QualityPool(predictors, workers=min(workers or default_workers(), max(1, len(files)))) as pool:
        return pool.run(files, reference)
