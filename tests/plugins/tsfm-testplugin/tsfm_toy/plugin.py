"""Two toy backbones exercising the contract's optional parts:

toy_mlp      - handles missing values (mask as input), probabilistic (quantile head),
               dropout (so resume tests exercise RNG state).
toy_history  - needs a data-stage history state (mean of everything before the window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

import tsfm
from tsfm.layers import MaskedValuesEmbedding
from tsfm.spec import BackboneParts, BackboneSpec, BuildContext, Capabilities, HeadOutput

QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class ToyMLPConfig:
    hidden: int = 32
    dropout: float = 0.1


class MaskedMLP(nn.Module):
    """Per channel: [values, mask] over time -> hidden."""

    def __init__(self, context: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * context, hidden), nn.GELU(), nn.Dropout(dropout))

    def forward(self, inputs):
        x, observed = inputs
        features = torch.cat([x, observed.to(x.dtype)], dim=1)  # [B, 2L, C]
        return self.net(features.transpose(1, 2))  # [B, C, hidden]


class QuantileHead(nn.Module):
    """hidden -> median and non-negative offsets, so quantiles never cross."""

    def __init__(self, hidden: int, horizon: int) -> None:
        super().__init__()
        self.horizon = horizon
        self.proj = nn.Linear(hidden, horizon * len(QUANTILES))

    def forward(self, hidden: torch.Tensor) -> HeadOutput:
        out = self.proj(hidden).view(*hidden.shape[:2], self.horizon, len(QUANTILES))
        median = out[..., 1]
        lower = median - nn.functional.softplus(out[..., 0])
        upper = median + nn.functional.softplus(out[..., 2])
        quantiles = torch.stack([lower, median, upper], dim=-1).permute(0, 2, 1, 3)  # [B, H, C, Q]
        return HeadOutput(prediction=quantiles[..., 1], quantiles=quantiles, quantile_levels=QUANTILES)


def pinball_loss(output: HeadOutput, target: torch.Tensor, mask: torch.Tensor, scale) -> torch.Tensor:
    target = scale.normalize(target)
    levels = torch.tensor(QUANTILES, dtype=target.dtype, device=target.device)
    diff = target.unsqueeze(-1) - output.quantiles
    loss = torch.maximum(levels * diff, (levels - 1) * diff)
    weights = mask.unsqueeze(-1).to(loss.dtype)
    return (loss * weights).sum() / weights.sum().clamp_min(1.0) / len(QUANTILES)


def build_toy_mlp(config: ToyMLPConfig, ctx: BuildContext) -> BackboneParts:
    return BackboneParts(
        embedding=MaskedValuesEmbedding(),
        backbone=MaskedMLP(ctx.context_length, config.hidden, config.dropout),
        head=QuantileHead(config.hidden, ctx.prediction_length),
        loss=pinball_loss,
    )


@dataclass
class ToyHistoryConfig:
    hidden: int = 16


class HistoryMean:
    """Mean of each channel over the observed steps before the window (0 when none)."""

    name = "history_mean"

    def compute(self, series: np.ndarray, context_length: int) -> np.ndarray:
        values = np.asarray(series, dtype=np.float64)
        observed = ~np.isnan(values)
        zeros = np.zeros((1, values.shape[1]))
        cumulative = np.concatenate([zeros, np.cumsum(np.where(observed, values, 0.0), axis=0)])
        counts = np.concatenate([zeros, np.cumsum(observed, axis=0)])
        means = cumulative / np.maximum(counts, 1.0)
        return means[: len(values) - context_length + 1].astype(np.float32)


class HistoryEmbedding(nn.Module):
    def forward(self, x, observed, features):
        return torch.cat([x, features["history_mean"].unsqueeze(1)], dim=1)  # [B, L+1, C]


class HistoryLinear(nn.Module):
    def __init__(self, context: int, hidden: int, horizon: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(context + 1, hidden), nn.ReLU(), nn.Linear(hidden, horizon))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.net(tokens.transpose(1, 2)).transpose(1, 2)


def build_toy_history(config: ToyHistoryConfig, ctx: BuildContext) -> BackboneParts:
    return BackboneParts(
        HistoryEmbedding(), HistoryLinear(ctx.context_length, config.hidden, ctx.prediction_length), nn.Identity()
    )


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="toy_mlp",
            config_cls=ToyMLPConfig,
            build=build_toy_mlp,
            capabilities=Capabilities(
                tasks=("forecast",), channel_independent=True, handles_missing=True, probabilistic=True
            ),
            description="third-party test plugin: masked MLP with a quantile head",
            test_overrides={"hidden": 8},
        ),
        BackboneSpec(
            name="toy_history",
            config_cls=ToyHistoryConfig,
            build=build_toy_history,
            capabilities=Capabilities(tasks=("forecast",), channel_independent=True, needs_history_state=True),
            feature_providers=lambda config: [HistoryMean()],
            description="third-party test plugin: linear model with a history-state feature",
        ),
    ]
