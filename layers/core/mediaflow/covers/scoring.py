"""Per-frame quality metrics of a small analysis frame, the reject rules, and the cover score.

Input is what ``frames`` decodes: a full-range (0-255) luma plane ``y`` of at most 320 px on its
longer side and the two chroma planes ``u``/``v`` at half that size (yuv420p). Because every frame
of every clip is measured at that same small size, the metrics below are already normalised by
resolution: a 4K and a 480p source give comparable numbers.

Metrics
  mean, std         luma level and spread (0-255)
  dark, bright      fraction of pixels below 32 / at or above 250
  entropy           Shannon entropy of the 256-bin luma histogram, bits (0-8)
  sharpness         variance of the 4-neighbour Laplacian of luma
  colourfulness     Hasler & Süsstrunk (2003) on RGB rebuilt from YUV: ~0 grey, 15 slightly,
                    33 moderately, 59 quite, 82 highly colourful
  hist              24-bin luma + 2x12-bin chroma histogram (sums to 3), for shot changes

Reject thresholds (absolute, per frame; see ``absolute_reject``). Measured on the test clip
(tests/support/cover_clips.py): its good shots have mean 99-163, std >= 38, entropy >= 3.7 (few-
colour synthetic pictures; camera footage has more), Laplacian variance >= 900; black and colour
cards measure std 0 and entropy 0; a boxblur of radius 20 measures ~3; a half-way fade ~350.
  BLACK_MEAN 20         mean luma below 20/255 is black or near-black (the end of a fade, night
                        noise); DARK_FRACTION: 85 % of pixels below 32 is "mostly dark" (a black
                        frame with a logo or subtitles).
  BLOWN_MEAN 235        a white flash or an overexposed frame; BLOWN_FRACTION: 60 % of pixels
                        clipped at >= 250 is mostly blown out.
  FLAT_STD 10 or        under 10 levels of spread or 2.5 bits of entropy is a uniform card, also
  FLAT_ENTROPY 2.5      also with a logo on it (a card with a 10 % two-tone logo: 0.5 bit).
  BLUR_FLOOR 12         blurred whatever the clip: 4x above a heavy blur, 75x below the softest
                        good shot. The clip-relative blur rule is in ``judge``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mediaflow.covers.phash import phash, resize_area

BLACK_MEAN = 20.0
DARK_FRACTION = 0.85
BLOWN_MEAN = 235.0
BLOWN_FRACTION = 0.6
FLAT_STD = 10.0
FLAT_ENTROPY = 2.5
BLUR_FLOOR = 12.0
THUMB_WIDTH = 32

# Composite score weights (sum 1). Sharpness weighs most: a soft cover looks broken at any size;
# exposure and contrast next; colourfulness only breaks ties between otherwise good frames.
WEIGHTS = {"sharpness": 0.35, "exposure": 0.25, "contrast": 0.25, "colourfulness": 0.15}

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not instances
class Metrics:
    mean: float
    std: float
    u_mean: float  # chroma means (128 = grey), linear under blending like ``mean``
    v_mean: float
    dark: float
    bright: float
    entropy: float
    sharpness: float
    colourfulness: float
    phash: int
    hist: F32
    thumb: F32  # luma at THUMB_WIDTH px wide, for the transition tests


def luma_stats(y: U8) -> tuple[float, float, float, float, float]:
    """mean, std, dark fraction, bright fraction, entropy (bits) of an 8-bit luma plane."""
    counts = np.bincount(y.ravel(), minlength=256).astype(np.float64)
    p = counts / counts.sum()
    levels = np.arange(256, dtype=np.float64)
    mean = float(p @ levels)
    std = math.sqrt(max(0.0, float(p @ (levels - mean) ** 2)))
    nz = p[p > 0]
    entropy = float(-(nz * np.log2(nz)).sum())
    return mean, std, float(p[:32].sum()), float(p[250:].sum()), entropy


def laplacian_variance(y: U8 | F32) -> float:
    """Variance of the 4-neighbour Laplacian: high for crisp edges and texture, ~0 when blurred."""
    f = y.astype(np.int16) if y.dtype == np.uint8 else y.astype(np.float32)  # exact, and half the work
    lap = f[1:-1, :-2] + f[1:-1, 2:] + f[:-2, 1:-1] + f[2:, 1:-1] - 4 * f[1:-1, 1:-1]
    return float(lap.var(dtype=np.float64))


def yuv_to_rgb(y: U8, u: U8, v: U8) -> tuple[F32, F32, F32]:
    """Full-range BT.601 YUV -> RGB at chroma resolution (luma averaged over 2x2 blocks)."""
    h, w = u.shape
    yf = y[: 2 * h, : 2 * w].astype(np.float32).reshape(h, 2, w, 2).mean(axis=(1, 3))
    cb = u.astype(np.float32) - 128.0
    cr = v.astype(np.float32) - 128.0
    return yf + 1.402 * cr, yf - 0.344136 * cb - 0.714136 * cr, yf + 1.772 * cb


def chroma_colourfulness(u: U8, v: U8) -> float:
    """``colourfulness`` of the picture straight from its chroma planes: with the BT.601 matrix of
    ``yuv_to_rgb``, rg = r - g and yb = (r + g) / 2 - b do not depend on luma at all."""
    cb = u.astype(np.float32) - 128.0
    cr = v.astype(np.float32) - 128.0
    rg = 0.344136 * cb + 2.116136 * cr
    yb = 0.343932 * cr - 1.944068 * cb
    sigma = math.hypot(float(rg.std()), float(yb.std()))
    mu = math.hypot(float(rg.mean()), float(yb.mean()))
    return sigma + 0.3 * mu


def colourfulness(r: F32, g: F32, b: F32) -> float:
    """Hasler & Süsstrunk's M = sigma_rgyb + 0.3 * mu_rgyb (0 for grey; ~100 for vivid colour)."""
    rg = r - g
    yb = 0.5 * (r + g) - b
    sigma = math.hypot(float(rg.std()), float(yb.std()))
    mu = math.hypot(float(rg.mean()), float(yb.mean()))
    return sigma + 0.3 * mu


