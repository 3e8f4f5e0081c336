"""HiPPO-LegS cumulative-history state (SCFormer eq. 1), computed by the data stage.

The state after t inputs u_0..u_{t-1} follows the bilinear-discretised LegS recurrence

    c_t = A_t c_{t-1} + B_t u_{t-1},   A_t = (I - A/2t)^{-1} (I + A/2t),
                                       B_t = (I - A/2t)^{-1} B / t,     c_0 = 0,

with A_nk = -sqrt(2n+1) sqrt(2k+1) (n > k), -(n+1) (n = k), 0 (n < k); B_n = sqrt(2n+1).

Two coverages:
  "full":   the state over the whole history x[0:t] (the paper's description);
  "window": the official code's state, the expanding state for t <= W and, for t > W, the
            state restarted from zero over the last W inputs x[t-W:t]. The latter is a fixed
            FIR filter bank (kernel [W, N]), so it is one FFT convolution over time.

Fast paths (checked against `legs_states_reference`, the dense step-by-step recurrence
discretised with scipy, in tests/test_scformer.py):
  * A = -(b b^T lower part) + diag(n) with b_n = sqrt(2n+1), so A @ c is a cumulative sum:
    A c = -b * cumsum(b * c) + n * c  (O(N) per step, vectorised over channels).
  * (I - A/2t) y = r is a lower-triangular system whose strictly-lower part is rank one;
    its solution is a first-order linear recurrence over n, solved in closed form with
    cumulative products (used for t > N, where it is well conditioned; earlier steps use a
    dense triangular solve).
  * All A_t are rational functions of one matrix A, so they commute; the window kernel
    K[j] = A_W ... A_{j+2} B_{j+1} is then built backwards with W triangular solves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.linalg
import scipy.fft
import scipy.signal

from tsfm.errors import ConfigError, InputValidationError

HippoMode = Literal["window", "full"]
# Which history a window's state covers; s = the window's first context row, L = context length.
#   "before_window": x[0 : s]      (the paper: the history up to the look-back window; default)
#   "window_start":  x[0 : s + 1]  (the official ETT/Solar/PEMS loaders: row of the first step)
#   "context_end":   x[0 : s + L]  (everything the model may see)
# The official Custom loader's x[0 : s + L + 1] includes the first target step and is not offered.
HippoAlignment = Literal["before_window", "window_start", "context_end"]
ALIGNMENTS: tuple[str, ...] = ("before_window", "window_start", "context_end")
MODES: tuple[str, ...] = ("window", "full")


# --------------------------------------------------------------------------- operator
def legs_matrices(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous LegS (A [N, N], B [N]) in float64."""
    if order < 1:
        raise ConfigError(f"HiPPO order must be >= 1, got {order}")
    q = np.arange(order, dtype=np.float64)
    b = np.sqrt(2 * q + 1)
    a = -np.tril(np.outer(b, b), -1) - np.diag(q + 1)
    return a, b.copy()


