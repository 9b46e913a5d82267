"""The infer stage: fill ``allm_output`` for every item, crash-safely and resumably.

``run_infer`` reads the item table (``--items`` or the 640 items expanded from the dataset),
loads each clip once (mono float32 at 16 kHz; 48 kHz clips are resampled), and looks every item
up in the result store under a key of (adapter, model id, revision, backend, decoding settings,
audio content sha256, instruction). Only the missing items go to the adapter, in one submission;
each answer is appended (fsynced) to the store as it arrives, so a run killed at any moment,
SIGKILL included, resumes where it stopped, and a rerun costs no model call (the model is not
even loaded). A clip that cannot be read, or an item the model fails on, gets its error in the
``infer_error`` column and an empty ``allm_output``; the run goes on and counts the errors.
Errors are not stored, so the next run retries them.

The output is the example.csv schema plus two columns:

- ``model``: the model id the adapter describes (a hub id, a local directory or the endpoint's
  model name), or the adapter name for adapters without a model (control answers);
- ``infer_error``: empty, or why this row has no answer.

It is written atomically with ``<out>.manifest.json`` (arguments, the adapter's description with
model id, revision and backend, decoding settings and seed, package versions, git commit).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jasco.models.base import ADAPTERS, Adapter, GenerationSettings, InferRequest

if TYPE_CHECKING:
    import pandas as pd

KEY_VERSION = 1
DATA_FOLDER_PLACEHOLDER = "{data_folder}"


@dataclass(frozen=True)
class InferSummary:
    out_csv: Path
    manifest_path: Path
    n_rows: int
    n_generated_now: int
    n_from_store: int
    n_errors: int


@dataclass(frozen=True)
class PreparedRow:
    """One table row ready for the adapter: its request and store key, or why it has none."""

    request: InferRequest | None
    key: str | None
    error: str | None


def default_store_path(out_csv: Path) -> Path:
    return out_csv.with_name(out_csv.name + ".store.jsonl")


def build_adapter(model: str, options: Mapping[str, Any] | None = None) -> Adapter:
    """The adapter registered as ``model``, built with ``options`` (checked against its factory)."""
    import inspect

    import jasco.models.catalog  # noqa: F401 - registers the adapters

    factory = ADAPTERS.load(model)
    options = dict(options or {})
    parameters = inspect.signature(factory).parameters.values()
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        accepted = {p.name for p in parameters}
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise ValueError(
                f"adapter {model!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(accepted)) or '(none)'}"
            )
    try:
        return factory(**options)
    except TypeError as error:  # an option a backend class behind the factory does not take
        if "unexpected keyword argument" not in str(error):
            raise
        raise ValueError(f"adapter {model!r}: {error}") from None


def store_key(identity: Mapping[str, Any], settings: GenerationSettings, audio_sha256: str, instruction: str) -> str:
    from jasco.core.store import stable_key

    return stable_key({
        "stage": "infer", "key_version": KEY_VERSION, **identity,
        "decoding": settings.as_dict(), "audio_sha256": audio_sha256, "instruction": instruction,
    })


def adapter_identity(adapter: Adapter) -> dict[str, Any]:
    """What names the model in a store key: adapter name, model id, revision, backend."""
    description = adapter.describe()
    return {
        "adapter": adapter.name,
        "model_id": description.get("model_id"),
        "revision": description.get("revision"),
        "backend": description.get("backend"),
    }


def load_item_table(items_csv: Path | None, data_dir: Path | None) -> pd.DataFrame:
    from jasco.tasks.jasco.table import check_unique, read_table

    if items_csv is None:
        from jasco.commands.options import resolve_data_dir
        from jasco.tasks.jasco.samples import load_items
        from jasco.tasks.jasco.table import items_to_frame

        return items_to_frame(load_items(resolve_data_dir(data_dir)))
    frame = read_table(items_csv)
    check_unique(frame, items_csv)
    return frame


def resolve_audio_path(value: str, items_csv: Path | None, data_dir: Path | None) -> Path:
    """A table's ``audio`` cell as a path: ``{data_folder}`` is the dataset directory (as in
    upstream example.csv); other relative paths are relative to the item table's directory."""
    if DATA_FOLDER_PLACEHOLDER in value:
        from jasco.commands.options import resolve_data_dir

        return Path(value.replace(DATA_FOLDER_PLACEHOLDER, str(resolve_data_dir(data_dir))))
    path = Path(value).expanduser()
    if not path.is_absolute() and items_csv is not None:
        path = items_csv.parent / path
    return path


