"""``jasco analyze``: signal features, quality dimensions and MOS predictions per audio file.

Thin: options -> ``jasco.quality.runner.score_files`` -> a renderer of
``jasco.quality.outcome_format``. Predictors run in worker processes (``--workers``, default
the machine's cores). A file or predictor that fails gets an error status in the output and a
line on stderr naming the file; the exit status is then 3 (after everything was written), as for
every command whose rows failed (``jasco.commands.exits``). ``--out`` is never one of the inputs.
"""

from __future__ import annotations

from pathlib import Path

import click

from jasco.commands.exits import exit_incomplete, plain_errors
from jasco.quality.outcome_format import RENDERERS
from jasco.quality.predictors import PREDICTORS


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A clean reference: adds the double-ended comparison (delay, SNR, segmental SNR, "
                   "level, bandwidth and log-spectral differences) for every FILE.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="table", show_default=True)
@click.option("--predictor", "predictors", multiple=True, default=("signal",), show_default=True,
              help=f"Repeatable: {', '.join(PREDICTORS.names())}, or 'all'.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the machine's cores).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (atomically, with OUT.manifest.json) instead of standard output.")
@plain_errors
def analyze(files: tuple[Path, ...], reference: Path | None, fmt: str, predictors: tuple[str, ...],
            workers: int | None, out: Path | None) -> None:
    """Analyse FILES: every signal feature, noi/col/dis/loud and MOS, per file."""
    from jasco.quality.runner import QualityError, score_files

    if out is not None:
        from jasco.core.outputs import beside, check_outputs

        check_outputs(beside(out, ".manifest.json"), [*files, reference])
    names = PREDICTORS.names() if "all" in predictors else list(dict.fromkeys(predictors))
    try:
        outcomes = score_files([str(f) for f in files], names, workers=workers, reference=reference)
    except QualityError as error:
        raise click.ClickException(str(error)) from None
    text = RENDERERS[fmt](outcomes)
    if out is None:
        click.echo(text, nl=False)
    else:
        from jasco.core.runinfo import write_manifest, write_text_atomic

        write_text_atomic(out, text)
        versions = {p.predictor: p.version for o in outcomes for p in o.predictions if p.version}
        write_manifest(out, stage="analyze", arguments={
            "files": [str(f) for f in files], "reference": str(reference) if reference else None,
            "format": fmt, "predictors": names, "workers": workers,
        }, details={"predictor_versions": versions})
        click.echo(f"{len(outcomes)} files analysed, written to {out}", err=True)
    failures = [o.reason for o in outcomes if o.status != "ok"]  # names the file already
    failures += [f"{o.path}: {p.predictor}: {p.reason}" for o in outcomes for p in o.predictions if p.status != "ok"]
    failures += [f"{o.path}: reference: {o.reference['reason']}"
                 for o in outcomes if o.reference is not None and o.reference["status"] != "ok"]
    if failures:
        exit_incomplete(failures)
