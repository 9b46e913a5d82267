"""``jasco captions``: ALLD's descriptive quality captions and A/B comparisons from meta info.

Thin: options -> ``jasco.tasks.alld.captions.run_captions`` (or ``dry_run_text``). The judge is
any judge backend (``--backend``: vllm, openai, hf, ...; options as for ``jasco judge``). Bad input
(meta info outside 1-5 or missing a factor, a pair of identical MOS, an unknown option) is one
line and exit 1; failed requests and an impossible ALLD layout are reported after everything
else was written, also with exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.options import parse_key_value

_BACKEND_FLAGS = {"base_url": "base_urls", "served_model": "served_model", "max_model_len": "max_model_len",
                  "dtype": "dtype", "tensor_parallel_size": "tensor_parallel_size", "concurrency": "concurrency"}


@click.command()
@click.option("--meta", "meta_csv", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A NISQA-layout CSV: filepath_deg and (for human meta info) mos, noi, col, dis, loud.")
@click.option("--meta-from", type=click.Choice(["human", "signal"]), default="human", show_default=True,
              help="human: the CSV's ratings (ALLD: NISQA's); signal: jasco's signal analyzer rates each file.")
@click.option("--audio-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              show_default="the CSV's directory", help="What filepath_deg is relative to.")
@click.option("--split", "splits", multiple=True, metavar="DB", help="Only rows of this db (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Signal analyzer processes.")
@click.option("--judge", metavar="MODEL", help="The expert text LLM: a model id or path (or a registered name).")
@click.option("--backend", help="vllm, openai, hf, ... (default: the judge's own, else vllm).")
@click.option("--base-url", multiple=True, help="openai: repeatable; default $OPENAI_BASE_URL.")
@click.option("--served-model", help="openai: the server's name for the model (default: --judge).")
@click.option("--max-model-len", type=int, help="vllm")
@click.option("--dtype", help="vllm, hf")
@click.option("--tensor-parallel-size", type=int, help="vllm")
@click.option("--concurrency", type=int, help="openai")
@click.option("--enforce-eager", is_flag=True, default=None, help="vllm: no CUDA graphs / compilation.")
@click.option("--backend-option", multiple=True, metavar="KEY=VALUE", help="Any other backend option (JSON value).")
@click.option("--pairs", "n_pairs", type=click.IntRange(min=0), default=None,
              show_default="one per file, at most every pair with the MOS gap", help="A/B pairs to build.")
@click.option("--min-gap", type=float, default=0.5, show_default=True, help="Smallest MOS gap of a pair.")
@click.option("--seed", type=int, default=0, show_default=True, help="Pairs and every request's sampling seed.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None,
              show_default="per pass, prompts/alld/sampling.v1.json", help="Cap every pass's generated tokens.")
@click.option("--swift-format", type=click.Choice(["messages", "query-response"]), default="messages",
              show_default=True, help="ms-swift dataset format: messages (3.x/4.x) or query-response (2.x).")
@click.option("--layout", type=click.Choice(["jasco", "alld"]), default="jasco", show_default=True,
              help="alld: also write ALLD's per-pair files for --audio1 / --audio2.")
@click.option("--audio1", help="--layout alld: SpeechA (its filepath_deg or audio path).")
@click.option("--audio2", help="--layout alld: SpeechB.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory: captions.jsonl, swift.jsonl, the manifest (and ALLD's files).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Result store (default: OUT/captions.jsonl.store.jsonl).")
@click.option("--dry-run", is_flag=True, help="Print the first file's and first pair's prompts; load no model.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def captions(meta_csv: Path, meta_from: str, audio_root: Path | None, splits: tuple[str, ...], workers: int | None,
             judge: str | None, backend: str | None, enforce_eager: bool | None, backend_option: tuple[str, ...],
             n_pairs: int | None, min_gap: float, seed: int, max_tokens: int | None, swift_format: str, layout: str,
             audio1: str | None, audio2: str | None, out_dir: Path | None, store_path: Path | None, dry_run: bool,
             progress: bool, **flags: Any) -> None:
    """Generate ALLD's captions from per-file meta info with an expert text LLM (arXiv 2501.17202)."""
    from jasco.core.registry import UnknownNameError
    from jasco.core.store import StoreLockedError
    from jasco.models.base import ModelOptionError
    from jasco.stages.judge.backends import BackendOptionError, JudgeInputError
    from jasco.tasks.alld.captions import CaptionsConfig, dry_run_text, run_captions
    from jasco.tasks.alld.errors import AlldError

    if not dry_run and (judge is None or out_dir is None):
        raise click.UsageError("give --judge MODEL and --out DIR (or --dry-run)")
    options = {_BACKEND_FLAGS[name]: value for name, value in flags.items() if value not in (None, ())}
    if enforce_eager:
        options["enforce_eager"] = True
    options.update(parse_key_value(text, "--backend-option") for text in backend_option)
    config = CaptionsConfig(
        meta_csv=meta_csv, out_dir=out_dir, meta_from=meta_from, audio_root=audio_root, splits=splits,
        workers=workers, judge=judge, backend=backend, backend_options=options, n_pairs=n_pairs, min_gap=min_gap,
        seed=seed, max_tokens=max_tokens, swift_format=swift_format, layout=layout, audio1=audio1, audio2=audio2,
        store_path=store_path, progress=progress,
    )
    try:
        if dry_run:
            click.echo(dry_run_text(config), nl=False)
            return
        summary = run_captions(config, echo=lambda message: click.echo(message, err=True))
    except (AlldError, JudgeInputError, BackendOptionError, ModelOptionError, UnknownNameError,
            StoreLockedError) as error:
        raise click.ClickException(str(error)) from None
    for name, path in summary.outputs.items():
        click.echo(f"{name}: {path}")
    click.echo(f"manifest: {summary.manifest_path}")
    for problem in summary.problems:
        click.echo(f"Error: {problem}", err=True)
    if summary.problems:
        raise SystemExit(1)
