"""SCFormer's specific claims: structured (causal) feature maps, the HiPPO-LegS state
(fast path == step-by-step recurrence; no target leakage), data-stage wiring, presets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import tsfm
from tsfm.errors import ConfigError, InputValidationError
from tsfm.testing import conformance_cases
from tsfm_scformer import hippo
from tsfm_scformer.hippo import HippoStateProvider, legs_states, legs_states_reference
from tsfm_scformer.model import SCFormerConfig
from tsfm_scformer.presets import PAPER_RESULTS
from tsfm_scformer.structured import ConvStack, TriangularLinear

TINY = dict(d_model=16, n_heads=2, e_layers=1, hippo_order=8, hippo_window=40, qkv_kernel=4, conv_kernel=4)


def _series(length: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length)[:, None]
    return (np.sin(t / 7.0 + rng.uniform(0, 3, channels)) + 0.3 * rng.standard_normal((length, channels))).astype(np.float32)


# ----------------------------------------------------------------------------- registry
def test_both_variants_are_in_the_conformance_suite():
    names = {case.backbone for case in conformance_cases()}
    assert {"scformer", "scformer_conv"} <= names
    assert tsfm.get_spec("scformer").make_config().variant == "triangular"
    assert tsfm.get_spec("scformer_conv").make_config().variant == "conv"
    # The authors' scripts run ETTm* with the conv variant.
    assert tsfm.get_spec("scformer").make_config("ettm1").variant == "conv"


def test_parameter_counts_match_the_official_code():
    # Spec: ETTh1 (D=256, 2 layers, d_hippo 512) triangular 1,040,224; conv 254,296.
    tri = tsfm.create_model("scformer/etth1", context_length=96, prediction_length=96, num_channels=7)
    conv = tsfm.create_model("scformer_conv/etth1", context_length=96, prediction_length=96, num_channels=7)
    assert tri.num_parameters() == 1_040_224
    assert conv.num_parameters() == 254_296


def test_bad_config_is_rejected():
    with pytest.raises(ConfigError, match="variant"):
        SCFormerConfig(variant="dense")
    with pytest.raises(ConfigError, match="n_heads"):
        SCFormerConfig(d_model=30, n_heads=16)
    with pytest.raises(ConfigError, match="hippo_alignment"):
        SCFormerConfig(hippo_alignment="first_target")


# ----------------------------------------------------------------------------- causality
def _dependence(fn, features: int, j: int) -> torch.Tensor:
    """|f(x + e_j) - f(x)| per output feature, for a batch of random x."""
    torch.manual_seed(0)
    x = torch.randn(3, 4, features)
    bumped = x.clone()
    bumped[..., j] += 1.0
    with torch.no_grad():
        return (fn(bumped) - fn(x)).abs().amax(dim=(0, 1))


def _structured_maps(model) -> dict[str, torch.nn.Module]:
    layer = model.backbone.layers[0]
    att = layer.attention
    return {"query": att.query, "key": att.key, "value": att.value, "out": att.out,
            "fc1": layer.fc1, "fc2": layer.fc2}


@pytest.mark.parametrize("j", [0, 5, 11, 15])
def test_triangular_maps_are_causal_over_features(j):
    model = tsfm.create_model("scformer", context_length=24, prediction_length=6, num_channels=3, **TINY).eval()
    layer = model.backbone.layers[0]
    maps = _structured_maps(model)
    maps["ffn block"] = layer.feed_forward  # fc1 -> GELU -> fc2 keeps the constraint
    for name, fn in maps.items():
        assert isinstance(fn, TriangularLinear) or name == "ffn block"
        change = _dependence(fn, 16, j)
        assert torch.all(change[:j] == 0), f"{name}: perturbing feature {j} changed earlier features"
        assert change[j] > 0, f"{name}: feature {j} should depend on itself"


def test_official_triangular_layout_runs_the_attention_maps_the_other_way():
    model = tsfm.create_model("scformer", context_length=24, prediction_length=6, num_channels=3,
                              triangular_layout="official", **TINY).eval()
    maps = _structured_maps(model)
    change = _dependence(maps["query"], 16, 8)
    assert torch.all(change[9:] == 0) and torch.any(change[:8] > 0)
    change = _dependence(maps["fc1"], 16, 8)
    assert torch.all(change[:8] == 0)


@pytest.mark.parametrize("j", [0, 7, 15])
def test_conv_maps_are_causal_over_features(j):
    model = tsfm.create_model("scformer_conv", context_length=24, prediction_length=6, num_channels=3, **TINY).eval()
    for name, fn in _structured_maps(model).items():
        stack = fn[0] if isinstance(fn, torch.nn.Sequential) else fn  # Q/K/V: convs -> ReLU -> Dropout -> LN
        assert isinstance(stack, ConvStack) and stack.padding == "causal"
        change = _dependence(stack, 16, j)
        assert torch.all(change[:j] == 0), f"{name}: perturbing feature {j} changed earlier features"
        assert change[j] > 0


@pytest.mark.parametrize("padding", ["causal", "official"])
@pytest.mark.parametrize("kernel, layers", [(16, 3), (32, 1), (5, 2)])
def test_toeplitz_conv_equals_torch_conv1d(padding, kernel, layers):
    torch.manual_seed(kernel)
    stack = ConvStack(kernel, layers, padding)
    x = torch.randn(3, 5, 64)
    torch.testing.assert_close(stack(x), stack.reference(x), rtol=1e-5, atol=1e-6)


def test_official_conv_padding_is_not_causal():
    # The spec's finding: padding k/2 and keeping the first D outputs sees [j-k/2, j+k/2-1].
    torch.manual_seed(0)
    stack = ConvStack(kernel_size=16, layers=1, padding="official")
    change = _dependence(stack.reference, 64, 40)
    assert torch.all(change[:33] == 0) and torch.all(change[33:49] > 0) and torch.all(change[49:] == 0)
    causal = ConvStack(kernel_size=16, layers=3, padding="causal")
    change = _dependence(causal, 64, 40)
    assert torch.all(change[:40] == 0) and torch.all(change[40 : 40 + 3 * 15 - 20] > 0)


# ----------------------------------------------------------------------------- HiPPO state
@pytest.mark.parametrize("order", [16, 256])
def test_fast_full_state_equals_step_by_step_recurrence(order):
    x = _series(order + 60, seed=order)  # > order steps: both the dense and the structured solve run
    reference = legs_states_reference(x, order)  # scipy bilinear discretisation, one step at a time
    fast = legs_states(x, order, "full")
    assert fast.shape == reference.shape == (len(x) + 1, 2, order)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-5)
    assert np.abs(reference).max() > 0.1  # a real signal, not a trivially small state


@pytest.mark.parametrize("order, window", [(16, 50), (64, 120)])
def test_fast_window_state_equals_step_by_step_recurrence(order, window):
    x = _series(320, seed=1)
    reference = legs_states_reference(x, order, window=window)  # restart from zero over x[t-W:t]
    np.testing.assert_allclose(legs_states(x, order, "window", window=window), reference, rtol=0, atol=1e-5)
    # The overlap-save FFT over several blocks gives the same FIR states.
    blocked = np.zeros_like(reference, dtype=np.float32)
    blocked[: window + 1] = reference[: window + 1]
    hippo._fir_states(x.astype(np.float64), hippo.window_kernel(order, window), blocked, block=64)
    np.testing.assert_allclose(blocked, reference, rtol=0, atol=1e-5)


def _target_leak(provider, series: np.ndarray, context_length: int) -> list[int]:
    """Rows s whose state changes when the window's first target step x[s+L] changes."""
    base = provider.compute(series, context_length)
    leaky = []
    for s in range(0, len(series) - context_length, 11):
        bumped = series.copy()
        bumped[s + context_length] += 5.0  # only the first target step
        if not np.array_equal(provider.compute(bumped, context_length)[s], base[s]):
            leaky.append(s)
    return leaky


