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
        if state.structure.paths is None:
            seasonal = self.flow_projection(mean_feature_flow(state))
        else:
            # Reference mode: project every flow, then average (equal to projecting the mean).
            seasonal = self.flow_projection(path_tokens(state.tokens, state.structure.paths).flatten(2)).mean(dim=1)
        batch, channels = state.batch_size, state.num_channels
        seasonal = seasonal.view(batch, channels, -1).transpose(1, 2)
        trend = self.trend_projection(state.trend.transpose(1, 2)).transpose(1, 2)
        return seasonal + trend


def path_tokens(tokens: torch.Tensor, paths: torch.Tensor) -> torch.Tensor:
    """The tokens along every root-to-leaf path, zero where a path has fewer levels:
    tokens [B*C, M, D], paths [P, top_k] (-1 = no level) -> [B*C, P, top_k, D]."""
    padded = torch.cat([tokens, tokens.new_zeros(tokens.shape[0], 1, tokens.shape[2])], dim=1)
    index = torch.where(paths < 0, torch.full_like(paths, tokens.shape[1]), paths)
    return padded[:, index]


def mean_feature_flow(state: PyramidState) -> torch.Tensor:
    """The mean over root-to-leaf flows of each flow's concatenated tokens: [B*C, top_k*D]
    (from the cached per-level flow weights, or path by path in reference mode)."""
    tokens, structure = state.tokens, state.structure
    if structure.paths is None:
        return torch.einsum("km,nmd->nkd", structure.level_weights, tokens).flatten(1)
    return path_tokens(tokens, structure.paths).flatten(2).mean(dim=1)


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
