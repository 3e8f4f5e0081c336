"""FilterTS: the paper's and the official code's specific behaviour, tiny sizes.

Covers the static-mask folds (contiguous vs the code's modulo fold, checked on ETTh1),
the time-to-frequency embedding, the dynamic filters' quantile threshold, the complex
operations, layer chaining vs the official unchained bug, the official parameter count,
and checkpoints whose static filters come from the checkpoint alone (local folder and a
Hub id served on loopback).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import tsfm
from tsfm.data import load_forecast_data
from tsfm.evaluation.scoring import score_dataset
from tsfm.experiment import run_forecast_experiment, training_config_for
from tsfm.training import TrainingConfig
from tsfm_filterts import static_masks
from tsfm_filterts.complex_ops import complex_relu, complex_softmax
from tsfm_filterts.filters import DynamicCrossVariableFilter, quantile_last_dim
from tsfm_filterts.presets import PAPER_RESULTS, PRESETS
from tsfm_filterts.static_masks import folded_spectrum, static_filter_mask

TINY = dict(d_model=16, e_layers=2)


def _sine_series(length: int, periods: tuple[float, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length)[:, None]
    columns = [np.sin(2 * np.pi * t[:, 0] / p) for p in periods]
    return (np.stack(columns, 1) + 0.01 * rng.standard_normal((length, len(periods)))).astype(np.float32)


# ----------------------------------------------------------------------------- static masks
def test_contiguous_fold_puts_a_period_on_the_windows_frequency_grid_modulo_does_not():
    # T = 8640 rows, L = 96: the window's zero-padded FFT has bins f / 192 cycles per step.
    train = _sine_series(8640, (24.0, 12.0))
    contiguous = folded_spectrum(train, 96, "contiguous")
    modulo = folded_spectrum(train, 96, "modulo")
    # Daily (1/24 = 8/192) and 12-hour (16/192) components:
    assert int(contiguous[:, 0].argmax()) == 8 and int(contiguous[:, 1].argmax()) == 16
    # The official reshape folds training frequency 360 (resp. 720) modulo 96 bins.
    assert int(modulo[:, 0].argmax()) == 360 % 96 == 72 and int(modulo[:, 1].argmax()) == 720 % 96 == 48


def test_etth1_static_bins_match_the_spec(data_dir):
    train = load_forecast_data("ETTh1", 96, 96).split("train")
    modulo = folded_spectrum(train, 96, "modulo")
    contiguous = folded_spectrum(train, 96, "contiguous")
    hufl_modulo = set(np.argsort(-modulo[:, 0], kind="stable")[:10].tolist())
    hufl_contiguous = set(np.argsort(-contiguous[:, 0], kind="stable")[:10].tolist())
    assert {72, 48} <= hufl_modulo and not {8, 16} <= hufl_modulo
    assert {8, 16} <= hufl_contiguous


def test_mask_is_summed_bands_padded_or_truncated_to_d_model():
    train = _sine_series(2 * 96 * 10, (24.0, 8.0, 48.0))
    wide = static_filter_mask(train, 96, 128, num_filters=3, bandwidth=1, fold="contiguous")
    assert wide.shape == (3, 128) and wide.dtype == np.float32
    assert not wide[:, 96:].any(), "bins beyond the window's grid are zero-padded"
    assert set(np.unique(wide)) <= {0.0, 1.0, 2.0, 3.0}
    # 3 bands of width 3 per variable: at most 9 in total, overlaps add up.
    assert (wide.sum(1) <= 9).all() and (wide.sum(1) >= 5).all()
    narrow = static_filter_mask(train, 96, 32, num_filters=3, bandwidth=1, fold="contiguous")
    np.testing.assert_array_equal(narrow, wide[:, :32])
    single = static_filter_mask(train, 96, 128, num_filters=1, bandwidth=0, fold="contiguous")
    assert (single.sum(1) == 1).all() and single[0, 8] == 1  # period 24 -> bin 8


def test_prepare_rejects_short_or_incomplete_training_split():
    model = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=2, **TINY)
    with pytest.raises(tsfm.InputValidationError, match="at least"):
        model.prepare(np.zeros((40, 2), np.float32))
    bad = _sine_series(480, (12.0, 6.0))
    bad[5, 1] = np.nan
    with pytest.raises(tsfm.InputValidationError, match="NaN"):
        model.prepare(bad)
    assert model.needs_preparation


def test_unprepared_model_refuses_to_forecast():
    model = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=2, **TINY)
    assert not bool(model.prepared) and not model.backbone.static_mask.any()
    with pytest.raises(RuntimeError, match="prepare"):
        model.forecast(np.zeros((24, 2), np.float32))
    model.prepare(_sine_series(480, (12.0, 6.0)))
    assert bool(model.prepared) and model.backbone.static_mask.any()
    assert model.forecast(np.zeros((24, 2), np.float32)).shape == (8, 2)


def test_static_mask_buffer_drives_the_output():
    torch.manual_seed(0)
    model = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=2, **TINY)
    model.prepare(_sine_series(480, (12.0, 6.0)))
    context = _sine_series(24, (12.0, 6.0), seed=1)
    before = model.forecast(context)
    model.backbone.static_mask.zero_()
    assert not np.allclose(before, model.forecast(context))


# ----------------------------------------------------------------------------- modules
def test_fourier_interpolation_embedding_is_the_padded_rfft():
    model = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=2,
                              d_model=40, embedding="fourier_interpolate")
    x = torch.randn(3, 24, 2)
    out = model.embedding(x, torch.ones_like(x, dtype=torch.bool), {})
    expected = torch.fft.rfft(torch.cat([x, torch.zeros_like(x)], 1), dim=1).transpose(1, 2)  # 25 bins
    assert out.shape == (3, 2, 40) and out.is_complex()
    torch.testing.assert_close(out[..., :25], expected)
    assert not out[..., 25:].abs().any()
    small = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=2, d_model=10,
                              embedding="fourier_interpolate")
    torch.testing.assert_close(small.embedding(x, None, {}), expected[..., :10])


def test_complex_softmax_keeps_phase_and_normalises_magnitudes():
    z = torch.randn(4, 6, dtype=torch.cfloat, requires_grad=True)
    activated = complex_relu(z)
    assert (activated.real >= 0).all() and (activated.imag >= 0).all()
    out = complex_softmax(activated, dim=-1)
    torch.testing.assert_close(out.abs().sum(-1), torch.ones(4))
    nonzero = activated.abs() > 0
    torch.testing.assert_close(torch.angle(out)[nonzero], torch.angle(activated)[nonzero])
    out.real.sum().backward()
    assert torch.isfinite(torch.view_as_real(z.grad)).all(), "exact zeros after ReLU must not give NaN"


@pytest.mark.parametrize("size", [1, 2, 20, 128])
@pytest.mark.parametrize("q", [0.0, 0.5, 0.9, 1.0])
def test_fast_quantile_threshold_equals_torch_quantile(size, q):
    values = torch.rand(8, 3, size, generator=torch.Generator().manual_seed(size))
    expected = torch.quantile(values, q, dim=-1, keepdim=True)
    got = quantile_last_dim(values, q)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=0)
    assert torch.equal(values > got, values > expected)


def test_dynamic_filters_use_only_components_above_the_quantile():
    torch.manual_seed(0)
    layer = DynamicCrossVariableFilter(channels=2, d_model=20, quantile=0.9)
    x = torch.randn(1, 2, 20, dtype=torch.cfloat) * 0.01
    x[0, 0, 3] = 5.0  # the strong components: bin 3 and 4 of variable 0, bin 11 of variable 1
    x[0, 0, 4] = 4.0
    x[0, 1, 11] = 3.0
    with torch.no_grad():
        layer.gate.fill_(1.0)  # output = (x * A') * G: zero wherever no filter passes
        out = layer(x)
    passing = out[0].abs().sum(0) > 0
    # The 0.9 quantile of 20 magnitudes keeps the 2 largest of each variable.
    allowed = torch.zeros(20, dtype=torch.bool)
    allowed[[3, 4, 11]] = True
    strongest_1 = int(x[0, 1].abs().topk(2).indices[1])
    allowed[strongest_1] = True
    assert not (passing & ~allowed).any(), passing.nonzero().flatten().tolist()


# ----------------------------------------------------------------------------- layers
def test_official_configuration_has_the_official_parameter_count():
    official = tsfm.create_model("filterts/etth1-96", num_channels=7, embedding="linear",
                                 static_mask="modulo", chain_layers=False)
    assert official.num_parameters() == 118_676  # the spec's count for the ETTh1-96 script
    assert official.backbone.static_mask.shape == (7, 128)


def test_chained_layers_all_learn_unchained_layers_before_the_last_do_not():
    train = _sine_series(480, (12.0, 6.0, 8.0))
    batch = {"past_values": torch.from_numpy(_sine_series(32, (12.0, 6.0, 8.0), 1)[None, :24].copy()),
             "future_values": torch.from_numpy(_sine_series(32, (12.0, 6.0, 8.0), 1)[None, 24:].copy())}
    grads = {}
    for chained in (True, False):
        torch.manual_seed(0)
        model = tsfm.create_model("filterts", context_length=24, prediction_length=8, num_channels=3,
                                  d_model=16, e_layers=3, chain_layers=chained)
        model.prepare(train)
        model(batch).loss.backward()
        grads[chained] = [all(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())
                          for layer in model.backbone.layers]
    assert grads[True] == [True, True, True]
    assert grads[False] == [False, False, True]  # the official code's effective depth is 1


def test_presets_follow_the_script_table():
    spec = tsfm.get_spec("filterts")
    assert {k for k in PRESETS if k.startswith("ett")} == {
        f"{d}-{h}" for d in ("etth1", "etth2", "ettm1", "ettm2") for h in (96, 192, 336, 720)}
    cfg = spec.make_config("etth2-336")
    assert (cfg.e_layers, cfg.d_model) == (1, 128)
    training = training_config_for("filterts/etth1-720")
    assert (training.learning_rate, training.batch_size, training.epochs, training.patience,
            training.lr_schedule, training.seed) == (5e-4, 32, 10, 3, "type1", 2021)
    assert PAPER_RESULTS[("ETTh1", 96, 96)] == {"mse": 0.374, "mae": 0.391}


# ----------------------------------------------------------------------------- checkpoints
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny FilterTS trained on a small CSV (1 epoch), saved; with its data and score."""
    import pandas as pd

    root = tmp_path_factory.mktemp("filterts")
    values = _sine_series(600, (24.0, 12.0, 8.0), seed=2)
    frame = pd.DataFrame(values, columns=["a", "b", "OT"])
    frame.insert(0, "date", pd.date_range("2021-01-01", periods=600, freq="h").strftime("%Y-%m-%d %H:%M:%S"))
    csv = root / "tiny.csv"
    frame.to_csv(csv, index=False)
    training = TrainingConfig(output_dir=str(root / "run"), epochs=1, batch_size=32,
                              learning_rate=1e-3, progress=False, resume=False)
    row = run_forecast_experiment("filterts", csv, 24, 8, training, backbone_kwargs=TINY,
                                  save_to=root / "ckpt")
    data = load_forecast_data(csv, 24, 8)
    return {"folder": root / "ckpt", "row": row, "test": data.windows("test"),
            "context": data.split("test")[-24:]}


