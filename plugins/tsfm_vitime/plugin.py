"""Entry point of the ViTime plugin (group "tsfm", name "vitime")."""

from __future__ import annotations

import torch

import tsfm
from tsfm.spec import BackboneParts, BackboneSpec, BuildContext, Capabilities, HeadOutput

from .config import ViTimeConfig
from .loss import make_vitime_loss
from .network import ImageTokenizer, ViTimeBackbone, ViTimeHead, step_quantiles
from .presets import PRESETS

PAPER = ("Yang et al., ViTime: Foundation Model for Time Series Forecasting Powered by Vision "
         "Intelligence (arXiv 2407.07311; TMLR 2025)")


def build_vitime(config: ViTimeConfig, ctx: BuildContext) -> BackboneParts:
    def predict_quantiles(head_out: HeadOutput, levels: tuple[float, ...]) -> torch.Tensor:
        return step_quantiles(head_out, levels)

    return BackboneParts(
        embedding=ImageTokenizer(config, ctx.prediction_length),
        backbone=ViTimeBackbone(config),
        head=ViTimeHead(config, ctx.prediction_length),
        loss=make_vitime_loss(config.rows, config.loss_alpha),
        predict_quantiles=predict_quantiles,
    )


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="vitime",
            config_cls=ViTimeConfig,
            build=build_vitime,
            capabilities=Capabilities(
                tasks=("forecast",),
                channel_independent=True,
                handles_missing=True,
                probabilistic=True,
                variable_context=True,
                # Any horizon up to the configured one (the canvas horizon); see docs/vitime.md.
                variable_horizon=False,
                min_context_length=2,
            ),
            paper=PAPER,
            presets=PRESETS,
            description="ViTime: forecasting in binary-image space (ViT over value-row x time images)",
            test_overrides={
                "rows": 8, "canvas_columns": 16, "patch_rows": 2, "patch_cols": 4, "embed_dim": 16,
                "depth": 1, "num_heads": 2, "decoder_dim": 8, "decoder_depth": 1, "decoder_heads": 2,
                "mlp_ratio": 2.0, "blur_kernel": 3, "blur_sigma": 1.0, "blur_gain": 3.0,
                "refine": True, "refine_channels": 4,
            },
            test_sizes={"context_length": 24, "prediction_length": 8, "num_channels": 1},
        )
    ]
