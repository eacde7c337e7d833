"""64-bit perceptual hashes of a luma plane, and their Hamming distance.

- ``phash`` (DCT hash, as in pHash/imagehash): the frame is reduced to 32x32 by area averaging,
  transformed with a 2-D DCT-II, and each of the 8x8 lowest-frequency coefficients (the DC term
  excluded from the median) becomes one bit: above the median or not. It ignores brightness,
  contrast, small shifts, scaling and compression noise, which is what "the same picture" means
  for covers. DeleteDuplicates uses it.
- ``dhash`` (difference hash): 9x8 area averages, one bit per horizontal neighbour pair
  (left brighter than right). Cheaper and good at exact re-encodes; kept for comparison/tests.

Both hash a flat frame to all zeros rather than to noise: ``phash`` because every AC coefficient
of a flat frame is ~0 and we count a bit only when it exceeds the median by ``_EPS``; ``dhash``
because a bit needs a difference above ``_EPS`` levels. So two colour cards are duplicates of each
other, as a viewer would say.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

_EPS = 1.0  # in 8-bit luma levels (phash: in coefficient units of a 0-255 image)

Plane = npt.NDArray[np.generic]


def _pool_matrix(n_in: int, n_out: int) -> npt.NDArray[np.float32]:
    """(n_out, n_in) matrix averaging n_in samples into n_out cells (area/box resampling)."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    positions = np.arange(n_in + 1, dtype=np.float64)
    cover = np.clip(
        np.minimum(positions[None, 1:], edges[1:, None]) - np.maximum(positions[None, :-1], edges[:-1, None]),
        0.0,
        None,
    )
    return (cover / cover.sum(axis=1, keepdims=True)).astype(np.float32)


@cache
def _pools(h: int, w: int, out_h: int, out_w: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    return _pool_matrix(h, out_h), _pool_matrix(w, out_w).T.copy()


def resize_area(plane: Plane, out_h: int, out_w: int) -> npt.NDArray[np.float32]:
    """Area-average ``plane`` (H, W) down to (out_h, out_w) with two small matrix products.

    ``einsum`` rather than ``@``: a product this size makes OpenBLAS wake its thread pool, whose
    threads then spin for a while after every call; measured, that tripled the picker's CPU time.
    """
    rows, cols = _pools(plane.shape[0], plane.shape[1], out_h, out_w)
    pooled = np.einsum("ij,jk->ik", rows, plane.astype(np.float32))
    return np.einsum("ij,jk->ik", pooled, cols)


@cache
def _dct_matrix(n: int = 32) -> npt.NDArray[np.float32]:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    basis = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    basis[0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


def _pack(bits: npt.NDArray[np.bool_]) -> int:
    return int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")


def phash(luma: Plane) -> int:
    """DCT perceptual hash of a luma plane (any size >= 8x8), as a 64-bit int."""
    small = resize_area(luma, 32, 32)
    dct = _dct_matrix(32)
    coeffs = (dct @ small @ dct.T)[:8, :8].ravel()
    median = float(np.median(coeffs[1:]))
    bits = coeffs > median + _EPS
    bits[0] = False  # the DC term only says how bright the frame is
    return _pack(bits)


def dhash(luma: Plane) -> int:
    """Difference hash: 8 rows x 8 horizontal comparisons of a 9x8 area-averaged thumbnail."""
    small = resize_area(luma, 8, 9)
    return _pack(small[:, :-1] > small[:, 1:] + _EPS)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
