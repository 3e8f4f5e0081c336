"""Heads over the encoded pyramid.

Forecasting: periodic feature-flow aggregation plus the projected trend. Imputation and
anomaly detection use the same head with the context length as its output length (a
reconstruction of the window). Classification: the mean feature flow of every channel,
concatenated over channels and projected to the classes."""

from __future__ import annotations

import torch
from torch import nn

from tsfm.heads import FlattenClassificationHead

from .config import PeriMidFormerConfig
from .embedding import PyramidState


class FeatureFlowForecastHead(nn.Module):
    """Mean over every root-to-leaf feature flow of Linear(top_k*D -> H) applied to the
    flow's concatenated tokens (zero-padded to top_k levels), plus Linear(L -> H) of the
    trend. Returns [B, H, C] on the normalised scale (the core de-normalises).

    The flow mean is computed exactly from the cached per-component flow weights (see
    pyramid.flow_weights); the explicit path-by-path computation is used when the
    structure is rebuilt every forward (reference mode) and agrees to float precision.
    """

    def __init__(self, config: PeriMidFormerConfig, context_length: int, horizon: int) -> None:
        super().__init__()
        self.top_k = config.top_k
        self.flow_projection = nn.Linear(config.top_k * config.d_model, horizon)
        self.trend_projection = nn.Linear(context_length, horizon)

    def forward(self, state: PyramidState) -> torch.Tensor:
        tokens = state.tokens  # [B*C, M, D]
        structure = state.structure
        if structure.paths is None:
            per_level = torch.einsum("km,nmd->nkd", structure.level_weights, tokens)
            seasonal = self.flow_projection(per_level.flatten(1))
        else:
            seasonal = self._explicit_flows(tokens, structure.paths)
        batch, channels = state.batch_size, state.num_channels
        seasonal = seasonal.view(batch, channels, -1).transpose(1, 2)
        trend = self.trend_projection(state.trend.transpose(1, 2)).transpose(1, 2)
        return seasonal + trend

    def _explicit_flows(self, tokens: torch.Tensor, paths: torch.Tensor) -> torch.Tensor:
        padded = torch.cat([tokens, tokens.new_zeros(tokens.shape[0], 1, tokens.shape[2])], dim=1)
        index = torch.where(paths < 0, torch.full_like(paths, tokens.shape[1]), paths)
        flows = padded[:, index]  # [B*C, P, top_k, D]
        return self.flow_projection(flows.flatten(2)).mean(dim=1)


def mean_feature_flow(state: PyramidState) -> torch.Tensor:
    """The mean over root-to-leaf flows of each flow's concatenated tokens: [B*C, top_k*D]."""
    tokens, structure = state.tokens, state.structure
    if structure.paths is None:
        return torch.einsum("km,nmd->nkd", structure.level_weights, tokens).flatten(1)
    padded = torch.cat([tokens, tokens.new_zeros(tokens.shape[0], 1, tokens.shape[2])], dim=1)
    index = torch.where(structure.paths < 0, torch.full_like(structure.paths, tokens.shape[1]), structure.paths)
    return padded[:, index].flatten(2).mean(dim=1)


class FeatureFlowClassificationHead(nn.Module):
    """Mean feature flow per channel, concatenated over the C channels ([B, C*top_k*D]),
    then the core's classification projection (GELU, dropout, Linear -> K)."""

    def __init__(self, config: PeriMidFormerConfig, num_channels: int, num_classes: int) -> None:
        super().__init__()
        self.classify = FlattenClassificationHead(num_channels, config.top_k * config.d_model, num_classes,
                                                  config.dropout)

    def forward(self, state: PyramidState) -> torch.Tensor:
        flows = mean_feature_flow(state).view(state.batch_size, state.num_channels, -1)
        return self.classify(flows)
