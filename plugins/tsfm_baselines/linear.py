"""Linear forecaster: RLinear (instance norm + affine + Linear(L->H)) and, with
`decomposition=True`, DLinear (separate linear maps of trend and seasonal parts).

Zeng et al., "Are Transformers Effective for Time Series Forecasting?" (AAAI 2023);
Li et al., "Revisiting Long-term Time Series Forecasting: An Investigation on Linear
Mapping" (RLinear, 2023). Normalisation is the core's instance norm; `affine` adds
RevIN's learnable per-channel scale and shift around the linear map.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tsfm.errors import ConfigError
from tsfm.layers import MovingAverage, ValuesEmbedding
from tsfm.spec import BackboneParts, BuildContext


@dataclass
class LinearConfig:
    # One Linear per channel instead of one shared by all channels.
    individual: bool = False
    # DLinear: moving-average decomposition, one linear map for trend and one for the rest.
    decomposition: bool = False
    moving_avg: int = 25
    # RevIN's learnable per-channel affine transform (RLinear default).
    affine: bool = True
    dropout: float = 0.0


class TemporalLinear(nn.Module):
    """Linear map over time, shared or per channel: [B, L, C] -> [B, H, C]."""

    def __init__(self, context: int, horizon: int, channels: int, individual: bool) -> None:
        super().__init__()
        self.individual = individual
        if individual:
            bound = 1.0 / context**0.5
            self.weight = nn.Parameter(torch.empty(channels, horizon, context).uniform_(-bound, bound))
            self.bias = nn.Parameter(torch.empty(channels, horizon).uniform_(-bound, bound))
        else:
            self.proj = nn.Linear(context, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.individual:
            return torch.einsum("blc,chl->bhc", x, self.weight) + self.bias.T
        return self.proj(x.transpose(1, 2)).transpose(1, 2)


class LinearBackbone(nn.Module):
    def __init__(self, config: LinearConfig, ctx: BuildContext) -> None:
        super().__init__()
        channels = ctx.num_channels
        self.affine = config.affine
        if config.affine:
            self.affine_weight = nn.Parameter(torch.ones(channels))
            self.affine_bias = nn.Parameter(torch.zeros(channels))
        self.dropout = nn.Dropout(config.dropout)
        args = (ctx.context_length, ctx.prediction_length, channels, config.individual)
        self.seasonal = TemporalLinear(*args)
        self.decompose = MovingAverage(config.moving_avg) if config.decomposition else None
        self.trend = TemporalLinear(*args) if config.decomposition else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.affine:
            x = x * self.affine_weight + self.affine_bias
        x = self.dropout(x)
        if self.decompose is not None:
            trend = self.decompose(x)
            y = self.seasonal(x - trend) + self.trend(trend)
        else:
            y = self.seasonal(x)
        if self.affine:
            # Eps keeps the inverse finite if a weight is driven to zero.
            y = (y - self.affine_bias) / (self.affine_weight + 1e-10)
        return y


def build_linear(config: LinearConfig, ctx: BuildContext) -> BackboneParts:
    if config.decomposition and config.moving_avg < 1:
        raise ConfigError(f"moving_avg must be >= 1, got {config.moving_avg}")
    if not 0.0 <= config.dropout < 1.0:
        raise ConfigError(f"dropout must lie in [0, 1), got {config.dropout}")
    return BackboneParts(ValuesEmbedding(), LinearBackbone(config, ctx), nn.Identity())
