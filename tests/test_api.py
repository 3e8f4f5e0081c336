"""Public API: registry, create_model, forecast on every input kind, round trips."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

import tsfm


def test_list_backbones_has_builtin_baselines():
    names = tsfm.list_backbones()
    assert {"naive", "seasonal_naive", "linear"} <= set(names)
    assert names == sorted(names)
    assert tsfm.get_spec("linear").distribution == "tsfm-platform"


def test_linear_save_load_bit_identical(tmp_path):
    torch.manual_seed(0)
    model = tsfm.create_model("linear", task="forecast", context_length=96, prediction_length=24, num_channels=3)
    # Perturb weights away from init so the test cannot pass by re-initialisation.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    context = np.random.default_rng(1).standard_normal((96, 3)).astype(np.float32)
    model.save_pretrained(tmp_path / "ckpt")
    loaded = tsfm.from_pretrained(tmp_path / "ckpt")
    a, b = model.forecast(context), loaded.forecast(context)
    assert a.shape == (24, 3)
    assert np.array_equal(a, b)
    config = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert config["backbone"] == "linear"
    assert config["plugin_distribution"] == "tsfm-platform"
    assert config["tsfm_version"] == tsfm.__version__
    assert config["backbone_config"]["affine"] is True
    card = (tmp_path / "ckpt" / "README.md").read_text()
    assert "library_name: tsfm" in card and "linear" in card


def test_forecast_returns_the_input_kind_and_shape():
    model = tsfm.create_model("seasonal_naive", context_length=48, prediction_length=30, num_channels=2, season_length=24)
    t = np.arange(60, dtype=np.float32)
    series = np.stack([np.sin(2 * np.pi * t / 24), np.cos(2 * np.pi * t / 24)], axis=1)
    out = model.forecast(series)
    assert isinstance(out, np.ndarray) and out.shape == (30, 2)
    # Seasonal naive on a pure 24-periodic signal continues it exactly.
    expected = np.stack([np.sin(2 * np.pi * (60 + np.arange(30)) / 24), np.cos(2 * np.pi * (60 + np.arange(30)) / 24)], 1)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    tensor = model.forecast(torch.from_numpy(series)[None].repeat(2, 1, 1))
    assert torch.is_tensor(tensor) and tensor.shape == (2, 30, 2)
    frame = pd.DataFrame(series, columns=["x", "y"], index=pd.date_range("2024-01-01", periods=60, freq="h"))
    df_out = model.forecast(frame)
    assert isinstance(df_out, pd.DataFrame) and list(df_out.columns) == ["x", "y"]
    assert df_out.index[0] == pd.Timestamp("2024-01-03 12:00")
    uni = tsfm.create_model("naive", context_length=10, prediction_length=4).forecast(np.arange(10.0))
    assert uni.shape == (4,) and np.all(uni == 9.0)


def test_shorter_prediction_length_truncates():
    model = tsfm.create_model("linear", context_length=16, prediction_length=8, num_channels=1)
    x = np.random.default_rng(0).standard_normal(16)
    np.testing.assert_array_equal(model.forecast(x, prediction_length=3), model.forecast(x)[:3])


def test_channel_independent_single_channel_model_accepts_any_channel_count():
    torch.manual_seed(0)
    model = tsfm.create_model("linear", context_length=16, prediction_length=4, num_channels=1)
    x = np.random.default_rng(0).standard_normal((16, 5)).astype(np.float32)
    together = model.forecast(x)
    assert together.shape == (4, 5)
    for c in range(5):
        np.testing.assert_allclose(together[:, c], model.forecast(x[:, c]), rtol=1e-5, atol=1e-6)


def test_naive_models_skip_missing_values():
    x = np.array([1.0, 2.0, 3.0, np.nan, np.nan])
    out = tsfm.create_model("naive", context_length=5, prediction_length=2).forecast(x)
    assert np.all(out == 3.0)


def test_constant_series_is_forecast_without_division_by_zero():
    model = tsfm.create_model("linear", context_length=16, prediction_length=4, num_channels=2)
    out = model.forecast(np.full((16, 2), 5.0, dtype=np.float32))
    assert np.isfinite(out).all()
    # Instance norm maps a constant window to zeros; the output is the constant plus
    # the (scaled by sqrt(eps)) head bias, so it stays within 1e-2 of the constant.
    np.testing.assert_allclose(out, 5.0, atol=1e-2)


def test_presets_and_overrides():
    model = tsfm.create_model("linear/dlinear", context_length=32, prediction_length=8)
    assert model.backbone_config.decomposition is True
    assert model.config.preset == "dlinear"
    with pytest.raises(TypeError, match="unknown hyperparameter"):
        tsfm.create_model("linear", context_length=32, prediction_length=8, not_a_field=1)
    with pytest.raises(KeyError, match="no preset"):
        tsfm.create_model("linear/nope", context_length=32, prediction_length=8)
