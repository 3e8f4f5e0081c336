"""Entry point module of Peri-midFormer (group "tsfm", name "perimidformer")."""

from __future__ import annotations

import tsfm
from tsfm.data.calendar import CalendarProvider
from tsfm.spec import BackboneSpec, Capabilities

from .config import PeriMidFormerConfig
from .model import build_perimidformer
from .presets import PRESETS


def calendar_providers(config: PeriMidFormerConfig) -> list[CalendarProvider]:
    """The data stage supplies the context's calendar features when the config asks for them."""
    return [CalendarProvider(config.time_features)] if config.time_features else []


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="perimidformer",
            config_cls=PeriMidFormerConfig,
            build=build_perimidformer,
            capabilities=Capabilities(tasks=("forecast", "imputation", "classification", "anomaly"),
                                      channel_independent=True, min_context_length=8),
            paper="Wu et al. 2024, Peri-midFormer: Periodic Pyramid Transformer for Time Series Analysis (NeurIPS)",
            description="periodic pyramid + pyramid attention + feature-flow aggregation",
            presets=PRESETS,
            feature_providers=calendar_providers,
            test_overrides={"d_model": 16, "n_heads": 2, "top_k": 3},
            test_sizes={"context_length": 48, "prediction_length": 8, "num_channels": 3},
        )
    ]
