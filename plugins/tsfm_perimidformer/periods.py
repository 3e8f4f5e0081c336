"""Period selection: top-k FFT amplitudes of the seasonal part -> pyramid periods.

The post-processing follows the paper (Eq. 1) and the official code: the DC term is
ignored, the k strongest frequencies are sorted ascending, frequency 1 (the whole window,
the pyramid's top level) is forced in place of the weakest one, and periods are L // f,
distinct and descending.
"""

from __future__ import annotations

import numpy as np
import torch

from tsfm.layers import MovingAverage

# Variance epsilon of the instance normalisation (same as the core's RevIN).
_VARIANCE_EPS = 1e-5
# Enough windows for a stable average amplitude; more only costs time.
_MAX_FIT_WINDOWS = 4096


def periods_from_amplitudes(amplitude: np.ndarray, context_length: int, top_k: int) -> tuple[int, ...]:
    """amplitude: [L // 2 + 1] mean amplitude per frequency -> periods, descending."""
    amplitude = np.asarray(amplitude, dtype=np.float64).copy()
    amplitude[0] = -np.inf  # the DC term is not a period
    k = min(top_k, len(amplitude) - 1)
    # Stable sort: ties (e.g. all-constant input) resolve to the lowest frequencies.
    strongest = np.argsort(-amplitude, kind="stable")[:k]
    frequencies = sorted(int(f) for f in strongest)
    if frequencies[0] != 1:
        frequencies = [1] + frequencies[:-1]
    frequencies = sorted(set(frequencies))
    if len(frequencies) == 1:
        frequencies.append(2 * frequencies[0])
    periods = sorted({max(context_length // f, 1) for f in frequencies}, reverse=True)
    return tuple(periods)


def seasonal_part(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """x [B, L, C] -> x minus its moving average (edge-replicated)."""
    return x - MovingAverage(kernel_size)(x)


def batch_amplitude(seasonal: torch.Tensor) -> np.ndarray:
    """The official rule: amplitude averaged over the batch and the channels."""
    amplitude = torch.fft.rfft(seasonal.detach().float(), dim=1).abs().mean(dim=(0, 2))
    return amplitude.cpu().numpy()


def fit_train_periods(
    train_values: np.ndarray, context_length: int, top_k: int, kernel_size: int, source: str = "window"
) -> tuple[int, ...]:
    """Periods from the training split [T, C] (scaled): the amplitude is averaged over
    (up to 4096 evenly spaced) training windows, each instance-normalised (and, for
    source="seasonal", decomposed) exactly as the model does it, and over the channels."""
    values = np.asarray(train_values, dtype=np.float32)
    if values.ndim != 2 or values.shape[0] < context_length:
        raise ValueError(
            f"period fitting needs a training split [T >= {context_length}, C], got {values.shape}"
        )
    if not np.isfinite(values).all():
        # Missing training values would distort the spectrum; fill them per channel.
        values = _fill_missing(values)
    count = values.shape[0] - context_length + 1
    starts = np.unique(np.linspace(0, count - 1, min(count, _MAX_FIT_WINDOWS)).round().astype(np.int64))
    windows = np.stack([values[s : s + context_length] for s in starts])  # [W, L, C]
    x = torch.from_numpy(windows)
    x = (x - x.mean(dim=1, keepdim=True)) / torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + _VARIANCE_EPS)
    amplitude = batch_amplitude(seasonal_part(x, kernel_size) if source == "seasonal" else x)
    return periods_from_amplitudes(amplitude, context_length, top_k)


def _fill_missing(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    index = np.arange(len(out))
    for c in range(out.shape[1]):
        finite = np.isfinite(out[:, c])
        if not finite.any():
            raise ValueError(f"training split channel {c} has no finite value")
        out[:, c] = np.interp(index, index[finite], out[finite, c])
    return out
