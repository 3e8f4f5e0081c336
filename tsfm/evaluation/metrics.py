"""Forecast metrics on numpy arrays. NaN targets are ignored (masked)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

# Rescale factors of ViTime's ReMSE/ReMAE (leakage-resistant zero-shot evaluation).
REMSE_BETAS: tuple[float, ...] = (0.5, 0.66, 1.0, 1.5, 2.0)


def _valid(target: np.ndarray, prediction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    target = np.asarray(target, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    if target.shape != prediction.shape:
        raise ValueError(f"shape mismatch: target {target.shape} vs prediction {prediction.shape}")
    mask = ~np.isnan(target)
    return target[mask], prediction[mask]


def mse(target: np.ndarray, prediction: np.ndarray) -> float:
    t, p = _valid(target, prediction)
    return float(np.mean((t - p) ** 2))


def mae(target: np.ndarray, prediction: np.ndarray) -> float:
    t, p = _valid(target, prediction)
    return float(np.mean(np.abs(t - p)))


def smape(target: np.ndarray, prediction: np.ndarray) -> float:
    """Symmetric MAPE in percent, M4 definition: 200 * |y - ŷ| / (|y| + |ŷ|); 0/0 -> 0."""
    t, p = _valid(target, prediction)
    denom = np.abs(t) + np.abs(p)
    ratio = np.divide(2.0 * np.abs(t - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(ratio))


def mase_scale(insample: np.ndarray, season: int = 1) -> float:
    """Mean absolute seasonal difference of the in-sample series (MASE denominator)."""
    x = np.asarray(insample, dtype=np.float64)
    x = x[~np.isnan(x)]
    if len(x) <= season:
        raise ValueError(f"MASE needs more than {season} in-sample points, got {len(x)}")
    return float(np.mean(np.abs(x[season:] - x[:-season])))


def mase(target: np.ndarray, prediction: np.ndarray, insample: np.ndarray, season: int = 1) -> float:
    scale = mase_scale(insample, season)
    t, p = _valid(target, prediction)
    if scale == 0:
        # M4 convention: a flat in-sample series makes MASE undefined; report inf honestly.
        return float("inf") if np.any(t != p) else 0.0
    return float(np.mean(np.abs(t - p)) / scale)


def owa(smape_model: float, mase_model: float, smape_naive2: float, mase_naive2: float) -> float:
    """Overall Weighted Average relative to Naive2 (M4)."""
    return 0.5 * (smape_model / smape_naive2 + mase_model / mase_naive2)


def crps_from_quantiles(target: np.ndarray, quantiles: np.ndarray, levels: Sequence[float]) -> float:
    """CRPS approximated by the average pinball loss over the quantile levels (x2),
    the standard quantile-based estimate (as in GluonTS's weighted quantile loss)."""
    target = np.asarray(target, dtype=np.float64)
    quantiles = np.asarray(quantiles, dtype=np.float64)
    levels = np.asarray(levels, dtype=np.float64)
    if quantiles.shape[:-1] != target.shape or quantiles.shape[-1] != len(levels):
        raise ValueError(f"quantiles {quantiles.shape} do not match target {target.shape} x {len(levels)} levels")
    mask = ~np.isnan(target)
    diff = target[..., None] - quantiles
    pinball = np.maximum(levels * diff, (levels - 1.0) * diff)
    return float(2.0 * pinball[mask].mean())


def interval_coverage(target: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    target = np.asarray(target, dtype=np.float64)
    mask = ~np.isnan(target)
    inside = (target >= lower) & (target <= upper)
    return float(inside[mask].mean())


def resample_series(values: np.ndarray, beta: float) -> np.ndarray:
    """Linear resampling of a [T, C] series to round(T * beta) steps (np.interp), the
    ReMSE/ReMAE protocol's rescaling."""
    values = np.asarray(values, dtype=np.float64)
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    length = values.shape[0]
    new_length = max(int(round(length * beta)), 2)
    old_grid = np.arange(length, dtype=np.float64)
    new_grid = np.linspace(0.0, length - 1.0, new_length)
    columns = [np.interp(new_grid, old_grid, values[:, c]) for c in range(values.shape[1])]
    return np.stack(columns, axis=1).astype(np.float32)
