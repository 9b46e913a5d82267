"""Calibrate and check the signal analyzer's quality mapping against two human-trained predictors.

Usage: python scripts/quality_calibration.py CLEAN_DIR OUT.json [--recordings N] [--workers N]

Takes every (len // N)-th clean recording by name, the first N of them (for 23 recordings and
N = 12: the first 12, 6 CMU ARCTIC and 6 LibriSpeech), brings each to -26 dBov, applies
each degradation of ``GRID`` (jasco.quality.degrade, seeded), and scores every file with the
``signal``, ``dnsmos`` and ``distillmos`` predictors. For every degradation it reports the mean
MOS drop from the same recording's clean version for each predictor. The clipping constant of
jasco.quality.signal.mapping (CLIP_SCALE, the one constant without an ITU source) is the value
on a 0.25 grid that makes the mean signal-MOS drop over the clipping levels closest (least
squares) to the mean Distill-MOS drop (DNSMOS P.835 hardly reacts to clipping, so it cannot
calibrate it; the fit against the mean of both is printed too). The other rows are a check of
the ITU-derived constants, not a fit. The table goes into docs/quality.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

GRID: tuple[tuple[str, float], ...] = (
    ("clip", 0.005), ("clip", 0.01), ("clip", 0.02), ("clip", 0.05), ("clip", 0.10), ("clip", 0.20),
    ("white", 30.0), ("white", 20.0), ("white", 10.0), ("white", 0.0),
    ("lowpass", 5000.0), ("lowpass", 3400.0), ("lowpass", 2000.0),
    ("dropout", 0.02), ("dropout", 0.05), ("dropout", 0.10),
    ("gain", -20.0), ("gain", -30.0),
)


def main() -> int:
    import soundfile

    from jasco.quality.audio_input import load_input
    from jasco.quality.degrade import SAMPLE_RATE, Context, Step, apply_steps
    from jasco.quality.demo_corpus import normalise
    from jasco.quality.runner import QualityPool
    from jasco.quality.signal import mapping
    from jasco.quality.signal.features import SignalFeatures

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clean_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--recordings", type=int, default=12)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    clean_files = sorted(args.clean_dir.glob("*.wav"))
    step = max(1, len(clean_files) // args.recordings)
    chosen = clean_files[::step][: args.recordings]
    with tempfile.TemporaryDirectory() as work:
        paths: list[tuple[str, str, str, float]] = []  # (file, recording, kind, value)
        for number, source in enumerate(chosen):
            clean = normalise(load_input(source).samples.astype(np.float64))
            others = [normalise(load_input(f).samples.astype(np.float64)) for f in chosen if f != source][:6]
            cases = [("clean", 0.0), *GRID]
            for kind, value in cases:
                steps = () if kind == "clean" else (Step(kind, value),)
                rng = np.random.default_rng([number, len(paths)])
                degraded = apply_steps(clean, steps, Context(rng, others))
                path = Path(work) / f"{source.stem}_{kind}_{value:g}.wav"
                soundfile.write(str(path), degraded, SAMPLE_RATE, subtype="PCM_16")
                paths.append((str(path), source.stem, kind, value))
        with QualityPool(["signal", "dnsmos", "distillmos"], workers=args.workers) as pool:
            outcomes = pool.run([p[0] for p in paths])
    records = []
    for (_, recording, kind, value), outcome in zip(paths, outcomes, strict=True):
        values = {p.predictor: p.values for p in outcome.predictions}
        records.append({"recording": recording, "kind": kind, "value": value, **{
            name: values.get(name, {}) for name in ("signal", "dnsmos", "distillmos")}})
    feature_names = set(SignalFeatures.__dataclass_fields__)

    def signal_mos(record: dict, scale: float) -> float:
        features = SignalFeatures(**{k: v for k, v in record["signal"].items() if k in feature_names})
        return mapping.dimensions(features, clip_scale=scale)["mos"]

    clean = {r["recording"]: r for r in records if r["kind"] == "clean"}

    def drops(kind: str, value: float, scale: float) -> dict[str, float]:
        rows = [r for r in records if r["kind"] == kind and r["value"] == value]
        out = {}
        for name in ("dnsmos", "distillmos"):
            out[name] = float(np.mean([clean[r["recording"]][name]["mos"] - r[name]["mos"] for r in rows]))
        out["signal"] = float(np.mean([signal_mos(clean[r["recording"]], scale) - signal_mos(r, scale) for r in rows]))
        return out

    clip_levels = [value for kind, value in GRID if kind == "clip"]
    scales = np.arange(0.0, 30.01, 0.25)

    def fit(target: Callable[[dict[str, float]], float]) -> float:
        errors = []
        for scale in scales:
            rows = [drops("clip", value, scale) for value in clip_levels]
            errors.append(sum((r["signal"] - target(r)) ** 2 for r in rows))
        return float(scales[int(np.argmin(errors))])

    best = fit(lambda r: r["distillmos"])
    both = fit(lambda r: (r["dnsmos"] + r["distillmos"]) / 2)
    print(f"clip_scale fitted to the mean of DNSMOS and Distill-MOS instead: {both}")
    table = [{"kind": kind, "value": value, **drops(kind, value, best)} for kind, value in GRID]
    result = {"recordings": [c.stem for c in chosen], "clip_scale": best, "current_clip_scale": mapping.CLIP_SCALE,
              "mean_drops": table, "records": records}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"clip_scale (least squares against Distill-MOS): {best}  (mapping uses {mapping.CLIP_SCALE})")
    print("| degradation | DNSMOS OVRL | Distill-MOS | signal |\n|---|---|---|---|")
    for row in table:
        name = f"{row['kind']}({row['value']:g})"
        print(f"| {name} | {row['dnsmos']:.2f} | {row['distillmos']:.2f} | {row['signal']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