def _forbid_training_data(monkeypatch):
    """Loading must not read data or refit the static filters."""
    def refuse(*args, **kwargs):
        raise AssertionError("training data was read while loading a checkpoint")

    import tsfm.data
    import tsfm.data.forecasting
    import tsfm.data.frames

    for module, names in ((tsfm.data, ("load_forecast_data",)),
                          (tsfm.data.forecasting, ("load_forecast_data", "read_table")),
                          (tsfm.data.frames, ("read_table",)),
                          (static_masks, ("static_filter_mask", "folded_spectrum")),
                          (np.fft, ("rfft",))):
        for name in names:
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse)
    import tsfm_filterts.model

    monkeypatch.setattr(tsfm_filterts.model, "static_filter_mask", refuse)
    monkeypatch.setattr(tsfm_filterts.model.FilterTSBackbone, "fit_static_filters", refuse)


def test_loaded_checkpoint_reproduces_test_mse_without_training_data(trained, monkeypatch):
    _forbid_training_data(monkeypatch)
    loaded = tsfm.from_pretrained(trained["folder"])
    assert bool(loaded.prepared) and loaded.backbone.static_mask.any()
    scores = score_dataset(loaded, trained["test"])
    assert scores["mse"] == trained["row"]["test_mse"] and scores["mae"] == trained["row"]["test_mae"]


def test_from_pretrained_by_hub_id_gives_identical_forecasts(trained, tmp_path):
    from hubserver import hf_hub_env, make_local_model_repo, serve_hub

    local = tsfm.from_pretrained(trained["folder"])
    expected = local.forecast(trained["context"])
    repos = tmp_path / "repos"
    make_local_model_repo(repos, "tsfm-org/filterts-etth1", source_dir=trained["folder"])
    with serve_hub(repos) as endpoint, hf_hub_env(endpoint, cache_dir=tmp_path / "hf-cache"):
        from_hub = tsfm.from_pretrained("tsfm-org/filterts-etth1")
    assert from_hub.config.backbone == "filterts" and bool(from_hub.prepared)
    assert dataclasses.asdict(from_hub.backbone_config) == dataclasses.asdict(local.backbone_config)
    torch.testing.assert_close(from_hub.backbone.static_mask, local.backbone.static_mask, rtol=0, atol=0)
    assert np.array_equal(from_hub.forecast(trained["context"]), expected)
