"""The paper's system-error analysis (Theorem 3.3, Props. C.1/C.2) and the adaptive MS.

All bounds are per element (the theorem's g(h, MS) divided by c*t).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.optimize import brentq
from scipy.stats import norm


def system_error_bound(rows: int, max_scale: float, k: float = 1.0) -> float:
    """Upper bound of E|f^-1(f(s)) - s| for s ~ N(0, k) (Theorem 3.3; eq. 36 for k != 1):
    MS/h [Phi_k(MS) - Phi_k(-MS)] + sqrt(2k/pi) exp(-MS^2/2k) - 2 MS [1 - Phi_k(MS)]."""
    a = max_scale / math.sqrt(k)
    quantisation = max_scale / rows * (norm.cdf(a) - norm.cdf(-a))
    truncation = math.sqrt(2 * k / math.pi) * math.exp(-a * a / 2) - 2 * max_scale * (1 - norm.cdf(a))
    return float(quantisation + truncation)


def bound_derivative(max_scale: float, rows: int, k: float = 1.0) -> float:
    """d bound / d MS: the left side of eq. 32 (Prop. C.2; C.1 for k = 1)."""
    a = max_scale / math.sqrt(k)
    return float((norm.cdf(a) - norm.cdf(-a)) / rows - 2 + 2 * norm.cdf(a)
                 + max_scale / rows * math.sqrt(2 / (math.pi * k)) * math.exp(-max_scale ** 2 / (2 * k)))


def optimal_max_scale(rows: int, k: float = 1.0) -> float:
    """MS* solving eq. 32 numerically (unique root below sqrt(k (h + 2)), Prop. C.1)."""
    upper = math.sqrt(k * (rows + 2))
    return float(brentq(bound_derivative, 1e-6, upper, args=(rows, k), xtol=1e-10))


def empirical_system_error(samples: np.ndarray, rows: int, max_scale: float) -> float:
    """Mean |f^-1(f(s)) - s| of the mapping actually used by the model."""
    from .mapping import row_centres, rows_from_values

    values = torch.as_tensor(np.asarray(samples, dtype=np.float64))
    index = rows_from_values(values, rows, max_scale)
    centres = row_centres(rows, torch.tensor(max_scale, dtype=torch.float64))
    return float((centres[index] - values).abs().mean())


def estimate_variance_scale(context: torch.Tensor, observed: torch.Tensor, recent_fraction: float = 0.25,
                            floor: float = 1.0) -> torch.Tensor:
    """Variance scale k of a normalised context [N, L] (mean 0, std 1 over the whole context):
    the second moment of its most recent part, which grows with drift or a variance change
    the whole-context statistics miss (the explosive-growth case of appendix F.3.1).
    Never below `floor` (k = 1 is the stationary case)."""
    length = context.shape[-1]
    recent = max(1, int(round(length * recent_fraction)))
    z, m = context[..., -recent:], observed[..., -recent:].to(context.dtype)
    second = (z.pow(2) * m).sum(-1) / m.sum(-1).clamp_min(1.0)
    return second.clamp_min(floor)


def adaptive_max_scale(context: torch.Tensor, observed: torch.Tensor, rows: int,
                       base_k: float = 1.5) -> torch.Tensor:
    """MS* per series: the optimum of eq. 32 for k = base_k * k_context. Eq. 32 is
    scale-invariant in sqrt(k) (MS*_k = sqrt(k) MS*_1), so one root solve suffices.
    base_k = 1.5 matches the paper's finding that real normalised targets have k in [1.5, 2]
    (appendix E.1.1: MS = 3.5 for h = 128)."""
    unit = optimal_max_scale(rows, 1.0)
    k = estimate_variance_scale(context, observed) * base_k
    return unit * k.sqrt()
