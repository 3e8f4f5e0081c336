"""The 3D-block: a convolution whose weights vary per patch (paper eqs. 2-7).

    W_i = alpha_i * W_b                                  (2)
    alpha_i = 1 + F_inter(v_inter) + F_intra(v_intra)    (3)
    v_intra = AdaptiveAvgPool3d(X) in R^{C_m x N}        (4)  mean over (2, P/2) of each patch
    F_intra = ReLU(BN(Conv1D_{C->C}(v_intra)))           (5)
    v_inter = AdaptiveAvgPool1d(v_intra) in R^{C_m x 1}  (6)  mean over the N patches
    F_inter = ReLU(Conv1D_{C->C}(v_inter))               (7)

alpha has one value per (sample, output channel, patch), so alpha_i scales W_b's output
channels for the outputs of patch i, and (alpha_i * W_b) * x equals alpha_i * (W_b * x)
at those outputs exactly. The shared base kernel is therefore applied once to the whole
batch and its output scaled: each sample only ever meets its own alpha (the official code
convolves every sample with every sample's weights), at the cost of one ordinary
convolution (the official, un-grouped form costs B times more).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import TVNetConfig
from .embedding import merge_odd_even

_ACTIVATIONS = {"none": nn.Identity, "gelu": nn.GELU, "relu": nn.ReLU}


class DynamicWeights(nn.Module):
    """G(X): [B, C_m, N, 2, P/2] -> alpha [B, C_m, N] (eqs. 3-7)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.intra = nn.Sequential(
            nn.Conv1d(channels, channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm1d(channels),
            nn.ReLU(),
        )
        self.inter = nn.Sequential(nn.Conv1d(channels, channels, kernel_size=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v_intra = x.mean(dim=(-2, -1))  # [B, C_m, N]
        v_inter = v_intra.mean(dim=-1, keepdim=True)  # [B, C_m, 1]
        return 1.0 + self.inter(v_inter) + self.intra(v_intra)


class DynamicConv3d(nn.Module):
    """One 3D-block's transform: alpha (per patch) * (W_b * X) over the 3D tensor.

    The kernel spans neighbouring patches, both odd/even rows and neighbouring positions
    (zero padding keeps the shape). With `dynamic=False`, alpha == 1 (the ablation)."""

    def __init__(self, channels: int, kernel_size: tuple[int, int, int], dynamic: bool,
                 activation: str, dropout: float) -> None:
        super().__init__()
        kernel = tuple(int(k) for k in kernel_size)
        self.base = nn.Conv3d(channels, channels, kernel, padding=tuple(k // 2 for k in kernel), bias=False)
        self.weights = DynamicWeights(channels) if dynamic else None
        self.activation = _ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout)

    def alpha(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_m, N]; ones for the static ablation."""
        if self.weights is None:
            return x.new_ones(x.shape[:3])
        return self.weights(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        if self.weights is not None:
            out = out * self.weights(x)[..., None, None]
        return self.dropout(self.activation(out))


class TVNetBackbone(nn.Module):
    """Residual 3D-blocks (eq. 8), then [B, C_m, N, 2, P/2] -> hidden [B, N*P, C_m]
    in time order, ready for any task head."""

    def __init__(self, config: TVNetConfig) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            DynamicConv3d(config.d_model, config.kernel_size, config.dynamic, config.activation, config.dropout)
            for _ in range(config.num_layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x) + x
        series = merge_odd_even(x).flatten(2)  # [B, C_m, N*P], each patch back in time order
        return series.transpose(1, 2)
