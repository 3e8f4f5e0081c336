"""Entry point module of TVNet (group "tsfm", name "tvnet")."""

from __future__ import annotations

import tsfm
from tsfm.heads import task_head
from tsfm.spec import BackboneParts, BackboneSpec, BuildContext, Capabilities

from .config import TVNetConfig
from .dynamic import TVNetBackbone
from .embedding import TVNetEmbedding
from .presets import PRESETS


def build_tvnet(config: TVNetConfig, ctx: BuildContext) -> BackboneParts:
    config.validate()
    embedding = TVNetEmbedding(config, ctx.context_length, ctx.num_channels)
    backbone = TVNetBackbone(config)
    hidden_length = embedding.patches.num_patches * config.patch_len
    # Reshape to (N*P) x C_m and a task-linear head (the core's, per task).
    head = task_head(ctx, hidden_length, config.d_model, dropout=config.dropout)
    return BackboneParts(embedding=embedding, backbone=backbone, head=head)


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="tvnet",
            config_cls=TVNetConfig,
            build=build_tvnet,
            capabilities=Capabilities(tasks=("forecast", "imputation", "classification", "anomaly")),
            paper="Li et al., TVNet: A Novel Time Series Analysis Method Based on Dynamic "
            "Convolution and 3D-Variation, ICLR 2025 (arXiv:2503.07674)",
            presets=PRESETS,
            description="3D-embedding (patch x odd/even) + per-patch dynamic 3D convolution",
            test_overrides={"d_model": 8, "num_layers": 2, "patch_len": 8, "dropout": 0.0},
            test_sizes={"context_length": 32, "prediction_length": 8, "num_channels": 3},
        )
    ]
