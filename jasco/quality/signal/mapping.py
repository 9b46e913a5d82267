"""From signal features to the NISQA dimensions (noi, col, dis, loud) and a MOS.

The mapping follows the ITU-T E-model's premise (G.107): impairments add on a transmission
rating scale R, and R maps to a MOS. We use R on 0..100 where 100 is clean wideband speech
(the wideband R of G.107.1 divided by 1.29), and G.107's conversion

    MOS(R) = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R),  1 for R <= 0, 4.5 for R >= 100

(floored at 1: the cubic dips to 0.99 for R under 6.5, which would make it non-monotonic).

Each dimension is MOS(100 - its impairments); the overall MOS is MOS(100 - all impairments).
All scores therefore lie in 1..4.5, higher is better.

Impairments (R points), each with where its constants come from:

- noise (noi): ``1.5 * max(0, 43 - snr_db)``. 1.5 R per dB is the slope of G.107's basic
  signal-to-noise term Ro = 15 - 1.5 (SLR + No); with the default noise (No = -61.2 dBm0p) and
  a nominal talker the E-model is noise-free at about 43 dB SNR.
- bandwidth (col): ``27.8 * log2(7000 / bw) / log2(7000 / 3750)`` for bw < 7 kHz, else 0, with
  bw the analyzer's band limit (the speech bandwidth unless noise fills the bands above it).
  27.8 = (129 - 93.2) / 1.29: G.107.1 rates clean narrowband (300-3400 Hz) speech at R 93.2 on
  its 129-point wideband scale. 3750 Hz is what this analyzer measures for a 3.4 kHz
  telephone band (250 Hz bands), 7 kHz the wideband limit; log-frequency interpolation between
  them, extrapolated below.
- clipping (col): ``CLIP_SCALE * sqrt(100 * clipping_share)``; no ITU term exists. Calibrated
  once (``scripts/quality_calibration.py``) on 12 of the real demo recordings clipped at
  0.5-20 % of samples: the scale (0.25 grid, least squares) whose mean MOS drop matches
  Distill-MOS's, a predictor trained on human ratings. DNSMOS P.835 was not used: it hardly
  reacts to clipping (0.09 MOS at 20 % of samples clipped). Table in docs/quality.md.
- dropouts (dis): ``100 * P / (P + 4.3)`` with P the dropped share of active speech in percent
  (dropouts plus mutes): G.107's packet-loss term Ie,eff = Ie + (95 - Ie) P / (P + Bpl) with
  Ie = 0 and Bpl = 4.3, G.113's value for G.711 without packet-loss concealment (a dropout
  here is a cut to silence or noise: nothing conceals it), rescaled to the 0..100 range.
- level (loud): ``1.5 * max(0, -30 - L) + 1.5 * max(0, L + 14)`` with L the P.56 active speech
  level in dBov: speech within 4 dB under the nominal -26 dBov (ITU-T P.56 / P.800 practice)
  up to -14 dBov is not penalised; beyond, the same 1.5 R per dB as the noise term (in the
  E-model a quieter talker loses R at that rate against the listener's fixed noise).

The mapping is versioned (``MAPPING_VERSION``); any change to a constant is a new version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from jasco.quality.signal.features import SignalFeatures

MAPPING_VERSION = "signal-mapping-v1"

NOISE_SLOPE_R_PER_DB = 1.5
NOISE_FREE_SNR_DB = 43.0
NARROWBAND_IMPAIRMENT_R = (129.0 - 93.2) / 1.29
NARROWBAND_MEASURED_HZ = 3750.0
WIDEBAND_HZ = 7000.0
CLIP_SCALE = 6.0
BPL_NO_CONCEALMENT = 4.3
QUIET_LIMIT_DBOV = -30.0
LOUD_LIMIT_DBOV = -14.0
LEVEL_SLOPE_R_PER_DB = 1.5


def mos_from_r(r: float) -> float:
    """ITU-T G.107 R -> MOS (CQE), on the 0..100 R scale."""
    if r <= 0.0:
        return 1.0
    if r >= 100.0:
        return 4.5
    return max(1.0, 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r))


@dataclass(frozen=True)
class Impairments:
    noise: float
    bandwidth: float
    clipping: float
    dropouts: float
    level: float

    @property
    def total(self) -> float:
        return self.noise + self.bandwidth + self.clipping + self.dropouts + self.level


def noise_impairment(snr_db: float) -> float:
    return NOISE_SLOPE_R_PER_DB * max(0.0, NOISE_FREE_SNR_DB - snr_db)


def bandwidth_impairment(bandwidth_hz: float) -> float:
    if bandwidth_hz >= WIDEBAND_HZ:
        return 0.0
    octaves = math.log2(WIDEBAND_HZ / max(bandwidth_hz, 100.0))
    return NARROWBAND_IMPAIRMENT_R * octaves / math.log2(WIDEBAND_HZ / NARROWBAND_MEASURED_HZ)


def clipping_impairment(clipping_share: float, scale: float = CLIP_SCALE) -> float:
    return scale * math.sqrt(100.0 * max(0.0, clipping_share))


def dropout_impairment(lost_share: float) -> float:
    percent = 100.0 * max(0.0, lost_share)
    return 100.0 * percent / (percent + BPL_NO_CONCEALMENT)


def level_impairment(active_level_dbov: float) -> float:
    quiet = max(0.0, QUIET_LIMIT_DBOV - active_level_dbov)
    loud = max(0.0, active_level_dbov - LOUD_LIMIT_DBOV)
    return LEVEL_SLOPE_R_PER_DB * (quiet + loud)


def impairments(features: SignalFeatures, clip_scale: float = CLIP_SCALE) -> Impairments:
    return Impairments(
        noise=noise_impairment(features.snr_db),
        bandwidth=bandwidth_impairment(features.band_limit_hz),
        clipping=clipping_impairment(features.clipping_share, clip_scale),
        dropouts=dropout_impairment(features.dropout_share + features.mute_share),
        level=level_impairment(features.active_level_dbov),
    )


def dimensions(features: SignalFeatures, clip_scale: float = CLIP_SCALE) -> dict[str, float]:
    """mos, noi, col, dis, loud (1..4.5, higher is better) plus the total rating r (0..100)."""
    parts = impairments(features, clip_scale)
    r = max(0.0, min(100.0, 100.0 - parts.total))
    return {
        "mos": mos_from_r(r),
        "noi": mos_from_r(100.0 - parts.noise),
        "col": mos_from_r(100.0 - parts.bandwidth - parts.clipping),
        "dis": mos_from_r(100.0 - parts.dropouts),
        "loud": mos_from_r(100.0 - parts.level),
        "r": r,
    }
