"""Judge store keys: everything that determines a judgment.

``judgment_key`` (``key_version`` 2) hashes the judge model id and revision, the backend name,
every backend option given except the few that cannot change a result
(``jasco.stages.result_options``: concurrency, timeouts, retries, ...; so dtype, device, batch size,
context length, base URLs, served model name are all in it) and the backend's own
result-affecting settings, the decoding settings, the template name and the sha256 of every
prompt file it may use, the kind of call (``judgment``, ``repair``, ``rating_repair``) and the
rendered messages. The backend name is part of the key on purpose: an
OpenAI-compatible endpoint's model name does not pin weights, revision or quantization, and
different engines (or the same one batching differently) need not produce the same greedy text for
a large model in half precision; sharing results across backends would make an output
unreproducible from its manifest. Switching backends therefore re-judges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jasco.core.store import stable_key
from jasco.stages.decoding import Decoding
from jasco.stages.result_options import key_options

KEY_VERSION = 2  # 1: before the deny-list of options (result_settings only)


def identity(description: Mapping[str, Any], judge: str, backend: str | None,
             options: Mapping[str, Any] | None = None, model: Any = None) -> dict[str, Any]:
    """The backend facts that determine a judgment (part of every store key); ``backend`` is the
    registered name the judge runs on (else what the model describes), ``options`` the backend
    options given (``model``: the built backend, which may name more non-result options)."""
    return {
        "backend": backend or description.get("backend", "instance"),
        "model": description.get("model", judge),
        "revision": description.get("revision"),
        "result_settings": description.get("result_settings", {}),
        "options": key_options(options, model),
    }


def judgment_key(
    who: Mapping[str, Any], decoding: Decoding, template: str, kind: str, messages: Sequence[Any],
    hashes: Mapping[str, str],
) -> str:
    """The store key of one judge call (``hashes``: the template's prompt-file hashes)."""
    return stable_key({
        "stage": "judge", "key_version": KEY_VERSION, "kind": kind, **who, "decoding": decoding.as_dict(),
        "template": template,
        "template_sha256": dict(hashes), "messages": list(messages),
    })