def histogram(y: U8, u: U8, v: U8) -> F32:
    parts = [
        np.bincount(plane.ravel() // (256 // bins), minlength=bins)[:bins] / plane.size
        for plane, bins in ((y, 24), (u, 12), (v, 12))
    ]
    # 24 bins of luma do not divide 256 evenly; values 252-255 land in bin 24 and are cut: fold them.
    parts[0][-1] += float(np.count_nonzero(y >= 24 * (256 // 24))) / y.size
    return np.concatenate(parts).astype(np.float32)


def measure(y: U8, u: U8, v: U8) -> Metrics:
    mean, std, dark, bright, entropy = luma_stats(y)
    return Metrics(
        mean=mean,
        std=std,
        u_mean=float(u.mean()),
        v_mean=float(v.mean()),
        dark=dark,
        bright=bright,
        entropy=entropy,
        sharpness=laplacian_variance(y),
        colourfulness=chroma_colourfulness(u, v),
        phash=phash(y),
        hist=histogram(y, u, v),
        thumb=resize_area(y, max(4, round(THUMB_WIDTH * y.shape[0] / y.shape[1])), THUMB_WIDTH),
    )


def hist_distance(a: F32, b: F32) -> float:
    """Half the L1 distance of two ``histogram`` vectors, averaged over the 3 planes: 0 same, 1 disjoint."""
    return float(np.abs(a - b).sum()) / 6.0


def absolute_reject(m: Metrics) -> str | None:
    """Why this frame can never be a good cover on its own, or None."""
    if m.mean < BLACK_MEAN or m.dark >= DARK_FRACTION:
        return "black"
    if m.mean > BLOWN_MEAN or m.bright >= BLOWN_FRACTION:
        return "blown-out"
    if m.std < FLAT_STD or m.entropy < FLAT_ENTROPY:
        return "flat"
    if m.sharpness < BLUR_FLOOR:
        return "blurred"
    return None


def exposure_score(m: Metrics) -> float:
    """1 for a mean luma in 70-170, falling linearly to 0 at the black/blown limits, less clipping."""
    if m.mean < 70:
        level = (m.mean - BLACK_MEAN) / (70 - BLACK_MEAN)
    elif m.mean > 170:
        level = (BLOWN_MEAN - m.mean) / (BLOWN_MEAN - 170)
    else:
        level = 1.0
    clipped = min(1.0, m.dark + m.bright)
    return max(0.0, min(1.0, level)) * (1.0 - 0.5 * clipped)


def contrast_score(m: Metrics) -> float:
    return 0.5 * min(1.0, m.entropy / 7.0) + 0.5 * min(1.0, m.std / 60.0)


def score(m: Metrics, sharpness_ref: float) -> dict[str, float]:
    """Score breakdown in 0-1; ``sharpness_ref`` is the clip's typical sharp frame (see picker)."""
    parts = {
        "sharpness": min(1.0, math.sqrt(m.sharpness / sharpness_ref)) if sharpness_ref > 0 else 0.0,
        "exposure": exposure_score(m),
        "contrast": contrast_score(m),
        "colourfulness": min(1.0, m.colourfulness / 80.0),
    }
    parts["total"] = sum(WEIGHTS[k] * v for k, v in parts.items())
    return {k: round(v, 4) for k, v in parts.items()}
