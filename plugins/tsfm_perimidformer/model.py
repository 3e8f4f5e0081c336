"""Builder: Peri-midFormer as tsfm BackboneParts."""

from __future__ import annotations

from torch import nn

from tsfm.errors import ConfigError
from tsfm.heads import output_length
from tsfm.spec import BackboneParts, BuildContext

from .config import PeriMidFormerConfig
from .embedding import PeriodicPyramidEmbedding
from .encoder import PeriodicPyramidEncoder
from .heads import FeatureFlowClassificationHead, FeatureFlowForecastHead


def build_perimidformer(config: PeriMidFormerConfig, ctx: BuildContext) -> BackboneParts:
    if config.periods is not None and config.periods[0] > ctx.context_length:
        raise ConfigError(
            f"period {config.periods[0]} exceeds the context length {ctx.context_length}"
        )
    if ctx.context_length // 2 < config.top_k:
        raise ConfigError(
            f"top_k {config.top_k} needs a context of at least {2 * config.top_k} steps, "
            f"got {ctx.context_length}"
        )
    embedding = PeriodicPyramidEmbedding(config, ctx.context_length, ctx.num_channels,
                                         pre_interpolate=ctx.task == "imputation",
                                         decompose=ctx.task != "classification")
    encoder = PeriodicPyramidEncoder(config)
    head: nn.Module
    if ctx.task == "classification":
        head = FeatureFlowClassificationHead(config, ctx.num_channels, ctx.num_classes or 0)
    else:
        # Forecasting projects to the horizon; imputation and anomaly reconstruct the window.
        head = FeatureFlowForecastHead(config, ctx.context_length, output_length(ctx))
    return BackboneParts(
        embedding=embedding,
        backbone=encoder,
        head=head,
        prepare=embedding.fit_periods if embedding.fits_periods else None,
    )