@dataclasses.dataclass(frozen=True)
class _OfficialCustomLoaderAlignment(HippoStateProvider):
    """The official Custom loader's row index (window start + L): includes x[s+L]."""

    def offset(self, context_length: int) -> int:
        return context_length + 1

    def compute(self, series, context_length):  # reads one step beyond the context
        rows = len(series) - context_length + 1
        states = legs_states(series, self.order, self.mode, self.window)
        padded = np.concatenate([states, states[-1:]], axis=0)
        return padded[context_length + 1 : context_length + 1 + rows]


@pytest.mark.parametrize("alignment", ["before_window", "window_start", "context_end"])
@pytest.mark.parametrize("mode", ["window", "full"])
def test_state_never_sees_the_first_target_step(alignment, mode):
    series = _series(140, seed=3).astype(np.float64)
    provider = HippoStateProvider(order=8, mode=mode, window=30, alignment=alignment)
    assert _target_leak(provider, series, 16) == []
    # The same check catches the official Custom loader's one-step leak.
    leaky = _OfficialCustomLoaderAlignment(order=8, mode=mode, window=30)
    assert len(_target_leak(leaky, series, 16)) > 0


def test_default_alignment_is_the_history_strictly_before_the_window():
    series = _series(120, seed=4).astype(np.float64)
    length, s = 16, 50
    provider = HippoStateProvider(order=8, mode="full", window=30)
    rows = provider.compute(series, length)
    assert rows.shape == (len(series) - length + 1, 2, 8)
    np.testing.assert_allclose(rows[s], legs_states_reference(series[:s], 8)[-1], atol=1e-5)
    assert np.all(rows[0] == 0)  # nothing precedes the first window
    changed = series.copy()
    changed[s] += 1.0  # the window's own first step: not part of its history state
    assert np.array_equal(provider.compute(changed, length)[s], rows[s])
    changed[s - 1] += 1.0  # the last step before the window: part of it
    assert not np.array_equal(provider.compute(changed, length)[s], rows[s])


