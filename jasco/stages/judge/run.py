"""The judge stage: read an answers CSV, judge every row once, write the judged CSV.

``run_judge`` renders each row into upstream's chat conversation, looks it up in the result
store, sends only the missing ones to the backend in ONE batch (the backend schedules it), stores
every judgment the moment it arrives, parses it, optionally re-asks for an unparseable
orientation (``repair``), and writes OUT atomically plus ``<OUT>.manifest.json``.

Store keys (``judgment_key``) hash the judge model id and revision, the backend name and its
result-affecting settings (dtype, quantization), the decoding settings, the template name and
sha256, and the rendered messages. The backend name is part of the key on purpose: an
OpenAI-compatible endpoint's model name does not pin weights, revision or quantization, and
different engines (or the same one batching differently) need not produce the same greedy text
for a large model in half precision; sharing results across backends would make an output
unreproducible from its manifest. Switching backends therefore re-judges; a rerun of the same
command costs no model calls, and a run killed at any point resumes where it stopped.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jasco.core.paths import file_stem, resource_dir
from jasco.core.store import ResultStore, stable_key
from jasco.judge.base import JUDGE_BACKENDS, BackendOptionError, Decoding, JudgeBackend, JudgeRequest
from jasco.tasks.jasco.parse import (
    STATUS_REPAIRED,
    STATUS_UNSCORED,
    Judgment,
    explanation2,
    orientation_needs_repair,
    parse_judgment,
    parse_repair_answer,
)
from jasco.tasks.jasco.templates import (
    DEFAULT_TEMPLATE,
    PROMPT_FIELDS,
    JudgeTemplate,
    get_template,
    judge_messages,
    repair_messages,
    template_hashes,
)

OUT_COLUMNS = ("judge", "judge_output", "rating", "orientation", "parse_status")
REQUIRED_COLUMNS = ("id", *PROMPT_FIELDS.values())
EMPTY_ANSWER = f"{STATUS_UNSCORED}: empty allm_output (not sent to the judge)"


class JudgeInputError(ValueError):
    """The input CSV cannot be judged; the message names the file, columns or rows."""


@dataclass(frozen=True)
class JudgeSummary:
    out_csv: Path
    manifest_path: Path
    store_path: Path
    judge: str
    backend: str
    n_rows: int
    n_judged_now: int  # rows whose judgment came from a model call in this run
    n_from_store: int  # rows whose judgment was already in the store
    n_unscored: int  # rows without both a rating and an orientation (errors and empty answers included)
    n_errors: int  # rows whose backend call failed for good (retries exhausted)
    n_repaired: int = 0
    n_model_calls: int = 0  # judgments + repairs actually requested from the backend


def default_store_path(out_csv: Path) -> Path:
    return out_csv.with_name(out_csv.name + ".store.jsonl")


def choose_backend(judge: str, backend: str | None) -> str:
    """``backend`` if given; else a backend registered under the judge's name; else vllm."""
    import jasco.judge.catalog  # noqa: F401 - registrations

    if backend:
        JUDGE_BACKENDS.entry(backend)  # raises naming the known backends
        return backend
    if judge in JUDGE_BACKENDS:
        return judge
    if importlib.util.find_spec("vllm") is not None:
        return "vllm"
    raise JudgeInputError(
        f"no backend given for judge {judge!r} and vllm is not installed; pass --backend "
        f"(one of {', '.join(JUDGE_BACKENDS.names())}) or install jasco[vllm]"
    )


def load_backend(name: str, judge: str, options: Mapping[str, Any] | None) -> JudgeBackend:
    import jasco.judge.catalog  # noqa: F401 - registrations

    factory = JUDGE_BACKENDS.load(name)
    try:
        return factory(judge, **dict(options or {}))
    except (TypeError, ValueError) as error:  # an option it does not take, a missing base URL, ...
        raise BackendOptionError(f"judge backend {name!r} for {judge!r}: {error}") from error


