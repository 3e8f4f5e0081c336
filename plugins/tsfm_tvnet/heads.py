"""Task heads on the backbone's hidden states [B, N*P, C_m]."""

from __future__ import annotations

import torch
from torch import nn


class ForecastHead(nn.Module):
    """Task-linear head: Linear over time (N*P -> H), then Linear over width (C_m -> C)."""

    def __init__(self, hidden_length: int, prediction_length: int, d_model: int, num_channels: int) -> None:
        super().__init__()
        self.time = nn.Linear(hidden_length, prediction_length)
        self.width = nn.Linear(d_model, num_channels)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = self.time(hidden.transpose(1, 2)).transpose(1, 2)  # [B, H, C_m]
        return self.width(out)