def prepare_rows(
    frame: pd.DataFrame,
    identity: Mapping[str, Any],
    settings: GenerationSettings,
    *,
    items_csv: Path | None,
    data_dir: Path | None,
) -> list[PreparedRow]:
    """Load each clip once and build every row's request and store key (or its error)."""
    from jasco.core.audio import AudioError, audio_content_sha256, load_audio
    from jasco.tasks.jasco.table import variant_of_prompt

    variants = variant_of_prompt()
    clips: dict[Path, tuple[Any, str] | str] = {}
    rows = []
    where = items_csv or "the expanded items"
    for position, record in enumerate(frame.to_dict("records")):
        row = {str(k): str(v) for k, v in record.items()}
        path = resolve_audio_path(row["audio"], items_csv, data_dir)
        if path not in clips:
            try:
                audio = load_audio(path, clip_id=row["id"])
                clips[path] = (audio, audio_content_sha256(path))
            except (AudioError, OSError) as error:
                clips[path] = f"{where}, row {position + 2}: {error}"
        loaded = clips[path]
        if isinstance(loaded, str):
            rows.append(PreparedRow(None, None, loaded))
            continue
        audio, sha = loaded
        variant = variants.get(row["prompt"])
        item_id = f"{row['id']}-v{variant}" if variant else f"{row['id']}-row{position + 2}"
        request = InferRequest(
            index=position, item_id=item_id, instruction=row["prompt"], audio=audio.samples,
            sample_rate=audio.sample_rate, audio_path=path, row=row,
        )
        rows.append(PreparedRow(request, store_key(identity, settings, sha, row["prompt"]), None))
    return rows