def release(backend: JudgeBackend) -> None:
    """Close a backend and give its memory back before another judge loads."""
    backend.close()
    gc.collect()
    torch = sys.modules.get("torch")  # never import torch just for this
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def identity(description: Mapping[str, Any], judge: str, backend: str) -> dict[str, Any]:
    """The backend facts that determine a judgment (part of every store key)."""
    return {
        "backend": description.get("backend", backend),
        "model": description.get("model", judge),
        "revision": description.get("revision"),
        "result_settings": description.get("result_settings", {}),
    }


def judgment_key(
    who: Mapping[str, Any], decoding: Decoding, template: JudgeTemplate, kind: str, messages: Sequence[Any],
    hashes: Mapping[str, str] | None = None,
) -> str:
    """The store key of one judge call (``hashes``: ``template_hashes(template)``, if known)."""
    return stable_key({
        "stage": "judge", "kind": kind, **who, "decoding": decoding.as_dict(), "template": template.name,
        "template_sha256": dict(hashes or template_hashes(template)), "messages": list(messages),
    })


def read_input(in_csv: Path) -> Any:
    from jasco.tasks.jasco.table import TableError, check_unique, read_table

    try:
        frame = read_table(in_csv, required=REQUIRED_COLUMNS)
        check_unique(frame, in_csv)
    except TableError as error:
        raise JudgeInputError(f"{error} (the judge needs columns {list(REQUIRED_COLUMNS)})") from None
    return frame


def run_judge(
    in_csv: Path,
    out_csv: Path,
    *,
    judge: str,
    backend: str | None = None,
    backend_options: Mapping[str, Any] | None = None,
    decoding: Decoding | None = None,
    template: str = DEFAULT_TEMPLATE,
    repair: bool = False,
    store_path: Path | None = None,
    progress: bool = True,
    backend_instance: JudgeBackend | None = None,
) -> JudgeSummary:
    """Judge every row of ``in_csv`` into ``out_csv``; see the module docstring.

    ``backend_instance``: an already loaded backend to use (and not close), e.g. one engine
    reused by several runs; otherwise the backend is loaded here and released at the end.
    """
    in_csv, out_csv = Path(in_csv), Path(out_csv)
    decoding = decoding or Decoding()
    template_obj = get_template(template)
    frame = read_input(in_csv)
    backend_name = choose_backend(judge, backend) if backend_instance is None else (backend or "instance")
    store_path = Path(store_path) if store_path else default_store_path(out_csv)
    owned = backend_instance is None
    instance = load_backend(backend_name, judge, backend_options) if owned else backend_instance
    assert instance is not None
    try:
        description = instance.describe()
        backend_name = description.get("backend", backend_name)
        job = _Job(frame, template_obj, decoding, identity(description, judge, backend_name), progress)
        with ResultStore(store_path) as store:
            job.judge_all(store, instance)
            if repair:
                job.repair_all(store, instance)
    finally:
        if owned:
            release(instance)
    return _write_outputs(
        job, frame, in_csv, out_csv, store_path, judge=judge, backend=backend_name, description=description,
        template=template_obj, repair=repair, backend_options=backend_options,
    )


