"""Entry point module of FilterTS (group "tsfm", name "filterts")."""

from __future__ import annotations

import tsfm
from tsfm.spec import BackboneSpec, Capabilities

from .model import FilterTSConfig, build_filterts
from .presets import PRESETS


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="filterts",
            config_cls=FilterTSConfig,
            build=build_filterts,
            # Cross-variable (dynamic filters), fixed L and H, complete windows only.
            capabilities=Capabilities(tasks=("forecast",), min_context_length=2),
            paper="Wang et al. 2025, FilterTS: Comprehensive Frequency Filtering for "
            "Multivariate Time Series Forecasting (AAAI), https://github.com/wyl010607/FilterTS",
            presets=PRESETS,
            description="FilterTS: static global + dynamic cross-variable frequency filters",
            test_overrides={"d_model": 16, "e_layers": 2},
            test_sizes={"context_length": 24, "prediction_length": 8, "num_channels": 3},
        )
    ]
