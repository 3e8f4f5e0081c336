"""Numeric <-> binary-image mapping (eqs. 4-5) and the canvas geometry.

Conventions (one consistent pair, see docs/vitime.md):
  row index j = clip(floor((s + MS) / D), 0, h - 1) with D = 2 MS / h   (eq. 4, 0-based)
  inverse     s = (j + 0.5) D - MS, the bin centre                      (eq. 5)
so the quantisation error inside [-MS, MS] is at most D / 2 = MS / h (Theorem 3.3's step 2).

Canvas geometry: the context (L steps) and the horizon (H steps) share `columns` canvas
columns, split in proportion (the authors' resampling): the context gets
round(columns * L / (L + H)) columns. Columns are evenly spaced in time inside each part
and the last context column sits exactly on the last observation. With L + H = columns / 2
this is the paper's 2x interpolation [x0, x0, (x0+x1)/2, x1, ..., x_{L-1}]: odd columns are
the observations, even columns the midpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def row_centres(rows: int, max_scale: torch.Tensor) -> torch.Tensor:
    """Bin centres [..., h] for a max scale [...] (a scalar tensor or one per series)."""
    ms = torch.as_tensor(max_scale)
    j = torch.arange(rows, dtype=ms.dtype if ms.is_floating_point() else torch.float32, device=ms.device)
    ms = ms.unsqueeze(-1)
    return (j + 0.5) * (2 * ms / rows) - ms


def rows_from_values(values: torch.Tensor, rows: int, max_scale: torch.Tensor | float) -> torch.Tensor:
    """Row index (long) of each value; values beyond +-MS go to the edge rows (eq. 4).
    max_scale broadcasts against values (e.g. [N, 1] for values [N, W])."""
    ms = torch.as_tensor(max_scale, dtype=values.dtype, device=values.device)
    index = torch.floor((values + ms) / (2 * ms / rows))
    return index.clamp(0, rows - 1).long()


def image_from_values(values: torch.Tensor, observed: torch.Tensor, rows: int,
                      max_scale: torch.Tensor) -> torch.Tensor:
    """Binary image [N, h, W] of values [N, W]; unobserved columns stay empty (all zero).
    max_scale: [N]. Row 0 is -MS (the bottom of the value axis)."""
    index = rows_from_values(torch.where(observed, values, torch.zeros_like(values)), rows,
                             max_scale.unsqueeze(-1))
    image = torch.zeros(values.shape[0], rows, values.shape[1], dtype=values.dtype, device=values.device)
    image.scatter_(1, index.unsqueeze(1), observed.to(values.dtype).unsqueeze(1))
    return image


def gaussian_kernel(size: int, sigma: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    kernel = torch.exp(-x.pow(2) / (2 * sigma * sigma))
    return (kernel / kernel.sum()).to(dtype)


def gaussian_blur(image: torch.Tensor, kernel: torch.Tensor, gain: float) -> torch.Tensor:
    """Separable 2-D Gaussian blur of [N, h, W] with a reflect border (OpenCV's default
    BORDER_REFLECT_101), times `gain` (the authors' x31). Each 1-D pass is a depthwise
    conv1d: far faster on a CPU than a single-channel conv2d."""
    pad = kernel.numel() // 2
    k = kernel.to(image.dtype).view(1, 1, -1)

    def last_axis(x: torch.Tensor) -> torch.Tensor:
        channels, size = x.shape[1], x.shape[2]
        x = F.pad(x, (pad, pad), mode="reflect" if size > pad else "replicate")
        return F.conv1d(x, k.expand(channels, 1, -1), groups=channels)

    rows_blurred = last_axis(image.transpose(1, 2).contiguous()).transpose(1, 2)
    return last_axis(rows_blurred.contiguous()) * gain


@dataclass(frozen=True)
class CanvasGeometry:
    """Where the context and the horizon sit on a canvas of `columns` columns."""

    context_length: int
    horizon: int
    columns: int

    @property
    def context_columns(self) -> int:
        total = self.context_length + self.horizon
        return min(max(int(round(self.columns * self.context_length / total)), 1), self.columns - 1)

    @property
    def horizon_columns(self) -> int:
        return self.columns - self.context_columns

    def context_times(self) -> torch.Tensor:
        """Time (in context steps, 0..L-1) of each context column; the last is L - 1."""
        wc, length = self.context_columns, self.context_length
        rate = wc / length
        c = torch.arange(wc, dtype=torch.float64)
        return ((length - 1) - (wc - 1 - c) / rate).clamp_min(0.0)

    def horizon_positions(self) -> torch.Tensor:
        """Position of each horizon column in [last context value, y_0, ..., y_{H-1}]
        (0 = last context step, k + 1 = future step k); the last column is position H."""
        rate = self.horizon_columns / self.horizon
        return (torch.arange(self.horizon_columns, dtype=torch.float64) + 1) / rate

    def step_columns(self) -> torch.Tensor:
        """Fractional horizon-column index of each future step k (position k + 1)."""
        rate = self.horizon_columns / self.horizon
        return (torch.arange(self.horizon, dtype=torch.float64) + 1) * rate - 1


def _linear_gather(values: torch.Tensor, points: torch.Tensor, mask: torch.Tensor | None = None):
    """Linear interpolation of values [N, T, ...] at fractional indices points [P] (in [0, T-1]).
    Returns (interpolated [N, P, ...], observed [N, P] or None): a point is observed when every
    sample it draws on with a nonzero weight is observed."""
    length = values.shape[1]
    points = points.clamp(0, length - 1)
    lo = points.floor().long()
    hi = (lo + 1).clamp_max(length - 1)
    w = (points - lo.to(points.dtype)).to(values.dtype)
    shape = (1, -1) + (1,) * (values.dim() - 2)
    w = w.view(shape).to(values.device)
    lo, hi = lo.to(values.device), hi.to(values.device)
    out = values[:, lo] * (1 - w) + values[:, hi] * w
    if mask is None:
        return out, None
    weighted = (w.view(1, -1) > 0)
    observed = mask[:, lo] & (mask[:, hi] | ~weighted)
    return out, observed


def resample_context(values: torch.Tensor, observed: torch.Tensor, geometry: CanvasGeometry):
    """Context [N, L] -> its canvas columns [N, Wc] (values, observed)."""
    filled = torch.where(observed, values, torch.zeros_like(values))
    return _linear_gather(filled, geometry.context_times(), observed)


def horizon_column_targets(last: torch.Tensor, last_observed: torch.Tensor, future: torch.Tensor,
                           future_mask: torch.Tensor, geometry: CanvasGeometry):
    """Target value of every horizon column [N, Wh] from the last context value [N] and the
    future [N, H] (same interpolation as the input), with its validity mask."""
    seq = torch.cat([last.unsqueeze(1), future], dim=1)
    mask = torch.cat([last_observed.unsqueeze(1), future_mask], dim=1)
    seq = torch.where(mask, seq, torch.zeros_like(seq))
    return _linear_gather(seq, geometry.horizon_positions(), mask)


def columns_to_steps(column_probs: torch.Tensor, geometry: CanvasGeometry) -> torch.Tensor:
    """Per-column distributions [N, Wh, h] -> per-future-step distributions [N, H, h]
    (a linear mixture of the two nearest columns; exact columns under 2x interpolation)."""
    steps, _ = _linear_gather(column_probs, geometry.step_columns())
    return steps


def values_from_probs(probs: torch.Tensor, centres: torch.Tensor, mode: str = "expectation") -> torch.Tensor:
    """Inverse mapping (eq. 5) of distributions [N, T, h] with centres [N, h] -> [N, T]."""
    if mode == "argmax":
        index = probs.argmax(dim=-1)
        return torch.gather(centres, 1, index)
    return torch.einsum("nth,nh->nt", probs, centres)


def quantiles_from_probs(probs: torch.Tensor, max_scale: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """Quantiles [N, T, Q] of per-step distributions [N, T, h] over the value bins, taking
    the mass of each bin as uniform over the bin (a piecewise-linear CDF): continuous in
    the level and never crossing."""
    rows = probs.shape[-1]
    width = (2 * max_scale / rows).view(-1, 1, 1)  # [N, 1, 1]
    cdf = probs.cumsum(-1).clamp(0, 1)  # CDF at the upper edge of each bin
    q = levels.to(probs.dtype).view(1, 1, -1).expand(*probs.shape[:2], -1).contiguous()
    index = torch.searchsorted(cdf.contiguous(), q).clamp_max(rows - 1)  # first bin with cdf >= q
    upper = torch.gather(cdf, -1, index)
    mass = torch.gather(probs, -1, index)
    lower = upper - mass
    frac = ((q - lower) / mass.clamp_min(1e-12)).clamp(0, 1)
    return -max_scale.view(-1, 1, 1) + (index.to(probs.dtype) + frac) * width
