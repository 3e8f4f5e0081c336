"""Static global filter masks, computed once from the training split (before training).

The training split [T, N] is Fourier transformed; its spectrum is folded onto the
frequency grid of the model's zero-padded window (2L points, so bin f sits at f / 2L
cycles per step), the top-K bins of each variable are chosen, and a band of
half-width `bandwidth` around each becomes a pass band. Two folds are offered:

  "contiguous" (the paper, eq. before "Generation of Static Global Filters"): bin f
      sums the magnitudes of the kappa = T // 2L adjacent training frequencies
      [kappa f, kappa (f+1)), so bin f really is frequency f / 2L.
  "modulo" (the official code): the spectrum is reshaped to (kappa, bins) and the
      maximum is taken over the first axis, so bin j collects frequencies
      j, j + bins, j + 2 bins, ... (on ETTh1 the daily component lands in bin 72, the
      12-hour one in bin 48, not in bins 8 and 16).

The masks of all variables are summed (overlapping bands reach 3) and zero-padded or
truncated to the hidden size D.
"""

from __future__ import annotations

import numpy as np

from tsfm.errors import ConfigError, InputValidationError

MASK_FOLDS = ("contiguous", "modulo")


def folded_spectrum(train_values: np.ndarray, context_length: int, fold: str) -> np.ndarray:
    """Training-split magnitudes folded onto the window's frequency grid: [bins, N]."""
    if fold not in MASK_FOLDS:
        raise ConfigError(f"unknown static_mask {fold!r}; choose one of {MASK_FOLDS}")
    values = np.asarray(train_values, dtype=np.float64)
    if values.ndim != 2:
        raise InputValidationError(f"training split must be [T, N], got shape {values.shape}")
    if not np.isfinite(values).all():
        raise InputValidationError(
            "the training split contains NaN/inf; FilterTS's static filters need a complete "
            "training series (impute it first)"
        )
    length = values.shape[0]
    kappa = length // (2 * context_length)
    if kappa < 1:
        raise InputValidationError(
            f"the training split has {length} rows; FilterTS's static filters need at least "
            f"2 * context_length = {2 * context_length}"
        )
    magnitude = np.abs(np.fft.rfft(values, axis=0))  # [T // 2 + 1, N]
    bins = magnitude.shape[0] // kappa
    used = magnitude[: bins * kappa]
    if fold == "contiguous":
        return used.reshape(bins, kappa, -1).sum(axis=1)
    return used.reshape(kappa, bins, -1).max(axis=0)


def static_filter_mask(
    train_values: np.ndarray,
    context_length: int,
    d_model: int,
    num_filters: int,
    bandwidth: int,
    fold: str,
) -> np.ndarray:
    """Summed band-pass masks [N, d_model] (float32) of the top `num_filters` bins."""
    spectrum = folded_spectrum(train_values, context_length, fold)  # [bins, N]
    bins, channels = spectrum.shape
    top = min(num_filters, bins)
    mask = np.zeros((channels, bins), dtype=np.float64)
    for channel in range(channels):
        # Stable sort: ties resolve to the lower frequency. The DC bin may be chosen.
        chosen = np.argsort(-spectrum[:, channel], kind="stable")[:top]
        for centre in chosen:
            low, high = max(int(centre) - bandwidth, 0), min(int(centre) + bandwidth + 1, bins)
            mask[channel, low:high] += 1.0
    fitted = np.zeros((channels, d_model), dtype=np.float32)
    keep = min(bins, d_model)
    fitted[:, :keep] = mask[:, :keep]
    return fitted
