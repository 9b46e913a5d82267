"""WADA-SNR: blind SNR of a speech recording from the shape of its amplitude distribution.

Kim & Stern, "Robust signal-to-noise ratio estimation based on waveform amplitude
distribution analysis", Interspeech 2008. Clean speech amplitude is modelled as Gamma(0.4)
(with a random sign) and the noise as Gaussian; the statistic

    G = log E|z| - E log|z|

of the observed waveform z falls monotonically from about 1.63 (clean speech) to 0.41 (pure
Gaussian noise). A table G(SNR) for SNR = -20..100 dB maps G back to an SNR, defined as in the
paper: total speech energy over total noise energy in the file.

The table (``wada_table.json`` beside this module) was derived once by ``derive_table`` (Monte
Carlo under the model, common random numbers over the SNR grid, seed and sample count recorded
in the file). It reproduces the published endpoints (G(-20 dB) = 0.40975, G(100 dB) = 1.632)
to within Monte Carlo error; a test re-derives points of it.

Exact digital zeros are excluded before computing G: a run of zeros (digital silence, a mute)
would otherwise drive log|z| to -inf and the estimate to 100 dB. The estimate is known to be
unreliable above about 40 dB and below about -5 dB; callers get the clamped value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

TABLE_PATH = Path(__file__).with_name("wada_table.json")
GAMMA_SHAPE = 0.4
SNR_GRID_DB = np.arange(-20.0, 101.0, 1.0)


@dataclass(frozen=True)
class WadaTable:
    snr_db: np.ndarray
    g: np.ndarray


def derive_table(n_samples: int = 10_000_000, seed: int = 0, snr_db: np.ndarray = SNR_GRID_DB) -> WadaTable:
    """G(SNR) by Monte Carlo under the WADA model (Gamma(0.4) speech plus Gaussian noise).

    One draw of speech and unit noise is reused for every SNR (common random numbers), so the
    table is smooth and monotone; the Monte Carlo error of each G is about 3/sqrt(n_samples).
    """
    rng = np.random.default_rng(seed)
    speech = rng.gamma(GAMMA_SHAPE, 1.0, n_samples) * rng.choice([-1.0, 1.0], n_samples)
    noise = rng.standard_normal(n_samples)
    speech_power = float(np.mean(speech**2))
    values = []
    for snr in snr_db:
        sigma = np.sqrt(speech_power / 10.0 ** (snr / 10.0))
        values.append(g_statistic(speech + sigma * noise))
    return WadaTable(np.asarray(snr_db, dtype=float), np.asarray(values, dtype=float))


def g_statistic(samples: np.ndarray) -> float:
    """log E|z| - E log|z| over the non-zero samples (scale invariant)."""
    magnitude = np.abs(np.asarray(samples, dtype=np.float64))
    magnitude = magnitude[magnitude > 0.0]
    return float(np.log(magnitude.mean()) - np.log(magnitude).mean())


def write_table(table: WadaTable, path: Path, *, n_samples: int, seed: int) -> None:
    payload = {
        "method": "Monte Carlo under the WADA model: |speech| ~ Gamma(0.4), random sign; Gaussian noise; "
        "G = log E|z| - E log|z|; common random numbers over the SNR grid",
        "n_samples": n_samples,
        "seed": seed,
        "snr_db": [float(v) for v in table.snr_db],
        "g": [round(float(v), 6) for v in table.g],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def load_table(path: Path = TABLE_PATH) -> WadaTable:
    payload = json.loads(path.read_text(encoding="utf-8"))
    table = WadaTable(np.asarray(payload["snr_db"], dtype=float), np.asarray(payload["g"], dtype=float))
    if not np.all(np.diff(table.g) > 0):
        raise ValueError(f"{path}: the WADA table is not strictly increasing")
    return table


@dataclass(frozen=True)
class WadaResult:
    snr_db: float  # clamped to the table range, -20..100 dB
    g: float
    n_samples_used: int  # non-zero samples
    clamped: bool  # True when G fell outside the table


def wada_snr(samples: np.ndarray, table: WadaTable | None = None) -> WadaResult:
    """The WADA-SNR estimate of a mono waveform; raises ValueError when no sample is non-zero."""
    table = table or load_table()
    x = np.asarray(samples, dtype=np.float64)
    used = int(np.count_nonzero(x))
    if used == 0:
        raise ValueError("WADA-SNR needs non-zero samples; the signal is digital silence")
    g = g_statistic(x)
    clamped = bool(g <= table.g[0] or g >= table.g[-1])
    snr = float(np.interp(g, table.g, table.snr_db))
    return WadaResult(snr_db=snr, g=g, n_samples_used=used, clamped=clamped)
