"""Metrics for imputation, classification and anomaly detection on numpy arrays.

Conventions shared with `metrics.py`: NaN targets are ignored (masked); a shape
mismatch is a ValueError. Masks are boolean with True = hidden from the model
(TimesNet's float masks use the opposite, 1 = kept, so a non-boolean mask is
refused rather than guessed)."""

from __future__ import annotations

from typing import Sequence

import numpy as np


# ---------------------------------------------------------------------------
# Imputation
# ---------------------------------------------------------------------------


def _masked_valid(
    target: np.ndarray, prediction: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    target = np.asarray(target, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    mask = np.asarray(mask)
    if target.shape != prediction.shape or target.shape != mask.shape:
        raise ValueError(
            f"shape mismatch: target {target.shape}, prediction {prediction.shape}, mask {mask.shape}"
        )
    if mask.dtype != np.bool_:
        raise ValueError(f"mask must be boolean (True = hidden entry), got dtype {mask.dtype}")
    if not mask.any():
        raise ValueError("empty mask: no hidden entry to score")
    # A hidden entry whose ground truth is itself missing cannot be scored.
    keep = mask & ~np.isnan(target)
    if not keep.any():
        raise ValueError("every hidden entry has a NaN target: nothing to score")
    return target[keep], prediction[keep]


def masked_mse(target: np.ndarray, prediction: np.ndarray, mask: np.ndarray) -> float:
    """MSE over the hidden entries only (mask True). All three arrays share one shape,
    e.g. [B, L, C]; NaN targets are skipped."""
    t, p = _masked_valid(target, prediction, mask)
    return float(np.mean((t - p) ** 2))


def masked_mae(target: np.ndarray, prediction: np.ndarray, mask: np.ndarray) -> float:
    """MAE over the hidden entries only (mask True); see `masked_mse`."""
    t, p = _masked_valid(target, prediction, mask)
    return float(np.mean(np.abs(t - p)))


def mask_ratio_mask(shape: Sequence[int], ratio: float, seed: int | np.random.Generator) -> np.ndarray:
    """Random point mask of `shape` (e.g. [B, L, C]), True = hidden, each entry hidden
    independently with probability `ratio` (TimesNet: 0.125/0.25/0.375/0.5), drawn
    from `np.random.default_rng(seed)` (or from `seed` itself when it is a Generator, e.g.
    a counter-based one keyed by window index). The realised fraction is only approximately
    `ratio` (Bernoulli per entry, as in TimesNet's `torch.rand(...) <= mask_rate`)."""
    ratio_f = float(ratio)
    # `not (0 < r < 1)` also rejects NaN.
    if not 0.0 < ratio_f < 1.0:
        raise ValueError(f"mask ratio must lie in (0, 1), got {ratio!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return rng.random(tuple(int(s) for s in shape)) < ratio_f


# ---------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Fraction of equal entries; labels and predicted share one shape, e.g. [N]."""
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    if labels.shape != predicted.shape:
        raise ValueError(f"shape mismatch: labels {labels.shape} vs predicted {predicted.shape}")
    if labels.size == 0:
        raise ValueError("accuracy of an empty label array is undefined")
    return float(np.mean(labels == predicted))


# ---------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------


def _binary_pair(labels: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    if labels.shape != predicted.shape:
        raise ValueError(f"shape mismatch: labels {labels.shape} vs predicted {predicted.shape}")
    if labels.size == 0:
        raise ValueError("empty label array")
    for name, array in (("labels", labels), ("predicted", predicted)):
        if array.dtype != np.bool_ and not np.isin(array, (0, 1)).all():
            bad = np.unique(array[~np.isin(array, (0, 1))])[:5]
            raise ValueError(f"{name} must be binary 0/1, found values {bad.tolist()}")
    return labels.astype(bool), predicted.astype(bool)


def precision_recall_f1(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of the positive class (1 = anomaly) for 0/1 point labels
    of any shape. A 0/0 ratio (no predicted positive, no true positive, or P = R = 0)
    is defined as 0.0, as sklearn's `zero_division=0`."""
    y, p = _binary_pair(labels, predicted)
    tp = float(np.sum(y & p))
    fp = float(np.sum(~y & p))
    fn = float(np.sum(y & ~p))
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2.0 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def point_adjust(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Point adjustment (Anomaly-Transformer / TimesNet protocol): when any point of a
    contiguous true-anomaly segment is predicted anomalous, the whole segment counts as
    detected. Predictions outside true segments (false positives) are kept as they are.

    labels, predicted: [T] binary 0/1. Returns [T] int64 0/1."""
    y, p = _binary_pair(labels, predicted)
    if y.ndim != 1:
        raise ValueError(f"point adjustment needs 1-D [T] labels, got shape {y.shape}")
    # Segment ids: 1, 2, ... for each run of ones in `y`, 0 outside any segment.
    starts = y & ~np.concatenate(([False], y[:-1]))
    segment = np.cumsum(starts) * y
    hits = np.bincount(segment, weights=(y & p).astype(np.float64), minlength=int(segment.max()) + 1)
    detected = hits > 0
    detected[0] = False  # id 0 is "no segment", never adjusted
    return (p | detected[segment]).astype(np.int64)


def anomaly_scores_report(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 both raw and point-adjusted (suffix `_pa`).

    Point adjustment inflates scores (one hit in a long segment credits the whole
    segment), so both are always returned together. labels, predicted: [T] 0/1."""
    y, p = _binary_pair(labels, predicted)
    adjusted = point_adjust(y, p)
    raw = precision_recall_f1(y, p)
    pa = precision_recall_f1(y, adjusted)
    report = {"accuracy": float(np.mean(y == p)), **raw}
    report["accuracy_pa"] = float(np.mean(y == adjusted.astype(bool)))
    report.update({f"{key}_pa": value for key, value in pa.items()})
    return report


def threshold_from_ratio(train_scores: np.ndarray, anomaly_ratio: float) -> float:
    """Anomaly threshold = the (100 - anomaly_ratio) percentile (numpy's default linear
    interpolation) of scores computed on the TRAINING data only; points whose score
    exceeds it are flagged (the protocol's `score > threshold`).

    The official Peri-midFormer code takes the percentile of train and test scores
    pooled, which lets the test set move its own threshold; this function only accepts
    training scores. anomaly_ratio is in percent and must lie in (0, 100)."""
    ratio = float(anomaly_ratio)
    if not 0.0 < ratio < 100.0:
        raise ValueError(f"anomaly_ratio is a percentage in (0, 100), got {anomaly_ratio!r}")
    scores = np.asarray(train_scores, dtype=np.float64).ravel()
    if scores.size == 0:
        raise ValueError("no training scores given")
    if np.isnan(scores).any():
        raise ValueError(f"{int(np.isnan(scores).sum())} of {scores.size} training scores are NaN")
    if np.isinf(scores).any():
        # Linear interpolation next to an infinite score gives NaN or inf thresholds.
        raise ValueError(f"{int(np.isinf(scores).sum())} of {scores.size} training scores are infinite")
    return float(np.percentile(scores, 100.0 - ratio))