def bilinear_step(a: np.ndarray, b: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(A_t, B_t) of step t >= 1 by scipy's bilinear discretisation of (A/t, B/t), dt = 1."""
    n = len(b)
    ad, bd, *_ = scipy.signal.cont2discrete(
        (a / t, b[:, None] / t, np.eye(1, n), np.zeros((1, 1))), dt=1.0, method="bilinear"
    )
    return ad, bd[:, 0]


def legs_states_reference(series: np.ndarray, order: int, window: int | None = None) -> np.ndarray:
    """Slow dense reference: states E [T+1, C, N] (E[t] covers x[0:t], or x[t-W:t] when
    `window` is set), one scipy-discretised step at a time. For tests only."""
    series = np.asarray(series, dtype=np.float64)
    length, channels = series.shape
    a, b = legs_matrices(order)
    steps = {t: bilinear_step(a, b, t) for t in range(1, min(length, window or length) + 1)}
    states = np.zeros((length + 1, channels, order))
    for t in range(1, length + 1):
        start = 0 if window is None else max(0, t - window)
        c = np.zeros((channels, order))
        if window is None and t > 1:
            ad, bd = steps[t]
            states[t] = states[t - 1] @ ad.T + series[t - 1][:, None] * bd[None]
            continue
        for k, u in enumerate(series[start:t], start=1):
            ad, bd = steps[k]
            c = c @ ad.T + u[:, None] * bd[None]
        states[t] = c
    return states


# --------------------------------------------------------------------------- fast steps
class _LegS:
    """Structured O(N) application of the bilinear LegS step to [C, N] states."""

    def __init__(self, order: int) -> None:
        self.order = order
        self.a, self.b = legs_matrices(order)
        self.n = np.arange(order, dtype=np.float64)

    def apply_a(self, c: np.ndarray) -> np.ndarray:
        return -self.b * np.cumsum(self.b * c, axis=-1) + self.n * c

    def solve_minus(self, r: np.ndarray, t: int) -> np.ndarray:
        """y with (I - A/2t) y = r, for r [..., N]."""
        h = 1.0 / (2.0 * t)
        if t <= self.order:
            # Early steps: alpha_n below changes sign for n >= 2t, and its cumulative product
            # spans ~exp(-N^2/2t), too wide for float64 when t is small; a dense solve is cheap.
            m = np.eye(self.order) - h * self.a
            flat = r.reshape(-1, self.order)
            y = scipy.linalg.solve_triangular(m, flat.T, lower=True, check_finite=False).T
            return y.reshape(r.shape)
        # Row n: y_n (1 + h(n+1)) + h b_n S_{n-1} = r_n, with S_n = sum_{k<=n} b_k y_k.
        d = 1.0 + h * (self.n + 1.0)
        alpha = 1.0 - h * self.b**2 / d  # S_n = alpha_n S_{n-1} + beta_n, alpha_n in (0, 1]
        log_p = np.cumsum(np.log(alpha))
        beta = self.b * r / d
        s = np.exp(log_p) * np.cumsum(beta * np.exp(-log_p), axis=-1)
        s_prev = np.concatenate([np.zeros_like(s[..., :1]), s[..., :-1]], axis=-1)
        return (r - h * self.b * s_prev) / d

    def step(self, c: np.ndarray, u: np.ndarray, t: int) -> np.ndarray:
        """c_t = A_t c_{t-1} + B_t u for c [C, N], u [C]."""
        h = 1.0 / (2.0 * t)
        r = c + h * self.apply_a(c) + (u[:, None] / t) * self.b
        return self.solve_minus(r, t)


@lru_cache(maxsize=8)
def window_kernel(order: int, window: int) -> np.ndarray:
    """K [W, N] with state(x[t-W:t]) = sum_j K[j] x[t-W+j] (steps 1..W)."""
    legs = _LegS(order)
    kernel = np.empty((window, order))
    q = legs.b.copy()[None]  # Q_W = B;  Q_j = A_{j+1} Q_{j+1}
    for j in range(window - 1, -1, -1):
        t = j + 1
        # K[j] = A_W ... A_{t+1} B_t = (I - A/2t)^{-1} Q_t / t  (the A_i commute)
        kernel[j] = legs.solve_minus(q, t)[0] / t
        h = 1.0 / (2.0 * t)
        q = legs.solve_minus(q + h * legs.apply_a(q), t)
    kernel.setflags(write=False)
    return kernel


def expanding_states(series: np.ndarray, order: int, steps: int | None = None,
                     out: np.ndarray | None = None) -> np.ndarray:
    """States over x[0:t] for t = 0..steps (default T), float32 [steps+1, C, N]."""
    series = np.asarray(series, dtype=np.float64)
    length, channels = series.shape
    steps = length if steps is None else min(steps, length)
    legs = _LegS(order)
    if out is None:
        out = np.empty((steps + 1, channels, order), dtype=np.float32)
    out[0] = 0.0
    c = np.zeros((channels, order))
    for t in range(1, steps + 1):
        c = legs.step(c, series[t - 1], t)
        out[t] = c
    return out


def legs_states(series: np.ndarray, order: int, mode: HippoMode = "window",
                window: int = 2048) -> np.ndarray:
    """States E [T+1, C, N] float32: E[t] is the state over x[0:t] ("full") or over
    x[max(0, t-W):t] ("window")."""
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 2:
        raise InputValidationError(f"HiPPO input must be [T, C], got shape {series.shape}")
    if not np.isfinite(series).all():
        raise InputValidationError(
            "HiPPO history contains NaN/inf values; the state recurrence needs a complete "
            "series (impute the history first)"
        )
    if mode not in MODES:
        raise ConfigError(f"unknown hippo_mode {mode!r}; use one of {MODES}")
    length, channels = series.shape
    if mode == "full" or length <= window:
        return expanding_states(series, order)
    states = np.empty((length + 1, channels, order), dtype=np.float32)
    expanding_states(series, order, steps=window, out=states[: window + 1])
    # t > W: E[t] = sum_m K[W-1-m] x[t-1-m] = (x * K[::-1])[t-1]: one FFT convolution
    # over time, done block by block (overlap-save) so the float64 work arrays stay small.
    _fir_states(series, window_kernel(order, window), states)
    return states


def _fir_states(series: np.ndarray, kernel: np.ndarray, states: np.ndarray, block: int = 8192) -> None:
    """states[t] = sum_j kernel[j] x[t-W+j] for t = W+1..T (float64 FFTs, float32 out)."""
    length = len(series)
    window = len(kernel)
    size = scipy.fft.next_fast_len(block + window - 1, real=True)
    block = size - window + 1
    spectrum = scipy.fft.rfft(kernel[::-1], size, axis=0)  # [F, N]
    for first in range(window + 1, length + 1, block):
        last = min(first + block, length + 1)  # E[first:last] needs x[first-1-(W-1) : last-1]
        segment = scipy.fft.rfft(series[first - window : last - 1], size, axis=0)  # x[.] of [W-1 + n, C]
        for ch in range(series.shape[1]):  # one channel at a time keeps the work arrays ~100 MB
            result = scipy.fft.irfft(segment[:, ch, None] * spectrum, size, axis=0)  # [size, N]
            states[first:last, ch] = result[window - 1 : window - 1 + last - first]


# --------------------------------------------------------------------------- provider
@dataclass(frozen=True)
class HippoStateProvider:
    """Data-stage feature "hippo_state": row s [C, N] is the LegS state of the history
    that ends before (or at, see `alignment`) the window whose context is x[s : s+L]."""

    order: int = 512
    mode: HippoMode = "window"
    window: int = 2048
    alignment: HippoAlignment = "before_window"
    name: str = "hippo_state"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"unknown hippo_mode {self.mode!r}; use one of {MODES}")
        if self.alignment not in ALIGNMENTS:
            raise ConfigError(f"unknown hippo_alignment {self.alignment!r}; use one of {ALIGNMENTS}")
        if self.order < 1 or self.window < 1:
            raise ConfigError(f"HiPPO order and window must be >= 1, got {self.order}, {self.window}")

    def offset(self, context_length: int) -> int:
        """Row s uses E[s + offset], i.e. the history x[0 : s + offset]."""
        return {"before_window": 0, "window_start": 1, "context_end": context_length}[self.alignment]

    def compute(self, series: np.ndarray, context_length: int) -> np.ndarray:
        series = np.asarray(series)
        if series.ndim != 2:
            raise InputValidationError(f"history must be [T, C], got shape {series.shape}")
        rows = len(series) - context_length + 1
        if rows < 1:
            raise InputValidationError(
                f"history of {len(series)} steps is shorter than the context length {context_length}"
            )
        offset = self.offset(context_length)
        # Only x[0 : T - L + offset] is ever needed; never read past it.
        states = legs_states(series[: rows - 1 + offset], self.order, self.mode, self.window)
        return states[offset : offset + rows]
