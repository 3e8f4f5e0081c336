"""Structured linear maps over the feature axis D (SCFormer sections 3.2 and 3.3).

Convention: a map is *causal* when output feature j depends only on input features <= j
(the paper's "temporal constraint"; the direction is a convention, its section 3.2).

  TriangularLinear: y = x @ (W * mask) + b with a full stored W masked at use time (the
      official parametrisation, so parameter counts match the paper's code).
  ConvStack: the D-vector as a 1-channel signal through stacked Conv1d(1, 1, k). Causal
      padding (k-1 zeros on the left) by default; padding="official" reproduces the
      official code (padding k//2, keep the first D outputs: receptive field
      [j - k/2, j + k/2 - 1], i.e. not causal).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from tsfm.errors import ConfigError

Direction = Literal["causal", "anticausal"]
ConvPadding = Literal["causal", "official"]


class TriangularLinear(nn.Module):
    """D -> D linear map whose output j sees inputs <= j ("causal") or >= j ("anticausal")."""

    def __init__(self, features: int, direction: Direction = "causal") -> None:
        super().__init__()
        if direction not in ("causal", "anticausal"):
            raise ConfigError(f"unknown triangular direction {direction!r}")
        self.direction = direction
        # Stored as [in, out] and right-multiplied, as in the official code.
        self.weight = nn.Parameter(torch.empty(features, features))
        self.bias = nn.Parameter(torch.empty(features))
        bound = 1.0 / math.sqrt(features)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)
        ones = torch.ones(features, features, dtype=torch.bool)
        # [in i, out j]: causal keeps i <= j (upper triangle), anticausal keeps i >= j.
        mask = torch.triu(ones) if direction == "causal" else torch.tril(ones)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight * self.mask
        return torch.matmul(x, weight) + self.bias


class ConvStack(nn.Module):
    """`layers` stacked Conv1d(1, 1, kernel) over the feature axis of [..., D] tensors."""

    def __init__(self, kernel_size: int, layers: int = 1, padding: ConvPadding = "causal") -> None:
        super().__init__()
        if padding not in ("causal", "official"):
            raise ConfigError(f"unknown conv padding {padding!r}; use 'causal' or 'official'")
        if kernel_size < 1 or layers < 1:
            raise ConfigError(f"conv kernel size and layer count must be >= 1, got {kernel_size}, {layers}")
        self.kernel_size = kernel_size
        self.padding = padding
        self.convs = nn.ModuleList(nn.Conv1d(1, 1, kernel_size) for _ in range(layers))

    @property
    def shift(self) -> int:
        """Output j reads inputs j - shift .. j - shift + k - 1."""
        return self.kernel_size - 1 if self.padding == "causal" else self.kernel_size // 2

    def toeplitz(self, conv: nn.Conv1d, features: int) -> torch.Tensor:
        """[D_in, D_out] matrix M with x @ M = conv(padded x) (without bias)."""
        basis = _shift_basis(features, self.kernel_size, self.shift, conv.weight.device, conv.weight.dtype)
        return (conv.weight.reshape(1, -1) @ basis).reshape(features, features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A 1-channel Conv1d is a banded Toeplitz matrix; one matmul is ~10x faster than
        # torch's 1-channel convolution on a CPU and computes the same map.
        features = x.shape[-1]
        for conv in self.convs:
            x = torch.matmul(x, self.toeplitz(conv, features)) + conv.bias
        return x

    def reference(self, x: torch.Tensor) -> torch.Tensor:
        """The same map with F.conv1d (for tests)."""
        shape, features = x.shape, x.shape[-1]
        y = x.reshape(-1, 1, features)
        for conv in self.convs:
            if self.padding == "causal":
                y = conv(F.pad(y, (self.kernel_size - 1, 0)))
            else:
                half = self.kernel_size // 2
                y = conv(F.pad(y, (half, half)))[..., :features]
        return y.reshape(shape)


_BASES: dict[tuple, torch.Tensor] = {}


def _shift_basis(features: int, kernel_size: int, shift: int, device: torch.device,
                 dtype: torch.dtype) -> torch.Tensor:
    """[k, D*D] 0/1 matrices E_m with E_m[p, j] = 1 iff p - j + shift == m (cached; constant)."""
    key = (features, kernel_size, shift, str(device), dtype)
    basis = _BASES.get(key)
    if basis is None:
        positions = torch.arange(features, device=device)
        tap = positions[:, None] - positions[None, :] + shift
        taps = torch.arange(kernel_size, device=device)[:, None, None]
        basis = (tap[None] == taps).to(dtype).reshape(kernel_size, features * features)
        _BASES[key] = basis
    return basis