class _Job:
    """The rows of one run and what is known about each."""

    def __init__(
        self, frame: Any, template: JudgeTemplate, decoding: Decoding, who: dict[str, Any], progress: bool
    ) -> None:
        self.template, self.decoding, self.who, self.progress = template, decoding, who, progress
        self.hashes = template_hashes(template)
        self.rows: list[dict[str, str]] = frame.to_dict(orient="records")
        self.texts: list[str | None] = [None] * len(self.rows)
        self.errors: dict[int, str] = {}  # row -> judgment call error (retries exhausted)
        self.repair_errors: dict[int, str] = {}
        self.judgments: dict[int, Judgment] = {}
        self.from_store = self.judged_now = self.repaired = self.calls = 0

    def judge_all(self, store: ResultStore, backend: JudgeBackend) -> None:
        pending: dict[str, list[int]] = {}  # key -> rows sharing that conversation
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        for index, row in enumerate(self.rows):
            if not row["allm_output"].strip():
                continue
            conversation = judge_messages(self.template, row)
            key = judgment_key(self.who, self.decoding, self.template, "judgment", conversation, self.hashes)
            hit = store.get(key)
            if hit is not None:
                self.texts[index] = hit["text"]
                self.from_store += 1
            else:
                pending.setdefault(key, []).append(index)
                messages[key] = conversation
        n_sendable = sum(1 for row in self.rows if row["allm_output"].strip())
        self._call(store, backend, pending, messages, "judgment", total=n_sendable, done=self.from_store)

    def repair_all(self, store: ResultStore, backend: JudgeBackend) -> None:
        """One bounded re-ask per row whose rating parsed but orientation did not."""
        pending: dict[str, list[int]] = {}
        messages: dict[str, tuple[dict[str, str], ...]] = {}
        keys: dict[int, str] = {}
        for index, text in enumerate(self.texts):
            if text is None or not orientation_needs_repair(parse_judgment(text)):
                continue
            conversation = repair_messages(self.template, explanation2(text))
            key = keys[index] = judgment_key(
                self.who, self.decoding, self.template, "repair", conversation, self.hashes
            )
            if store.get(key) is None:
                pending.setdefault(key, []).append(index)
                messages[key] = conversation
        self._call(store, backend, pending, messages, "repair", total=len(keys), done=len(keys) - len(pending))
        for index, key in keys.items():
            hit = store.get(key)
            answer = hit["text"] if hit else ""
            first = parse_judgment(self.texts[index])
            orientation = parse_repair_answer(answer)
            if orientation is not None:
                self.judgments[index] = Judgment(first.rating, orientation, STATUS_REPAIRED)
                self.repaired += 1
                continue
            if index in self.repair_errors:
                reason = f"repair failed: {self.repair_errors[index]}"
            else:
                reason = f"repair answer {answer[:60]!r} names no single label"
            self.judgments[index] = Judgment(first.rating, None, f"{first.status}; {reason}")

    def _call(
        self,
        store: ResultStore,
        backend: JudgeBackend,
        pending: dict[str, list[int]],
        messages: Mapping[str, tuple[dict[str, str], ...]],
        kind: str,
        *,
        total: int,
        done: int,
    ) -> None:
        """Send every pending conversation in one batch; store each text as it arrives."""
        if not pending:
            return
        from tqdm import tqdm

        keys = list(pending)
        regex = None
        if self.decoding.structured and kind == "judgment":
            from jasco.tasks.jasco.structured import judgment_regex

            regex = judgment_regex(self.template, self.decoding.max_tokens)
        requests = [JudgeRequest(i, messages[key], self.rows[pending[key][0]], regex) for i, key in enumerate(keys)]
        answered: set[int] = set()
        errors = self.errors if kind == "judgment" else self.repair_errors
        bar = tqdm(total=total, initial=done, unit="row", desc=f"judge ({kind}s)", disable=not self.progress,
                   dynamic_ncols=True)

        def on_result(i: int, text: str | None, error: str | None) -> None:
            if i in answered or not 0 <= i < len(keys):
                raise RuntimeError(f"judge backend answered request {i} twice or out of range")
            answered.add(i)
            key = keys[i]
            if text is not None:
                store.put(key, {"text": text, "kind": kind, "model": self.who["model"]})
            for index in pending[key]:
                if text is None:
                    errors[index] = error or "no text and no error from the backend"
                elif kind == "judgment":
                    self.texts[index] = text
                    self.judged_now += 1
            bar.update(len(pending[key]))

        self.calls += len(requests)
        try:
            backend.generate(requests, self.decoding, on_result)
        finally:
            bar.close()
        if len(answered) != len(keys):
            raise RuntimeError(f"judge backend answered {len(answered)} of {len(keys)} requests")

    def judgment(self, index: int) -> Judgment:
        if index in self.judgments:
            return self.judgments[index]
        if not self.rows[index]["allm_output"].strip():
            return Judgment(None, None, EMPTY_ANSWER)
        if index in self.errors:
            return Judgment(None, None, f"{STATUS_UNSCORED}: judge error: {self.errors[index]}")
        return parse_judgment(self.texts[index])


