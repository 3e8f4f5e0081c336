"""Embedding stage: values -> C_m channels -> the 3D-embedding (paper eq. 1).

    x [B, L, C] --value conv + positional encoding--> [B, L, C_m]
        --per-channel Conv1D(kernel P, stride S) over time--> [B, C_m, N, P]
        --odd/even split of each patch--> [B, C_m, N, 2, P/2]

Time and channel axes are kept apart throughout (explicit transposes, no raw reshapes
across them); the official code's raw reshape [B, L, D] -> [B*D, 1, L] mixes them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from tsfm.layers import interpolate_unobserved

from .config import TVNetConfig


def num_patches(context_length: int, stride: int) -> int:
    """N = ceil(L / S): every step is covered; N = L / P for the paper's S = P."""
    return -(-context_length // stride)


def sinusoidal_encoding(length: int, width: int) -> torch.Tensor:
    """The Transformer's fixed positional encoding, [length, width]."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return table


class ValueEmbedding(nn.Module):
    """[B, L, C] -> [B, L, C_m]: circular Conv1d(k=3) over time mixing the C variables."""

    def __init__(self, num_channels: int, d_model: int, context_length: int, positional: bool) -> None:
        super().__init__()
        self.conv = nn.Conv1d(num_channels, d_model, kernel_size=3, padding=1, padding_mode="circular", bias=False)
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_in", nonlinearity="leaky_relu")
        if positional:
            self.register_buffer("position", sinusoidal_encoding(context_length, d_model), persistent=False)
        else:
            self.position = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x.transpose(1, 2)).transpose(1, 2)
        if self.position is not None:
            out = out + self.position[: out.shape[1]]
        return out


def split_odd_even(patches: torch.Tensor) -> torch.Tensor:
    """[..., P] -> [..., 2, P/2]: row 0 holds positions 1, 3, 5, ... (1-based odd),
    row 1 positions 2, 4, 6, ... of each patch."""
    return torch.stack((patches[..., 0::2], patches[..., 1::2]), dim=-2)


def merge_odd_even(split: torch.Tensor) -> torch.Tensor:
    """Inverse of `split_odd_even`: [..., 2, P/2] -> [..., P] in time order."""
    return split.transpose(-1, -2).flatten(-2)


class PatchEmbedding3D(nn.Module):
    """[B, L, C_m] -> [B, C_m, N, 2, P/2] (paper eq. 1).

    One Conv1d(1 -> P, kernel P, stride S) shared by the C_m channels maps each patch
    of each channel to P features; the right end is replicate-padded so that N = ceil(L/S)
    patches cover the whole context (the official code pads P - S at the right)."""

    def __init__(self, context_length: int, patch_len: int, stride: int) -> None:
        super().__init__()
        self.patch_len = patch_len
        self.stride = stride
        self.num_patches = num_patches(context_length, stride)
        self.pad_right = (self.num_patches - 1) * stride + patch_len - context_length
        self.conv = nn.Conv1d(1, patch_len, kernel_size=patch_len, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, width = x.shape
        series = x.transpose(1, 2).reshape(batch * width, 1, -1)  # one row per (sample, channel)
        if self.pad_right:
            series = F.pad(series, (0, self.pad_right), mode="replicate")
        patches = self.conv(series)  # [B*C_m, P, N]
        patches = patches.reshape(batch, width, self.patch_len, -1).transpose(2, 3)  # [B, C_m, N, P]
        return split_odd_even(patches)


class TVNetEmbedding(nn.Module):
    """The plugin's embedding: (x_norm, observed, features) -> [B, C_m, N, 2, P/2]."""

    def __init__(self, config: TVNetConfig, context_length: int, num_channels: int) -> None:
        super().__init__()
        self.values = ValueEmbedding(num_channels, config.d_model, context_length, config.positional_encoding)
        self.dropout = nn.Dropout(config.dropout)
        self.patches = PatchEmbedding3D(context_length, config.patch_len, config.stride)
        self.interpolate_missing = config.missing_values == "interpolate"

    def forward(self, x: torch.Tensor, observed: torch.Tensor, features: dict) -> torch.Tensor:
        # The convolutions cannot tell a hidden entry (0 after normalisation) from an observed
        # mean value; a straight line between its neighbours is a far better guess. Fully
        # observed batches (all of forecasting) skip the fill.
        if self.interpolate_missing and not bool(observed.all()):
            x = interpolate_unobserved(x, observed)
        return self.patches(self.dropout(self.values(x)))
