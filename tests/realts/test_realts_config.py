"""Bad input gives a ValueError subclass naming the problem; configs round-trip through JSON."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import realts
from realts import (AugmentConfig, ConfigError, LGBConfig, RealTSConfig, RWBConfig, TWDBConfig,
                    WaveConfig)


def test_default_config_is_the_authors_mixture() -> None:
    cfg = RealTSConfig()
    assert cfg.weights == {"ifftb1": 0.3, "ifftb2": 0.3, "rwb": 0.08, "seasonal": 0.08,
                           "pwb": 0.08, "twdb": 0.08, "lgb": 0.08}
    assert cfg.pwb.k_range == (1, 8) and cfg.pwb.amplitude_range == (0.5, 5.0)
    assert cfg.pwb.min_period == 11.0 and cfg.pwb.max_period_factor == 2.0
    assert cfg.lgb.capacity_range == (1.0, 10.0) and cfg.lgb.rate_range == (0.001, 0.1)
    assert cfg.twdb.slope_range == (-1.0, 1.0) and cfg.twdb.intercept_range == (-10.0, 10.0)


def test_json_round_trip() -> None:
    cfg = RealTSConfig(weights={"pwb": 0.5, "lgb": 0.5}, rwb=RWBConfig(step_sigma_range=(0.2, 0.3)),
                       augment=AugmentConfig(spike_p=0.4), normalize="zscore")
    again = RealTSConfig.from_json(cfg.to_json())
    assert again == cfg
    assert json.loads(again.to_json()) == json.loads(cfg.to_json())


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_series=0), "num_series"),
    (dict(num_series=-3), "num_series"),
    (dict(length=0), "length"),
    (dict(length=-5), "length"),
    (dict(length=8), "length must be >= 16"),
    (dict(length=100.0), "length must be an integer"),
    (dict(seed=-1), "seed"),
    (dict(start_index=-1), "start_index"),
    (dict(workers=0), "workers"),
    (dict(batch_size=0), "batch_size"),
])
def test_bad_generate_arguments(kwargs: dict, message: str) -> None:
    args = dict(num_series=4, length=64, seed=0) | kwargs
    with pytest.raises(ConfigError, match=message):
        realts.generate(**args)


@pytest.mark.parametrize("build, message", [
    (lambda: RealTSConfig(weights={"pwb": 0.5, "lgb": 0.4}), "sum to 1"),
    (lambda: RealTSConfig(weights={"pwb": 0.5, "nonsense": 0.5}), "unknown name"),
    (lambda: RealTSConfig(weights={"pwb": 1.5, "lgb": -0.5}), ">= 0"),
    (lambda: WaveConfig(amplitude_range=(5.0, 0.5)), "low > high"),
    (lambda: WaveConfig(k_range=(1, 9)), "k_range"),
    (lambda: WaveConfig(shape_weights={"sin": 1.0, "zigzag": 0.0}), "unknown name"),
    (lambda: LGBConfig(rate_range=(0.0, 0.1)), "low > 0"),
    (lambda: LGBConfig(capacity_range=(10, 1)), "low > high"),
    (lambda: RWBConfig(step_sigma_range=("a", 1)), "pair of numbers"),
    (lambda: TWDBConfig(trend_time_step=0), "trend_time_step"),
    (lambda: AugmentConfig(spike_p=1.5), "spike_p"),
    (lambda: AugmentConfig(replication_behaviours=("pwb", "wiggle")), "unknown behaviour"),
    (lambda: RealTSConfig(normalize="minmax"), "normalize"),
    (lambda: RealTSConfig().only("wiggle"), "unknown behaviour"),
    (lambda: RealTSConfig.from_dict({"weights": {"pwb": 1.0}, "colour": "red"}), "unknown key"),
    (lambda: RealTSConfig.from_dict({"pwb": {"k_range": 3}}), "must be a list"),
    (lambda: RealTSConfig.from_json("{not json"), "not valid JSON"),
])
def test_bad_config_values(build, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        build()
    assert isinstance(info.value, ValueError)


def test_length_dependent_ranges_are_checked() -> None:
    cfg = RealTSConfig(pwb=WaveConfig(min_period=500.0))
    with pytest.raises(ConfigError, match="min_period"):
        realts.generate(2, 200, 0, cfg)


def test_configs_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RealTSConfig().noise = False  # type: ignore[misc]


def test_zscore_normalisation_and_noise_free_switches() -> None:
    x = realts.generate(50, 128, 0, RealTSConfig(normalize="zscore"))
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(x.std(axis=1), 1, atol=1e-3)
    clean = RealTSConfig().only("lgb", noise=False, augmentations=False)
    y = realts.generate(20, 128, 0, clean)
    assert np.all(np.diff(y, axis=1) >= -1e-5)  # a noise-free logistic never decreases
