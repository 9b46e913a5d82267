"""The ``signal`` predictor: jasco's signal analyzer and its E-model-style mapping.

Predicts all five dimensions (mos, noi, col, dis, loud) and returns every feature of
``jasco.quality.signal.features`` beside them, plus ``r`` (the total rating, 0..100).
"""

from __future__ import annotations

import numpy as np

from jasco import __version__
from jasco.quality.predictors import PredictionError, versions_of
from jasco.quality.signal import mapping
from jasco.quality.signal.features import AnalysisError, analyze

SAMPLE_RATE = 16_000


class SignalPredictor:
    name = "signal"
    dimensions = ("mos", "noi", "col", "dis", "loud")

    def version(self) -> str:
        return package_version()

    def predict(self, samples: np.ndarray) -> dict[str, float]:
        try:
            features = analyze(samples, SAMPLE_RATE)
        except AnalysisError as error:
            raise PredictionError(str(error)) from None
        return {**mapping.dimensions(features), **features.as_dict()}


def package_version() -> str:
    """jasco's version, the mapping's version and the packages behind the features."""
    return f"jasco {__version__} {mapping.MAPPING_VERSION}, {versions_of('pyloudnorm', 'scipy', 'numpy')}"


def factory(threads: int = 1) -> SignalPredictor:
    return SignalPredictor()
