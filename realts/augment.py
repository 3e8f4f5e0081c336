"""Appendix A.3 augmentations, vectorised over the rows that draw each one.

Each augmentation reads its decision and parameters from fixed slots of the row's
augmentation uniforms (slots 48..95 of the row), so whether and how series i is augmented is
a pure function of (seed, i, config), independent of the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import rng
from .config import BEHAVIOURS, AugmentConfig

AUGMENTATIONS: tuple[str, ...] = ("replication", "smoothing", "detrend", "level_shift", "spikes",
                                  "variance_change", "reversal", "negation")
MAX_SPIKES = 5
# Slot offsets within the augmentation block (part of the stream layout).
_REPL, _SMOOTH, _DETREND, _LEVEL, _SPIKE, _VAR, _REVERSE, _NEGATE = 0, 2, 4, 6, 10, 27, 31, 32


@dataclass
class AugmentRecord:
    """Which augmentations hit each row (bool [n, 8]) and their parameters (row -> dict)."""

    applied: np.ndarray
    params: list[dict[str, Any]] = field(default_factory=list)

    def names(self, row: int) -> list[str]:
        return [AUGMENTATIONS[j] for j in np.flatnonzero(self.applied[row])]


def moving_average(x: np.ndarray, half_width: np.ndarray) -> np.ndarray:
    """Centred moving average with per-row half width; windows shrink at the edges.
    Float64 cumulative sums keep long windows accurate for large-valued series."""
    n, length = x.shape
    csum = np.zeros((n, length + 1), np.float64)
    np.cumsum(x, axis=1, dtype=np.float64, out=csum[:, 1:])
    t = np.arange(length)[None, :]
    hi = np.minimum(t + half_width[:, None] + 1, length)
    lo = np.maximum(t - half_width[:, None], 0)
    total = np.take_along_axis(csum, hi, axis=1) - np.take_along_axis(csum, lo, axis=1)
    return (total / (hi - lo)).astype(np.float32)


def _row_std(x: np.ndarray) -> np.ndarray:
    std = x.astype(np.float64).std(axis=1)
    return np.where(std > 0, std, 1.0)


def augment(values: np.ndarray, u: np.ndarray, behaviour_codes: np.ndarray, indices: np.ndarray,
            seed: int, cfg: AugmentConfig) -> AugmentRecord:
    """Apply the augmentations in place; `u` is float32 [n, 48] (the row's slots 48..95)."""
    n, length = values.shape
    applied = np.zeros((n, len(AUGMENTATIONS)), bool)
    params: list[dict[str, Any]] = [{} for _ in range(n)]

    def hit(slot: int, p: float, column: int, eligible: np.ndarray | None = None) -> np.ndarray:
        mask = rng.bernoulli(u[:, slot], p)
        if eligible is not None:
            mask &= eligible
        applied[:, column] = mask
        return np.flatnonzero(mask)

    # Multiple period replication: the first ceil(L / m) steps tiled m times.
    periodic = np.isin(behaviour_codes, [BEHAVIOURS.index(b) for b in cfg.replication_behaviours])
    rows = hit(_REPL, cfg.replication_p, 0, periodic)
    if rows.size:
        copies = rng.integer(u[rows, _REPL + 1], *map(int, cfg.replication_copies))
        base = -(-length // copies)
        steps = np.arange(length)[None, :] % base[:, None]
        values[rows] = np.take_along_axis(values[rows], steps, axis=1)
        for r, c in zip(rows, copies):
            params[r]["replication"] = {"copies": int(c)}

    # Convolution smoothing: moving average of log-uniform width.
    rows = hit(_SMOOTH, cfg.smoothing_p, 1)
    if rows.size:
        width = np.rint(rng.log_uniform(u[rows, _SMOOTH + 1], *cfg.smoothing_window)).astype(np.int64)
        values[rows] = moving_average(values[rows], width // 2)
        for r, w in zip(rows, width):
            params[r]["smoothing"] = {"window": int(w // 2 * 2 + 1)}

    # Convolution detrending: subtract a wide moving average (removes the slow trend).
    rows = hit(_DETREND, cfg.detrend_p, 2)
    if rows.size:
        width = np.rint(rng.uniform(u[rows, _DETREND + 1], *cfg.detrend_window_fraction) * length).astype(np.int64)
        values[rows] -= moving_average(values[rows], width // 2)
        for r, w in zip(rows, width):
            params[r]["detrend"] = {"window": int(w // 2 * 2 + 1)}

    # Perturbation 1: a level shift of +-size * std from a random step on.
    rows = hit(_LEVEL, cfg.level_shift_p, 3)
    if rows.size:
        at = np.floor(rng.uniform(u[rows, _LEVEL + 1], 0.1, 0.9) * length).astype(np.int64)
        size = rng.uniform(u[rows, _LEVEL + 2], *cfg.level_shift_size) * _row_std(values[rows])
        size = np.where(u[rows, _LEVEL + 3] < 0.5, -size, size)
        after = np.arange(length)[None, :] >= at[:, None]
        values[rows] += np.where(after, size[:, None], 0.0).astype(np.float32)
        for r, a, s in zip(rows, at, size):
            params[r]["level_shift"] = {"at": int(a), "size": round(float(s), 6)}

    # Perturbation 2: isolated spikes of +-size * std.
    rows = hit(_SPIKE, cfg.spike_p, 4)
    if rows.size:
        count = rng.integer(u[rows, _SPIKE + 1], *map(int, cfg.spike_count))
        where = np.minimum(np.floor(u[rows, _SPIKE + 2:_SPIKE + 7].astype(np.float64) * length), length - 1).astype(np.int64)
        size = rng.uniform(u[rows, _SPIKE + 7:_SPIKE + 12], *cfg.spike_size) * _row_std(values[rows])[:, None]
        size = np.where(u[rows, _SPIKE + 12:_SPIKE + 17] < 0.5, -size, size)
        active = np.arange(MAX_SPIKES)[None, :] < count[:, None]
        np.add.at(values, (np.repeat(rows, MAX_SPIKES)[active.ravel()], where[active]),
                  size[active].astype(np.float32))
        for j, r in enumerate(rows):
            c = int(count[j])
            params[r]["spikes"] = {"at": where[j, :c].tolist(), "size": [round(float(s), 6) for s in size[j, :c]]}

    # Perturbation 3: a burst of extra Gaussian noise (variance change) over a segment.
    rows = hit(_VAR, cfg.variance_change_p, 5)
    if rows.size:
        span = np.maximum(np.rint(rng.uniform(u[rows, _VAR + 2], *cfg.variance_change_fraction) * length), 1).astype(np.int64)
        start = np.floor(u[rows, _VAR + 1].astype(np.float64) * (length - span + 1)).astype(np.int64)
        sigma = rng.uniform(u[rows, _VAR + 3], *cfg.variance_change_sigma) * _row_std(values[rows])
        t = np.arange(length)[None, :]
        inside = (t >= start[:, None]) & (t < (start + span)[:, None])
        noise = rng.aux_normals(seed, indices[rows], length)
        values[rows] += np.where(inside, noise * sigma.astype(np.float32)[:, None], np.float32(0.0))
        for r, s0, sp, sg in zip(rows, start, span, sigma):
            params[r]["variance_change"] = {"start": int(s0), "span": int(sp), "sigma": round(float(sg), 6)}

    rows = hit(_REVERSE, cfg.reversal_p, 6)
    if rows.size:
        values[rows] = values[rows, ::-1]
        for r in rows:
            params[r]["reversal"] = {}
    rows = hit(_NEGATE, cfg.negation_p, 7)
    if rows.size:
        values[rows] *= np.float32(-1.0)
        for r in rows:
            params[r]["negation"] = {}
    return AugmentRecord(applied, params)