def run_infer(
    out_csv: Path,
    *,
    model: str,
    items_csv: Path | None = None,
    data_dir: Path | None = None,
    options: Mapping[str, Any] | None = None,
    settings: GenerationSettings | None = None,
    store_path: Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    check_audio_items: int = 0,
    adapter: Adapter | None = None,
    echo: Callable[[str], None] | None = None,
) -> InferSummary:
    """Fill ``allm_output`` with ``model``'s answers and write ``out_csv`` plus its manifest.

    ``check_audio_items`` > 0 first runs that many items with their audio and with silence and
    raises ``AudioCheckError`` if no answer changes. ``adapter`` reuses an adapter already built
    (it is then not closed); otherwise the one registered as ``model`` is built from ``options``.
    """
    from jasco.core.runinfo import write_manifest
    from jasco.core.store import ResultStore
    from jasco.tasks.jasco.table import write_table

    out_csv = Path(out_csv)
    settings = settings or GenerationSettings()
    echo = echo or (lambda message: print(message, file=sys.stderr))
    store_path = Path(store_path) if store_path else default_store_path(out_csv)
    frame = load_item_table(Path(items_csv) if items_csv else None, data_dir)
    if limit is not None:
        frame = frame.iloc[:limit].reset_index(drop=True)
    own_adapter = adapter is None
    active = adapter if adapter is not None else build_adapter(model, options)
    try:
        identity = adapter_identity(active)
        prepared = prepare_rows(frame, identity, settings, items_csv=items_csv, data_dir=data_dir)
        if check_audio_items > 0:
            _run_audio_check(active, prepared, settings, check_audio_items, echo)
        texts: dict[int, str] = {}
        errors: dict[int, str] = {position: row.error for position, row in enumerate(prepared) if row.error}
        with ResultStore(store_path) as store:
            pending: list[InferRequest] = []
            for position, row in enumerate(prepared):
                if row.key is None or row.request is None:
                    continue
                stored = store.get(row.key)
                if stored is not None:
                    texts[position] = stored["text"]
                else:
                    pending.append(row.request)
            n_from_store = len(texts)
            if pending:
                _generate_into_store(active, pending, prepared, settings, store, texts, errors, progress)
        description = active.describe()
    finally:
        if own_adapter:
            active.close()

    frame = frame.copy()
    frame["allm_output"] = [texts.get(position, "") for position in range(len(frame))]
    frame["model"] = identity["model_id"] or identity["adapter"]
    frame["infer_error"] = [errors.get(position, "") for position in range(len(frame))]
    write_table(frame, out_csv)
    manifest = write_manifest(
        out_csv, stage="infer",
        arguments={
            "model": model, "items_csv": items_csv, "data_dir": data_dir, "options": dict(options or {}),
            "store_path": store_path, "limit": limit, "check_audio_items": check_audio_items,
        },
        details={
            "adapter": description, "model_id": identity["model_id"], "revision": identity["revision"],
            "backend": identity["backend"], "decoding": settings.as_dict(), "seed": settings.seed,
            "store_key_version": KEY_VERSION,
            "counts": {"rows": len(frame), "generated_now": len(texts) - n_from_store,
                       "from_store": n_from_store, "errors": len(errors)},
        },
    )
    clip_ids = [str(value) for value in frame["id"]]
    for position in sorted(errors)[:20]:
        echo(f"error: row {position + 2} ({clip_ids[position]}): {errors[position]}")
    if len(errors) > 20:
        echo(f"... and {len(errors) - 20} more errors (see the infer_error column)")
    return InferSummary(
        out_csv=out_csv, manifest_path=manifest, n_rows=len(frame),
        n_generated_now=len(texts) - n_from_store, n_from_store=n_from_store, n_errors=len(errors),
    )


def _generate_into_store(
    adapter: Adapter,
    pending: Sequence[InferRequest],
    prepared: Sequence[PreparedRow],
    settings: GenerationSettings,
    store: Any,
    texts: dict[int, str],
    errors: dict[int, str],
    progress: bool,
) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(pending), desc=f"infer {adapter.name}", unit="item", disable=not progress)

    item_ids = {request.index: request.item_id for request in pending}

    def on_result(index: int, text: str | None, error: str | None) -> None:
        key = prepared[index].key
        if text is not None and error is None and key is not None:
            store.put(key, {"text": text, "item_id": item_ids[index]})
            texts[index] = text
        else:
            errors[index] = error or "the adapter returned neither an answer nor an error"
        bar.update(1)

    try:
        adapter.generate(pending, settings, on_result)
    finally:
        bar.close()
    for request in pending:
        if request.index not in texts and request.index not in errors:
            errors[request.index] = "the adapter returned no result for this item"


def _run_audio_check(
    adapter: Adapter, prepared: Sequence[PreparedRow], settings: GenerationSettings, n_items: int,
    echo: Callable[[str], None],
) -> None:
    from jasco.models.check import AudioCheckError, check_audio

    usable = [row.request for row in prepared if row.request is not None]
    requests: list[InferRequest] = []
    seen: set[Path] = set()
    for request in usable:  # one item per clip first, then any others
        if request.audio_path not in seen:
            seen.add(request.audio_path)
            requests.append(request)
    chosen = {request.index for request in requests}
    requests += [request for request in usable if request.index not in chosen]
    requests = requests[:n_items]
    result = check_audio(adapter, requests, settings)
    if not result.passed:
        raise AudioCheckError(result.message())
    echo(result.message())
