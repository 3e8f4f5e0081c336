"""Small reusable modules for building `BackboneParts`."""

from __future__ import annotations

from typing import Mapping

import torch
from torch import nn


class ValuesEmbedding(nn.Module):
    """Embedding that passes the normalised values [B, L, C] through unchanged."""

    def forward(
        self, x: torch.Tensor, observed: torch.Tensor, features: Mapping[str, torch.Tensor]
    ) -> torch.Tensor:
        return x


class MaskedValuesEmbedding(nn.Module):
    """Embedding that keeps the observed mask with the values: returns (x, observed)."""

    def forward(
        self, x: torch.Tensor, observed: torch.Tensor, features: Mapping[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return x, observed


class PassThrough(nn.Module):
    """Identity that accepts any object (nn.Identity is typed for tensors only)."""

    def forward(self, x):  # noqa: ANN001 - anything the previous stage produced
        return x


class MovingAverage(nn.Module):
    """Moving average over time with edge replication (Autoformer/DLinear decomposition).

    x: [B, L, C] -> trend [B, L, C]."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        if kernel_size < 1:
            raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
        self.kernel_size = kernel_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        front = (self.kernel_size - 1) // 2
        back = self.kernel_size - 1 - front
        padded = torch.cat([x[:, :1].expand(-1, front, -1), x, x[:, -1:].expand(-1, back, -1)], dim=1)
        return nn.functional.avg_pool1d(padded.transpose(1, 2), self.kernel_size, stride=1).transpose(1, 2)


def interpolate_unobserved(x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """Linear interpolation over time of the unobserved entries of x [B, L, C].

    Each unobserved step takes the straight line between the nearest observed steps
    before and after it; before the first (after the last) observed step it holds that
    step's value. A series with no observed step is left as it is. Vectorised: the
    previous/next observed index comes from a running max/min, no Python loop.
    """
    length = x.shape[1]
    steps = torch.arange(length, device=x.device).view(1, length, 1).expand_as(x)
    prev_idx = torch.where(observed, steps, torch.full_like(steps, -1)).cummax(dim=1).values
    flipped = torch.where(observed, steps, torch.full_like(steps, length)).flip(1)
    next_idx = flipped.cummin(dim=1).values.flip(1)
    has_prev, has_next = prev_idx >= 0, next_idx < length
    prev_val = x.gather(1, prev_idx.clamp(min=0))
    next_val = x.gather(1, next_idx.clamp(max=length - 1))
    span = (next_idx - prev_idx).clamp(min=1).to(x.dtype)
    weight = (steps - prev_idx).to(x.dtype) / span
    inside = prev_val + weight * (next_val - prev_val)
    filled = torch.where(has_prev & has_next, inside, torch.where(has_prev, prev_val, next_val))
    filled = torch.where(has_prev | has_next, filled, x)
    return torch.where(observed, x, filled)
