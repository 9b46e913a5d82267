"""Judge store keys: everything that determines a judgment.

``judgment_key`` hashes the judge model id and revision, the backend name and its
result-affecting settings (dtype, quantization, served model name), the decoding settings, the
template name and the sha256 of every prompt file it may use, the kind of call (``judgment`` or
``repair``) and the rendered messages. The backend name is part of the key on purpose: an
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


def identity(description: Mapping[str, Any], judge: str, backend: str | None) -> dict[str, Any]:
    """The backend facts that determine a judgment (part of every store key); ``backend`` is the
    registered name the judge runs on (else what the model describes)."""
    return {
        "backend": backend or description.get("backend", "instance"),
        "model": description.get("model", judge),
        "revision": description.get("revision"),
        "result_settings": description.get("result_settings", {}),
    }


def judgment_key(
    who: Mapping[str, Any], decoding: Decoding, template: str, kind: str, messages: Sequence[Any],
    hashes: Mapping[str, str],
) -> str:
    """The store key of one judge call (``hashes``: the template's prompt-file hashes)."""
    return stable_key({
        "stage": "judge", "kind": kind, **who, "decoding": decoding.as_dict(), "template": template,
        "template_sha256": dict(hashes), "messages": list(messages),
    })
