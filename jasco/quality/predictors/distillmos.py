"""The ``distillmos`` predictor: Distill-MOS v7 (Microsoft, MIT) from the ``distillmos`` package.

The weights (``distillmos/weights/distill_mos_v7.pt``, 4.1 M parameters) ship inside the wheel;
it runs on torch CPU and returns ``mos`` (1..5). The model normalises each input to its peak,
so it does not see the playback level.

``distillmos/sqa.py`` imports ``torchaudio`` at the top, but uses it only in its own
command-line file reader; PyPI has no torchaudio build for torch 2.13 (2.11 fails to import
beside it). When torchaudio is not importable, a placeholder module that raises on any use is
put under that name before importing distillmos; the model code never touches it.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
import types

import numpy as np

from jasco.quality.predictors import versions_of


class _TorchaudioUnavailable(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        # AttributeError, so that getattr(module, name, default) and hasattr() keep working
        raise AttributeError(f"torchaudio is not available ({self.__doc__}); the distillmos predictor never uses it")


def _ensure_torchaudio_importable() -> None:
    if "torchaudio" in sys.modules:
        return
    try:
        importlib.import_module("torchaudio")
    except Exception as error:  # missing, or a build that does not match this torch
        placeholder = _TorchaudioUnavailable("torchaudio", f"{type(error).__name__}: {error}")
        sys.modules["torchaudio"] = placeholder


class DistillMosPredictor:
    name = "distillmos"
    dimensions = ("mos",)

    def __init__(self, threads: int = 1) -> None:
        import torch

        torch.set_num_threads(max(1, threads))
        _ensure_torchaudio_importable()
        from distillmos import ConvTransformerSQAModel

        with contextlib.redirect_stdout(io.StringIO()):  # it prints where it loaded the weights from
            self._model = ConvTransformerSQAModel().eval()
        self._torch = torch

    def version(self) -> str:
        return package_version()

    def predict(self, samples: np.ndarray) -> dict[str, float]:
        torch = self._torch
        x = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None, :]
        with torch.inference_mode():
            score = self._model(x)
        return {"mos": float(score.reshape(-1)[0])}


def package_version() -> str:
    """The packages and weights that produce this predictor's numbers (metadata only)."""
    return versions_of("distillmos", "xls-r-sqa", "torch") + ", weights distill_mos_v7.pt"


def factory(threads: int = 1) -> DistillMosPredictor:
    return DistillMosPredictor(threads)
