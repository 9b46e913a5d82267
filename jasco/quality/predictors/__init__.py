"""Speech-quality predictors by name: each takes mono float32 16 kHz samples, returns numbers.

A predictor is built by a factory ``factory(threads: int) -> Predictor`` registered in
``PREDICTORS`` (``jasco.core.registry.Registry``; a predictor module is light at import: its
heavy packages are imported when the predictor is built, only inside the worker processes of
``jasco.quality.runner``). ``predict`` returns named
values: ``mos`` (and for ``signal`` also noi, col, dis, loud) plus extra values the predictor
really computes (DNSMOS SIG/BAK/P808, every signal feature). ``version`` names the packages
and weights that produced them (its module's ``package_version()``, which ``predictor_version``
reads without building the predictor). A predictor raises ``PredictionError`` (or any ValueError)
for a signal it cannot score; the runner turns that into a per-file error status.

Add a predictor: a module in this package with a factory, one ``PREDICTORS.register`` line
below and its packages in ``REQUIREMENTS``.
"""

from __future__ import annotations

from importlib import metadata
from typing import Protocol

import numpy as np

from jasco.core.registry import Registry


class PredictionError(ValueError):
    """This predictor cannot score this signal; the message says why."""


class Predictor(Protocol):
    name: str
    dimensions: tuple[str, ...]  # which of mos, noi, col, dis, loud it predicts

    def version(self) -> str: ...

    def predict(self, samples: np.ndarray) -> dict[str, float]: ...


class PredictorFactory(Protocol):
    def __call__(self, threads: int = 1) -> Predictor: ...


PREDICTORS: Registry[PredictorFactory] = Registry("quality predictor")
PREDICTORS.register("signal", "jasco.quality.predictors.signal:factory", "jasco's signal analyzer (all 5 dimensions)")
PREDICTORS.register("dnsmos", "jasco.quality.predictors.dnsmos:factory", "DNSMOS P.835 + P.808 (speechmos, ONNX)")
PREDICTORS.register("distillmos", "jasco.quality.predictors.distillmos:factory", "Distill-MOS v7 (distillmos, torch)")

# predictor -> import names it needs (checked without importing them)
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "signal": ("scipy", "pyloudnorm"),
    "dnsmos": ("speechmos", "onnxruntime", "onnx", "librosa"),
    "distillmos": ("distillmos", "xls_r_sqa", "torch"),
}


def missing_requirements(name: str) -> list[str]:
    """The import names ``name`` needs that are not installed (nothing is imported)."""
    from importlib.util import find_spec

    PREDICTORS.entry(name)  # unknown names raise UnknownNameError listing the known ones
    return [module for module in REQUIREMENTS.get(name, ()) if find_spec(module) is None]


def predictor_version(name: str) -> str:
    """What ``name``'s ``version()`` reports, read without building it (its module's ``package_version``;
    no heavy package is imported)."""
    import importlib

    module = importlib.import_module(PREDICTORS.entry(name).target.partition(":")[0])
    version: str = module.package_version()
    return version


def versions_of(*distributions: str) -> str:
    """'name version, ...' from package metadata (no import)."""
    parts = []
    for distribution in distributions:
        try:
            parts.append(f"{distribution} {metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{distribution} (not installed)")
    return ", ".join(parts)
