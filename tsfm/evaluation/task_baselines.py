"""Non-learned floors for imputation, classification and anomaly detection tables.

Every learned model should beat these; a table without them cannot say whether a
model learned anything. All work on numpy arrays and raise ValueError on bad input."""

from __future__ import annotations

from typing import Literal

import numpy as np

# Guard for a zero standard deviation in the moving z-score (a constant past window).
ZSCORE_EPS: float = 1e-8


# ---------------------------------------------------------------------------
# Imputation
# ---------------------------------------------------------------------------


def linear_interpolation_impute(values: np.ndarray, hidden_mask: np.ndarray) -> np.ndarray:
    """Fill hidden entries of [B, L, C] `values` by linear interpolation along L between
    the nearest visible points of the same sample and channel (what `np.interp` does),
    holding the nearest visible value beyond the first/last visible point.

    A visible entry that is NaN counts as missing too. A sample/channel with no visible
    point at all is filled with 0.0: on normalised (zero-mean) data that is the mean.
    Visible entries are returned unchanged. Returns [B, L, C] in the input's float dtype
    (float64 for non-float input)."""
    values = np.asarray(values)
    hidden_mask = np.asarray(hidden_mask)
    if values.ndim != 3:
        raise ValueError(f"values must be [B, L, C], got shape {values.shape}")
    if hidden_mask.shape != values.shape:
        raise ValueError(f"shape mismatch: values {values.shape} vs hidden_mask {hidden_mask.shape}")
    if hidden_mask.dtype != np.bool_:
        raise ValueError(f"hidden_mask must be boolean (True = hidden), got dtype {hidden_mask.dtype}")
    out_dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    x = values.astype(np.float64)
    length = x.shape[1]
    visible = ~hidden_mask & ~np.isnan(x)
    # Index of the previous / next visible point at every position (-1 / L when none),
    # via running max / min over the time axis: the vectorised form of np.interp's search.
    index = np.broadcast_to(np.arange(length)[None, :, None], x.shape)
    prev = np.maximum.accumulate(np.where(visible, index, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(visible, index, length)[:, ::-1], axis=1)[:, ::-1]
    has_prev, has_next = prev >= 0, nxt < length
    x0 = np.where(visible, x, 0.0)
    v_prev = np.take_along_axis(x0, np.clip(prev, 0, length - 1), axis=1)
    v_next = np.take_along_axis(x0, np.clip(nxt, 0, length - 1), axis=1)
    gap = (nxt - prev).astype(np.float64)
    between = has_prev & has_next & ~visible
    weight = np.divide(index - prev, gap, out=np.zeros_like(gap), where=between)
    filled = np.where(
        between,
        v_prev + weight * (v_next - v_prev),
        np.where(has_prev, v_prev, np.where(has_next, v_next, 0.0)),
    )
    return np.where(visible, x, filled).astype(out_dtype)


# ---------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------

_SCALAR_FEATURES = ("mean", "std", "min", "max", "first", "last", "slope")


def series_features(values: np.ndarray, resample_length: int = 16) -> np.ndarray:
    """Per-channel features of NaN-padded variable-length series.

    values: [N, L, C]; NaN marks padding (or a missing point). For each sample and
    channel, over its observed (non-NaN) points: mean, std, min, max, first, last,
    least-squares slope per step, and the series linearly resampled to
    `resample_length` points spanning first..last observed step (gaps interpolated).
    A channel with no observed point gets all-zero features. Returns
    [N, (7 + resample_length) * C] float64."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3:
        raise ValueError(f"values must be [N, L, C] (NaN-padded), got shape {values.shape}")
    n, length, channels = values.shape
    if n == 0 or length == 0 or channels == 0:
        raise ValueError(f"values must be non-empty, got shape {values.shape}")
    if np.isinf(values).any():
        raise ValueError("values contain inf; only NaN is accepted as padding")
    if resample_length < 2:
        raise ValueError(f"resample_length must be >= 2, got {resample_length}")
    valid = ~np.isnan(values)
    empty = ~valid.any(axis=(1, 2))
    if empty.any():
        raise ValueError(f"samples {np.flatnonzero(empty)[:10].tolist()} have no observed value")

    count = valid.sum(axis=1)  # [N, C]
    denom = np.maximum(count, 1)
    x0 = np.where(valid, values, 0.0)
    mean = x0.sum(axis=1) / denom
    centred = np.where(valid, values - mean[:, None, :], 0.0)
    std = np.sqrt((centred**2).sum(axis=1) / denom)
    vmin = np.where(valid, values, np.inf).min(axis=1)
    vmax = np.where(valid, values, -np.inf).max(axis=1)
    first_idx = valid.argmax(axis=1)  # [N, C]; 0 for an empty channel
    last_idx = length - 1 - valid[:, ::-1].argmax(axis=1)
    first = np.take_along_axis(x0, first_idx[:, None, :], axis=1)[:, 0]
    last = np.take_along_axis(x0, last_idx[:, None, :], axis=1)[:, 0]
    # Least-squares slope against the step index, over observed points only.
    t = np.arange(length, dtype=np.float64)[None, :, None]
    t_mean = np.where(valid, t, 0.0).sum(axis=1) / denom
    t_centred = np.where(valid, t - t_mean[:, None, :], 0.0)
    sxx = (t_centred**2).sum(axis=1)
    sxy = (t_centred * centred).sum(axis=1)
    slope = np.divide(sxy, sxx, out=np.zeros_like(sxx), where=sxx > 0)

    # Resample over the observed span so series of different lengths become comparable.
    filled = linear_interpolation_impute(values, ~valid)
    grid = np.linspace(0.0, 1.0, resample_length)[None, :, None]
    pos = first_idx[:, None, :] + (last_idx - first_idx)[:, None, :] * grid  # [N, R, C]
    lo = np.clip(np.floor(pos).astype(np.int64), 0, length - 1)
    hi = np.minimum(lo + 1, length - 1)
    frac = pos - lo
    resampled = np.take_along_axis(filled, lo, axis=1) * (1.0 - frac) + np.take_along_axis(
        filled, hi, axis=1
    ) * frac

    scalars = np.stack([mean, std, vmin, vmax, first, last, slope], axis=1)  # [N, 7, C]
    features = np.concatenate([scalars, resampled], axis=1)  # [N, 7 + R, C]
    features[np.broadcast_to((count == 0)[:, None, :], features.shape)] = 0.0
    return features.reshape(n, -1)


class FeatureClassifier:
    """Classifier on `series_features` of [N, L, C] NaN-padded series.

    method="ridge": one-vs-rest ridge regression on one-hot targets, closed form
    (primal or dual, whichever system is smaller), predict = argmax of the scores.
    method="1nn": nearest training sample, Euclidean on standardised features (ties go
    to the lowest training index). Features are standardised with training statistics.

    Labels: with `num_classes` given, integer class indices in range(num_classes), each
    of which must have at least one training sample; without it, any labels, the classes
    being those seen in training."""

    def __init__(
        self,
        method: Literal["ridge", "1nn"] = "ridge",
        ridge_lambda: float = 1.0,
        resample_length: int = 16,
        num_classes: int | None = None,
    ) -> None:
        if method not in ("ridge", "1nn"):
            raise ValueError(f"method must be 'ridge' or '1nn', got {method!r}")
        if not ridge_lambda > 0:
            raise ValueError(f"ridge_lambda must be > 0, got {ridge_lambda!r}")
        if num_classes is not None and num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.method = method
        self.ridge_lambda = float(ridge_lambda)
        self.resample_length = int(resample_length)
        self.num_classes = num_classes
        self.classes_: np.ndarray | None = None

    def _standardised(self, values: np.ndarray) -> np.ndarray:
        features = series_features(values, self.resample_length)
        return (features - self._mu) / self._sigma

    def fit(self, values: np.ndarray, labels: np.ndarray) -> "FeatureClassifier":
        """values: [N, L, C] NaN-padded; labels: [N]."""
        values = np.asarray(values, dtype=np.float64)
        labels = np.asarray(labels)
        if values.ndim != 3:
            raise ValueError(f"values must be [N, L, C] (NaN-padded), got shape {values.shape}")
        if labels.ndim != 1 or len(labels) != len(values):
            raise ValueError(f"labels must be [N] with N = {len(values)} samples, got shape {labels.shape}")
        if self.num_classes is not None:
            if not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
            out_of_range = labels[(labels < 0) | (labels >= self.num_classes)]
            if out_of_range.size:
                raise ValueError(
                    f"labels {np.unique(out_of_range)[:10].tolist()} outside range({self.num_classes})"
                )
            counts = np.bincount(labels, minlength=self.num_classes)
            missing = np.flatnonzero(counts == 0)
            if missing.size:
                raise ValueError(f"classes {missing.tolist()} have no training sample")
            self.classes_ = np.arange(self.num_classes)
            targets = labels
        else:
            self.classes_, targets = np.unique(labels, return_inverse=True)

        features = series_features(values, self.resample_length)
        self._channels = values.shape[2]
        self._mu = features.mean(axis=0)
        sigma = features.std(axis=0)
        # A constant feature carries no information; dividing by 1 keeps it at 0.
        self._sigma = np.where(sigma > 0, sigma, 1.0)
        x = (features - self._mu) / self._sigma

        if self.method == "ridge":
            onehot = np.eye(len(self.classes_))[targets]
            # Standardised columns are centred, so the intercept is the target mean.
            self._intercept = onehot.mean(axis=0)
            yc = onehot - self._intercept
            n, f = x.shape
            if f <= n:
                self._weights = np.linalg.solve(x.T @ x + self.ridge_lambda * np.eye(f), x.T @ yc)
            else:
                self._weights = x.T @ np.linalg.solve(x @ x.T + self.ridge_lambda * np.eye(n), yc)
        else:
            self._train_x = x
            self._train_targets = targets
        return self

    def decision_function(self, values: np.ndarray) -> np.ndarray:
        """Ridge class scores [N, K] (method="ridge" only)."""
        if self.method != "ridge":
            raise ValueError("decision_function is only defined for method='ridge'")
        return self._standardised(self._checked(values)) @ self._weights + self._intercept

    def _checked(self, values: np.ndarray) -> np.ndarray:
        if self.classes_ is None:
            raise ValueError("FeatureClassifier is not fitted: call fit() first")
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 3 or values.shape[2] != self._channels:
            raise ValueError(f"values must be [N, L, {self._channels}], got shape {values.shape}")
        return values

    def predict(self, values: np.ndarray, chunk_size: int = 1024) -> np.ndarray:
        """values: [N, L', C] NaN-padded (L' may differ from training). Returns [N] labels."""
        values = self._checked(values)
        if self.method == "ridge":
            return self.classes_[np.argmax(self.decision_function(values), axis=1)]
        x = self._standardised(values)
        train_sq = (self._train_x**2).sum(axis=1)
        nearest = np.empty(len(x), dtype=np.int64)
        # Chunked so the [chunk, N_train] distance matrix stays small on big UEA sets.
        for start in range(0, len(x), chunk_size):
            block = x[start : start + chunk_size]
            # |a - b|^2 up to the |a|^2 term, constant per test row.
            dist = train_sq[None, :] - 2.0 * block @ self._train_x.T
            nearest[start : start + chunk_size] = np.argmin(dist, axis=1)
        return self.classes_[self._train_targets[nearest]]


# ---------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------


def moving_zscore_scores(values: np.ndarray, window: int) -> np.ndarray:
    """Causal anomaly score per step: max over channels of
    |x_t - mean(x_{t-w..t-1})| / std(x_{t-w..t-1}) (population std), past points only.

    values: [T, C] (or [T], one channel); window w >= 2. Steps t < w use the expanding
    past x_0..x_{t-1}. Steps 0 and 1 score 0: with under two past points the std is 0
    by construction, not because the data is flat. A zero std later (a constant past
    window) is floored at ZSCORE_EPS, so a change after a flat stretch scores very high.
    Computed from cumulative sums (O(T C)); values are shifted by x_0 first to limit
    cancellation, which keeps the computation causal. Returns [T] float64."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"values must be [T, C] or [T], got shape {np.shape(values)}")
    steps = x.shape[0]
    if steps < 2:
        raise ValueError(f"moving z-score needs at least 2 steps, got {steps}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
        raise ValueError(f"window must be an integer >= 2, got {window!r}")
    if not np.isfinite(x).all():
        raise ValueError("values contain NaN or inf")
    x = x - x[0]
    zeros = np.zeros((1, x.shape[1]))
    cs = np.concatenate([zeros, np.cumsum(x, axis=0)])  # cs[t] = sum of x_0..x_{t-1}
    cs2 = np.concatenate([zeros, np.cumsum(x**2, axis=0)])
    t = np.arange(steps)
    start = np.maximum(t - window, 0)
    n = np.maximum(t - start, 1).astype(np.float64)[:, None]
    mean = (cs[t] - cs[start]) / n
    var = np.maximum((cs2[t] - cs2[start]) / n - mean**2, 0.0)  # clip rounding below 0
    z = np.abs(x - mean) / np.maximum(np.sqrt(var), ZSCORE_EPS)
    scores = z.max(axis=1)
    scores[:2] = 0.0
    return scores
