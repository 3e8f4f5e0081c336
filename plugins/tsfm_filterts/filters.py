"""FilterTS's two filter modules and the layer that mixes them.

All tensors are complex [B, N, D]: N variables, D hidden (frequency-like) bins.
"""

from __future__ import annotations

import torch
from torch import nn

from .complex_ops import ComplexLayerNorm, complex_relu, complex_softmax


def quantile_last_dim(values: torch.Tensor, q: float) -> torch.Tensor:
    """torch.quantile(values, q, dim=-1, keepdim=True) (linear interpolation) from two
    k-th value selections instead of a full sort (the sort dominated the layer's cost)."""
    position = q * (values.shape[-1] - 1)
    below = int(position)
    above = min(below + 1, values.shape[-1] - 1)
    low = values.kthvalue(below + 1, dim=-1, keepdim=True).values
    high = values.kthvalue(above + 1, dim=-1, keepdim=True).values
    return torch.lerp(low, high, position - below)


class StaticGlobalFilter(nn.Module):
    """(X * A) * (F * softmaxC(reluC(V))) with F the fixed mask fitted from the training
    split (passed in, owned by the backbone), A a real [N, D] scale (init 1) and V a
    complex [N, D] weight (randn init) whose softmax runs over D."""

    def __init__(self, channels: int, d_model: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(channels, d_model))
        self.weight = nn.Parameter(torch.randn(channels, d_model, dtype=torch.cfloat))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        response = mask * complex_softmax(complex_relu(self.weight), dim=-1)
        return (x * self.scale) * response


class DynamicCrossVariableFilter(nn.Module):
    """Each variable's strong components (|X| above its per-window `quantile`) become a
    filter for the others: G = softmaxC(reluC(W)) @ conj(H), softmax over the source
    variables; output (1 - m) X + m (X * A') * G with m a complex [N, 1] gate (init 0.5)."""

    def __init__(self, channels: int, d_model: int, quantile: float) -> None:
        super().__init__()
        self.quantile = quantile
        self.scale = nn.Parameter(torch.ones(channels, d_model))
        self.mixing = nn.Parameter(torch.randn(channels, channels, dtype=torch.cfloat))
        self.gate = nn.Parameter(torch.full((channels, 1), 0.5, dtype=torch.cfloat))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Per sample and variable, so a window's filter never depends on its batch. The
        # threshold only selects components (no gradient flows through a comparison), so
        # it is computed outside autograd: the sort behind torch.quantile is not recorded.
        with torch.no_grad():
            magnitude = x.abs()
            strong_mask = magnitude > quantile_last_dim(magnitude, self.quantile)
        strong = torch.where(strong_mask, x, torch.zeros_like(x))
        weights = complex_softmax(complex_relu(self.mixing), dim=-1)  # [N target, N source]
        filters = torch.einsum("ik,bkd->bid", weights, strong.conj())
        filtered = (x * self.scale) * filters
        return (1 - self.gate) * x + self.gate * filtered


class FilterLayer(nn.Module):
    """w0 X + w1 Static(X) + w2 Dynamic(X), w = softmax of a per-variable [N, 3]
    parameter (init 0: equal thirds). `norm` is the layer's complex LayerNorm (None when
    the backbone applies a shared one, as the official code does)."""

    def __init__(self, channels: int, d_model: int, quantile: float, with_norm: bool) -> None:
        super().__init__()
        self.branch_logits = nn.Parameter(torch.zeros(channels, 3))
        self.static_filter = StaticGlobalFilter(channels, d_model)
        self.dynamic_filter = DynamicCrossVariableFilter(channels, d_model, quantile)
        self.norm = ComplexLayerNorm(d_model) if with_norm else None

    def forward(self, x: torch.Tensor, static_mask: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(self.branch_logits, dim=-1).unsqueeze(-1)  # [N, 3, 1]
        mixed = (
            w[:, 0] * x
            + w[:, 1] * self.static_filter(x, static_mask)
            + w[:, 2] * self.dynamic_filter(x)
        )
        return self.norm(mixed) if self.norm is not None else mixed
