"""Entry point module of the built-in baselines (group "tsfm", name "baselines")."""

from __future__ import annotations

import tsfm
from tsfm.spec import BackboneSpec, Capabilities

from .linear import LinearConfig, build_linear
from .naive import NaiveConfig, SeasonalNaiveConfig, build_naive, build_seasonal_naive

_PARAMETER_FREE = dict(
    tasks=("forecast",),
    channel_independent=True,
    handles_missing=True,
    trainable=False,
    variable_context=True,
)


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="naive",
            config_cls=NaiveConfig,
            build=build_naive,
            capabilities=Capabilities(**_PARAMETER_FREE),
            description="last observed value repeated",
        ),
        BackboneSpec(
            name="seasonal_naive",
            config_cls=SeasonalNaiveConfig,
            build=build_seasonal_naive,
            capabilities=Capabilities(**_PARAMETER_FREE),
            description="last observed season repeated (season_length)",
            presets={"hourly": {"season_length": 24}, "15min": {"season_length": 96}},
        ),
        BackboneSpec(
            name="linear",
            config_cls=LinearConfig,
            build=build_linear,
            capabilities=Capabilities(tasks=("forecast",), channel_independent=True),
            paper="Li et al. 2023, RLinear (arXiv:2305.10721); Zeng et al. 2023, DLinear (AAAI)",
            description="RLinear / DLinear: instance norm + linear map over time",
            presets={
                "rlinear": {},
                "dlinear": {"decomposition": True, "affine": False, "individual": False},
            },
        ),
    ]
