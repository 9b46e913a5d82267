"""Which model options go into store keys: all of them, minus a short list that cannot change a result.

Store keys are a deny-list (as inspect_ai's cache keys are): every option given to a model (its
dtype, batch size, device, context length, system prompt, worker arguments, the base URLs of an
HTTP model, ...) is part of the key of each result it produces, except the options named here,
which only change how fast or how patiently results arrive, never what they are:

- ``concurrency``, ``timeout_s``, ``max_retries``, ``backoff_initial_s``, ``backoff_max_s``
  (HTTP scheduling and patience), ``api_key`` (a credential, never recorded);
- ``startup_timeout_s``, ``max_restarts`` (worker patience);
- ``progress`` (display).

A model may name its own such options in a ``non_result_options`` attribute (the test doubles'
logging, delays and injected failures: a failure is never stored, so it cannot be reused).
Everything not listed is assumed to change results: a new option is in the key by default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

NON_RESULT_OPTIONS = frozenset({
    "concurrency", "timeout_s", "max_retries", "backoff_initial_s", "backoff_max_s", "api_key",
    "startup_timeout_s", "max_restarts", "progress",
})


def key_options(options: Mapping[str, Any] | None, model: Any = None) -> dict[str, Any]:
    """``options`` minus the non-result ones (``NON_RESULT_OPTIONS`` and the model's own), as
    JSON-ready values (tuples become lists, anything else its ``str``) in a stable order."""
    ignored = NON_RESULT_OPTIONS | frozenset(getattr(model, "non_result_options", ()))
    kept = {str(key): value for key, value in dict(options or {}).items() if key not in ignored and value is not None}
    return json.loads(json.dumps(kept, sort_keys=True, default=str))
