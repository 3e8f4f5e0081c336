"""Instance normalisation that respects the observed mask (RevIN without affine)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

# Added to the variance before the square root (as in RevIN/the official codes), so a
# constant window gets scale sqrt(eps) instead of a division by zero.
VARIANCE_EPS = 1e-5


@dataclass
class Scale:
    """Per-sample, per-channel statistics. loc, scale: [B, 1, C]."""

    loc: torch.Tensor
    scale: torch.Tensor

    def normalize(self, values: torch.Tensor) -> torch.Tensor:
        return (values - self.loc) / self.scale

    def denormalize(self, values: torch.Tensor) -> torch.Tensor:
        """values: [B, T, C] or [B, T, C, Q]."""
        if values.dim() == 4:
            return values * self.scale.unsqueeze(-1) + self.loc.unsqueeze(-1)
        return values * self.scale + self.loc

    @classmethod
    def identity(cls, values: torch.Tensor) -> "Scale":
        shape = (values.shape[0], 1, values.shape[2])
        return cls(values.new_zeros(shape), values.new_ones(shape))


def instance_scale(values: torch.Tensor, observed: torch.Tensor) -> Scale:
    """Mean and std over the observed steps of each window and channel.

    values: [B, L, C] (NaN where unobserved); observed: [B, L, C] bool.
    Channels with no observed step must be rejected before calling this.
    """
    weights = observed.to(values.dtype)
    filled = torch.where(observed, values, torch.zeros_like(values))
    count = weights.sum(dim=1, keepdim=True).clamp_min(1.0)
    loc = filled.sum(dim=1, keepdim=True) / count
    centered = torch.where(observed, values - loc, torch.zeros_like(values))
    var = centered.pow(2).sum(dim=1, keepdim=True) / count
    return Scale(loc=loc, scale=torch.sqrt(var + VARIANCE_EPS))
