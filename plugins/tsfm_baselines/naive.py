"""Parameter-free forecasters that use the observed mask (missing values are skipped)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tsfm.errors import ConfigError
from tsfm.layers import MaskedValuesEmbedding, PassThrough
from tsfm.spec import BackboneParts, BuildContext


def last_observed(x: torch.Tensor, observed: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Value at the last observed step along `dim` (that dim is removed).
    Every slice must have at least one observed step (the core checks this)."""
    length = x.shape[dim]
    steps = torch.arange(length, device=x.device).view([-1 if d == dim else 1 for d in range(x.dim())])
    last = torch.where(observed, steps, torch.full_like(steps, -1)).amax(dim=dim, keepdim=True)
    return torch.gather(x, dim, last.clamp_min(0)).squeeze(dim)


class NaiveForecaster(nn.Module):
    """Repeats the last observed value: [B, L, C] -> [B, H, C]."""

    def __init__(self, horizon: int) -> None:
        super().__init__()
        self.horizon = horizon

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, observed = inputs
        return last_observed(x, observed).unsqueeze(1).expand(-1, self.horizon, -1)


class SeasonalNaiveForecaster(nn.Module):
    """Repeats the last observed season: step h takes the latest observed value at the
    same phase (h mod m); a phase never observed falls back to the last observed value."""

    def __init__(self, horizon: int, season_length: int) -> None:
        super().__init__()
        self.horizon = horizon
        self.season_length = season_length

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, observed = inputs
        batch, length, channels = x.shape
        m = self.season_length
        seasons = -(-length // m)
        pad = seasons * m - length
        # Front-pad so the padded length is a multiple of m: column j of the
        # [B, seasons, m, C] view is then the phase of future step h with h % m == j.
        x_pad = torch.cat([x.new_zeros(batch, pad, channels), x], dim=1)
        obs_pad = torch.cat([observed.new_zeros(batch, pad, channels), observed], dim=1)
        x_view = x_pad.view(batch, seasons, m, channels)
        obs_view = obs_pad.view(batch, seasons, m, channels)
        per_phase = last_observed(x_view, obs_view, dim=1)  # [B, m, C]
        seen = obs_view.any(dim=1)
        fallback = last_observed(x, observed).unsqueeze(1).expand(-1, m, -1)
        per_phase = torch.where(seen, per_phase, fallback)
        phases = torch.arange(self.horizon, device=x.device) % m
        return per_phase[:, phases]


@dataclass
class NaiveConfig:
    """No hyperparameters."""


@dataclass
class SeasonalNaiveConfig:
    season_length: int = 24


def build_naive(config: NaiveConfig, ctx: BuildContext) -> BackboneParts:
    return BackboneParts(MaskedValuesEmbedding(), NaiveForecaster(ctx.prediction_length), PassThrough())


def build_seasonal_naive(config: SeasonalNaiveConfig, ctx: BuildContext) -> BackboneParts:
    if config.season_length < 1:
        raise ConfigError(f"season_length must be >= 1, got {config.season_length}")
    if config.season_length > ctx.context_length:
        raise ConfigError(
            f"season_length {config.season_length} is longer than context_length {ctx.context_length}"
        )
    return BackboneParts(
        MaskedValuesEmbedding(),
        SeasonalNaiveForecaster(ctx.prediction_length, config.season_length),
        PassThrough(),
    )
