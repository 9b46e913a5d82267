"""Speed of the quality predictors on this machine, in one run (not a test).

Builds the demo corpus from the clean recordings (or takes an existing one), then measures:

  per predictor:  real-time factor (seconds of audio scored per second of wall time) of one
                  worker process, after its warm-up (model load, numba compilation: timed
                  apart), and of ``--workers`` processes (default: the machine's cores); and
                  per second of CPU time of one single-threaded process (reading the file
                  included), which a busy shared machine disturbs far less than wall time
  whole corpus:   all three predictors over every file with ``--workers`` processes, wall time
                  from pool start (warm-up included) to the last file
  DNSMOS paths:   CPU time of speechmos's own per-window scoring against jasco's shared P.835
                  trunk on the same files in one process, one after the other (the ratio), and
                  the largest difference between their scores (expected: 0)

Goals (issue 13): signal >= 100x real time, DNSMOS >= 10x. The machine, its cores and the load
average before and after are printed: on a shared machine the load changes the figures.

    PYTHONPATH=$PWD python benchmarks/quality_speed.py --clean ../shared/speech/clean
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PREDICTORS = ("signal", "dnsmos", "distillmos")


def _machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from jasco.quality.runner import default_workers

    return f"{model}, {default_workers()} cores usable, {os.cpu_count()} online"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _rtf(pool: object, files: list[Path], seconds_of_audio: float) -> tuple[float, float]:
    start = time.perf_counter()
    outcomes = pool.run(files)  # type: ignore[attr-defined]
    wall = time.perf_counter() - start
    failed = [o.path for o in outcomes if o.status != "ok" or any(p.status != "ok" for p in o.predictions)]
    if failed:
        raise SystemExit(f"{len(failed)} files failed, e.g. {failed[0]}")
    return wall, seconds_of_audio / wall


def _cpu_rtf(name: str, files: list[Path]) -> float:
    """Seconds of audio per CPU second of one single-threaded predictor (runs in a spawned process)."""
    from jasco.quality.audio_input import load_input
    from jasco.quality.predictors import PREDICTORS

    predictor = PREDICTORS.load(name)(1)
    predictor.predict(load_input(files[0]).samples)  # warm-up
    audio = 0.0
    start = time.process_time()
    for path in files:
        samples = load_input(path).samples
        predictor.predict(samples)
        audio += len(samples) / 16000
    return audio / (time.process_time() - start)


def _dnsmos_paths(files: list[Path]) -> tuple[float, float, float]:
    """CPU seconds of the reference and the shared-trunk DNSMOS on ``files``, and their largest
    score difference (runs in a spawned process)."""
    from jasco.quality.audio_input import load_input
    from jasco.quality.predictors.dnsmos import DnsmosPredictor

    shared, reference = DnsmosPredictor(1), DnsmosPredictor(1, shared_trunk=False)
    if shared._shared is None:
        raise SystemExit("the installed speechmos's P.835 graph was not split")
    clips = [load_input(path).samples for path in files]
    reference.predict(clips[0])
    shared.predict(clips[0])  # warm-up
    seconds, scores = [], []
    for predictor in (reference, shared):
        start = time.process_time()
        scores.append([predictor.predict(samples) for samples in clips])
        seconds.append(time.process_time() - start)
    largest = max(abs(a[key] - b[key]) for a, b in zip(*scores, strict=True) for key in a)
    return seconds[0], seconds[1], largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", type=Path, default=Path("../shared/speech/clean"))
    parser.add_argument("--corpus", type=Path, default=None, help="an existing NISQA-layout corpus to score")
    parser.add_argument("--files-per-condition", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--subset", type=int, default=40, help="files used for the per-predictor figures")
    args = parser.parse_args()

    import soundfile

    from jasco.quality.demo_corpus import build_demo_corpus, read_corpus_csv
    from jasco.quality.runner import QualityPool, default_workers

    workers = args.workers or default_workers()
    print(f"machine: {_machine()}; load average before: {_load()}")
    root = args.corpus
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="quality-speed-"))
        start = time.perf_counter()
        build = build_demo_corpus(sorted(args.clean.glob("*.wav")), root, files_per_condition=args.files_per_condition)
        print(f"built the demo corpus ({build.n_degraded} files) in {time.perf_counter() - start:.1f} s")
    files = [root / row["filepath_deg"] for row in read_corpus_csv(root / "NISQA_corpus_file.csv")]
    durations = {path: soundfile.info(str(path)).duration for path in files}
    subset = files[:: max(1, len(files) // args.subset)][: args.subset]
    subset_audio = sum(durations[p] for p in subset)
    print(f"per-predictor figures on {len(subset)} files, {subset_audio:.1f} s of audio")
    print(f"| predictor | warm-up s | 1 worker: wall s | RTF | {workers} workers: wall s | RTF | CPU RTF, 1 thread |")
    print("|---|---|---|---|---|---|---|")
    for name in PREDICTORS:
        row = [name]
        for count in (1, workers):
            start = time.perf_counter()
            with QualityPool([name], workers=count) as pool:
                pool.run(subset[:count])  # every worker loads its model and warms up
                warm = time.perf_counter() - start
                wall, rtf = _rtf(pool, subset, subset_audio)
            if count == 1:
                row.append(f"{warm:.1f}")
            row += [f"{wall:.1f}", f"{rtf:.1f}x"]
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as single:
            row.append(f"{single.submit(_cpu_rtf, name, subset).result():.1f}x")
        print("| " + " | ".join(row) + " |")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as single:
        reference, shared, largest = single.submit(_dnsmos_paths, subset).result()
    print(f"DNSMOS on the same {len(subset)} files, 1 thread: speechmos's per-window scoring {reference:.1f} CPU s "
          f"({subset_audio / reference:.1f}x), shared P.835 trunk {shared:.1f} CPU s ({subset_audio / shared:.1f}x): "
          f"{reference / shared:.2f}x faster; largest score difference {largest:.2g}")
    total_audio = sum(durations.values())
    start = time.perf_counter()
    with QualityPool(list(PREDICTORS), workers=workers) as pool:
        _rtf(pool, files, total_audio)
    wall = time.perf_counter() - start
    print(f"whole corpus: {len(files)} files, {total_audio:.1f} s of audio, all three predictors, "
          f"{workers} workers: {wall:.1f} s wall including warm-up ({total_audio / wall:.1f}x real time)")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