def _write_outputs(
    job: _Job, frame: Any, in_csv: Path, out_csv: Path, store_path: Path, *, judge: str, backend: str,
    description: Mapping[str, Any], template: JudgeTemplate, repair: bool, backend_options: Mapping[str, Any] | None,
) -> JudgeSummary:
    from jasco.core.runinfo import file_sha256, write_manifest
    from jasco.tasks.jasco.structured import judgment_regex
    from jasco.tasks.jasco.table import write_table

    judgments = [job.judgment(i) for i in range(len(job.rows))]
    out = frame.copy()
    out["judge"] = judge
    out["judge_output"] = [text or "" for text in job.texts]
    out["rating"] = ["" if j.rating is None else str(j.rating) for j in judgments]
    out["orientation"] = [j.orientation_label for j in judgments]
    out["parse_status"] = [j.status for j in judgments]
    write_table(out, out_csv)
    n_unscored = sum(not j.scored for j in judgments)
    decoding = job.decoding
    manifest = write_manifest(
        out_csv,
        stage="judge",
        arguments={
            "in_csv": str(in_csv), "out_csv": str(out_csv), "judge": judge, "backend": backend,
            "backend_options": dict(backend_options or {}), "template": template.name, "repair": repair,
            "store_path": str(store_path),
        },
        details={
            "input_sha256": file_sha256(in_csv),
            "judge": {"model": job.who["model"], "revision": job.who["revision"]},
            "backend": dict(description),
            "decoding": decoding.as_dict(),
            "seeds": {"decoding": decoding.seed},
            "structured_regex": judgment_regex(template, decoding.max_tokens) if decoding.structured else None,
            "template": {"name": template.name, "files": template_hashes(template)},
            "counts": {
                "rows": len(job.rows), "judged_now": job.judged_now, "from_store": job.from_store,
                "unscored": n_unscored, "errors": len(job.errors), "repaired": job.repaired,
                "model_calls": job.calls,
            },
        },
    )
    return JudgeSummary(
        out_csv=out_csv, manifest_path=manifest, store_path=store_path, judge=judge, backend=backend,
        n_rows=len(job.rows), n_judged_now=job.judged_now, n_from_store=job.from_store, n_unscored=n_unscored,
        n_errors=len(job.errors), n_repaired=job.repaired, n_model_calls=job.calls,
    )


# --- panels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelJudge:
    model: str
    backend_options: Mapping[str, Any]


def load_panel(panel: str | Path) -> tuple[str, tuple[PanelJudge, ...]]:
    """A panel by name (``evaluation/panels/<name>.json``) or by path to such a file."""
    path = Path(panel)
    if not path.suffix:
        path = resource_dir("evaluation") / "panels" / f"{panel}.json"
    if not path.is_file():
        known = sorted(p.stem for p in (resource_dir("evaluation") / "panels").glob("*.json"))
        raise JudgeInputError(f"judge panel {panel!r} not found ({path}); known panels: {', '.join(known)}")
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        judges = tuple(PanelJudge(j["model"], dict(j.get("backend_options", {}))) for j in data["judges"])
    except (KeyError, TypeError) as error:
        raise JudgeInputError(f"{path}: each judge needs a 'model' ({error})") from None
    return str(data.get("name", path.stem)), judges


def panel_file_name(model: str) -> str:
    """``meta-llama/Llama-3.1-70B-Instruct`` -> ``meta-llama--Llama-3.1-70B-Instruct.csv``."""
    return f"{file_stem(model, fallback='judge')}.csv"


def run_panel(
    in_csv: Path,
    out_dir: Path,
    *,
    panel: str | Path = "paper",
    backend: str | None = None,
    backend_options: Mapping[str, Any] | None = None,
    decoding: Decoding | None = None,
    template: str = DEFAULT_TEMPLATE,
    repair: bool = False,
    progress: bool = True,
) -> list[JudgeSummary]:
    """Each judge of the panel in turn, one OUT file each; each backend is released before the
    next loads. Options given here override the panel file's per-judge options."""
    _, judges = load_panel(panel)
    read_input(Path(in_csv))  # fail before loading any judge
    summaries = []
    for member in judges:
        options = {**member.backend_options, **dict(backend_options or {})}
        summaries.append(run_judge(
            Path(in_csv), Path(out_dir) / panel_file_name(member.model), judge=member.model, backend=backend,
            backend_options=options, decoding=replace(decoding or Decoding()), template=template,
            repair=repair, progress=progress,
        ))
    return summaries