def test_nan_history_is_rejected():
    series = _series(60)
    series[10, 0] = np.nan
    with pytest.raises(InputValidationError, match="NaN"):
        HippoStateProvider(order=8).compute(series, 16)


# ----------------------------------------------------------------------------- wiring
def _tiny(name: str = "scformer", **kw):
    torch.manual_seed(0)
    return tsfm.create_model(name, context_length=16, prediction_length=4, num_channels=2, **{**TINY, **kw}).eval()


def test_data_stage_puts_the_cached_state_of_each_window_in_the_batch():
    from tsfm.data.forecasting import WindowDataset

    model = _tiny()
    values = _series(200)
    data = WindowDataset(values, 16, 4, start=60, end=200, feature_providers=model.feature_providers)
    rows = model.feature_providers[0].compute(values, 16)
    item = data[5]
    s = int(data.starts[5])
    assert torch.equal(item["hippo_state"], torch.as_tensor(rows[s]))
    assert torch.equal(item["past_values"], torch.from_numpy(values[s : s + 16]))


def test_forecast_uses_the_longer_history_or_a_caller_state():
    model = _tiny()
    history = _series(150, seed=2)
    context = history[-16:]
    with_history = model.forecast(context, history=history)
    without = model.forecast(context)  # the history then is the context alone
    assert not np.allclose(with_history, without)
    # A caller may pass the state directly: row -1 of the provider for that history.
    state = model.feature_providers[0].compute(history, 16)[-1]
    batch = {"past_values": torch.from_numpy(context)[None], "hippo_state": torch.from_numpy(state)[None]}
    with torch.no_grad():
        direct = model(batch).prediction[0].numpy()
    np.testing.assert_allclose(direct, with_history, rtol=1e-5, atol=1e-5)
    with pytest.raises(InputValidationError, match="hippo_state"):
        model({"past_values": torch.from_numpy(context)[None]})


def test_without_hippo_ablation_needs_no_state():
    model = _tiny(use_hippo=False)
    assert model.feature_providers == []
    out = model.forecast(_series(16))
    assert out.shape == (4, 2) and np.isfinite(out).all()


def test_paper_table_is_complete():
    assert len(PAPER_RESULTS) == 16
    assert PAPER_RESULTS[("ETTh1", 96, 96)] == {"mse": 0.374, "mae": 0.394}  # triangular
    assert PAPER_RESULTS[("ETTm1", 96, 96)] == {"mse": 0.322, "mae": 0.362}  # conv


def test_fixed_channel_embedding_is_not_trained_but_is_saved(tmp_path):
    # train_channel_embedding=False reproduces the official GPU runs, where the channel
    # embedding stays at its random init; ours is a buffer so a checkpoint still restores it.
    trained, fixed = _tiny(), _tiny(train_channel_embedding=False)
    assert fixed.num_parameters() == trained.num_parameters() - 2 * TINY["d_model"]
    channel = fixed.embedding.channel
    assert not channel.requires_grad
    fixed.save_pretrained(tmp_path / "fixed")
    loaded = tsfm.from_pretrained(tmp_path / "fixed")
    torch.testing.assert_close(loaded.embedding.channel, channel)
    assert not loaded.embedding.channel.requires_grad


def test_reproduce_recipe_names_every_override_in_the_row_setting(load_recipe):
    # A variant must never overwrite the main grid's row: each override shows in `setting`.
    recipe = load_recipe("reproduce_scformer")
    args = recipe.parse_args(["--datasets", "ETTh1", "--horizons", "720", "--hippo-mode", "full",
                              "--set", "train_channel_embedding=false", "--set", "hippo_alignment=window_start"])
    [(dataset, horizon, setting, overrides)] = recipe.cells(args)
    assert (dataset, horizon) == ("ETTh1", 720)
    assert setting == "triangular/hippo full/train_channel_embedding=False/hippo_alignment=window_start"
    assert overrides == {"hippo_mode": "full", "train_channel_embedding": False, "hippo_alignment": "window_start"}
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        recipe.parse_overrides(["no_equals_sign"])
    # A bad override fails before any data is read or any cell trains.
    threads = torch.get_num_threads()  # main() sets the process's torch threads
    try:
        with pytest.raises(TypeError, match="unknown hyperparameter"):
            recipe.main(["--datasets", "ETTh1", "--horizons", "96", "--set", "no_such_field=1"])
        with pytest.raises(ConfigError, match="hippo_mode"):
            recipe.main(["--datasets", "ETTh1", "--horizons", "96", "--set", "hippo_mode=sideways"])
    finally:
        torch.set_num_threads(threads)
