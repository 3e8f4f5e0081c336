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
