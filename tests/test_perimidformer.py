"""Peri-midFormer's paper-specific behaviour: the PPAM mask against hand-built pyramids,
feature flows, period selection (fitted on the training split, stored in the checkpoint),
the cached structure, and trimming."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tsfm
from tsfm.errors import ConfigError
from tsfm.testing import make_batch
from tsfm_perimidformer.periods import fit_train_periods, periods_from_amplitudes
from tsfm_perimidformer.pyramid import attention_mask, feature_flows, flow_weights, pyramid_layout

L = 96


def _hand_mask(spans: list[tuple[int, int]], levels: list[int]) -> np.ndarray:
    """Mask written out from the paper's rule, one pair at a time."""
    m = len(spans)
    mask = np.zeros((m, m), dtype=bool)
    for i in range(m):
        for j in range(m):
            if levels[i] == levels[j]:
                mask[i, j] = True
            elif abs(levels[i] - levels[j]) == 1:
                (a, b), (c, d) = spans[i], spans[j]
                mask[i, j] = max(a, c) < min(b, d)
    return mask


def _model(periods=None, horizon=8, channels=2, **kwargs) -> tsfm.TSModel:
    torch.manual_seed(0)
    hyper = {"d_model": 16, "n_heads": 2, "top_k": 3, **kwargs}
    if periods is not None:
        hyper["periods"] = periods
    return tsfm.create_model(
        "perimidformer", context_length=L, prediction_length=horizon, num_channels=channels, **hyper
    ).eval()


def test_mask_of_nested_pyramid_96_48_24():
    layout = pyramid_layout((96, 48, 24), L)
    assert layout.spans == ((0, 96), (0, 48), (48, 96), (0, 24), (24, 48), (48, 72), (72, 96))
    expected = np.array([
        # top  48a 48b 24a 24b 24c 24d
        [1, 1, 1, 0, 0, 0, 0],  # top: its level and both halves; not level 3
        [1, 1, 1, 1, 1, 0, 0],  # [0,48): top, its level, its two quarters
        [1, 1, 1, 0, 0, 1, 1],  # [48,96)
        [0, 1, 0, 1, 1, 1, 1],  # [0,24): its parent and its whole level
        [0, 1, 0, 1, 1, 1, 1],
        [0, 0, 1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1, 1, 1],
    ], dtype=bool)
    mask = attention_mask(layout)
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(mask, _hand_mask(list(layout.spans), list(layout.levels)))
    # The model attends with exactly this mask.
    model = _model(periods=(96, 48, 24))
    model(make_batch(model))
    structure = model.embedding.structures.get((96, 48, 24), torch.device("cpu"))
    np.testing.assert_array_equal(structure.mask.numpy(), expected)


def test_mask_of_overlapping_pyramid_96_48_32():
    layout = pyramid_layout((96, 48, 32), L)
    mask = attention_mask(layout)
    np.testing.assert_array_equal(mask, _hand_mask(list(layout.spans), list(layout.levels)))
    middle = layout.spans.index((32, 64))
    parents = [layout.spans[j] for j in np.nonzero(mask[middle])[0] if layout.levels[j] == 1]
    assert parents == [(0, 48), (48, 96)]  # the middle third overlaps both halves
    assert not mask[0, middle]  # no link between non-adjacent levels


def test_feature_flows_and_their_weights():
    layout = pyramid_layout((96, 48, 32), L)
    spans = [[layout.spans[m] for m in flow] for flow in feature_flows(layout)]
    assert spans == [
        [(0, 96), (0, 48), (0, 32)],
        [(0, 96), (0, 48), (32, 64)],
        [(0, 96), (48, 96), (32, 64)],
        [(0, 96), (48, 96), (64, 96)],
    ]
    weights = dict(zip(layout.spans, flow_weights(layout)))
    assert weights[(0, 96)] == 1.0 and weights[(0, 48)] == 0.5 and weights[(32, 64)] == 0.5
    assert weights[(0, 32)] == 0.25


def test_cached_head_equals_explicit_path_average():
    """The cached head (flow weights) computes exactly the mean over every explicit flow."""
    cached = _model(periods=(96, 48, 32))
    reference = _model(periods=(96, 48, 32), cache_structure=False)
    reference.load_state_dict(cached.state_dict())
    batch = make_batch(cached)
    with torch.no_grad():
        torch.testing.assert_close(cached(batch).prediction, reference(batch).prediction, atol=1e-5, rtol=1e-5)


def test_attention_respects_the_pyramid():
    """A level-3 token's output does not depend on the top token (non-adjacent level) but
    does on its parent."""
    model = _model(periods=(96, 48, 24))
    batch = make_batch(model, batch_size=1)
    state = model.embedding(batch["past_values"], torch.ones_like(batch["past_values"], dtype=torch.bool), {})
    tokens = state.tokens.detach().requires_grad_(True)
    out = model.backbone.layers[0](tokens, state.structure.mask)
    probe = torch.randn(out.shape[-1], generator=torch.Generator().manual_seed(0))
    # (a plain sum of a LayerNorm output has zero gradient, hence the random probe)
    (grad,) = torch.autograd.grad((out[:, 3] * probe).sum(), tokens)  # component [0, 24)
    assert grad[:, 0].abs().sum() == 0  # top level: not connected
    assert grad[:, 1].abs().sum() > 0  # its parent [0, 48)
    assert grad[:, 2].abs().sum() == 0  # the other half: no overlap


def test_structure_is_built_once_per_period_set():
    model = _model(periods=(96, 48, 24))
    batch = make_batch(model)
    model(batch)
    first = model.embedding.structures.get((96, 48, 24), torch.device("cpu"))
    model(batch)
    assert model.embedding.structures.get((96, 48, 24), torch.device("cpu")) is first
    assert len(model.embedding.structures._cache) == 1


def test_period_rule_follows_the_paper():
    amplitude = np.zeros(L // 2 + 1)
    amplitude[[0, 4, 8, 2]] = [100.0, 5.0, 4.0, 3.0]  # the DC term is ignored
    # top-3 = {2, 4, 8}; f=1 (the whole window) is prepended and the highest dropped.
    assert periods_from_amplitudes(amplitude, L, 3) == (96, 48, 24)
    amplitude[1] = 10.0
    assert periods_from_amplitudes(amplitude, L, 3) == (96, 24, 12)  # f=1 already selected


def test_periods_fitted_on_training_split_and_saved(tmp_path):
    t = np.arange(4000)[:, None]
    rng = np.random.default_rng(0)
    series = (np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal((4000, 2)))
    assert fit_train_periods(series, L, 3, 25) == (96, 24, 12)
    model = _model()
    assert model.needs_preparation
    model.prepare(series.astype(np.float32))
    assert model.embedding.stored_periods() == (96, 24, 12)
    loaded = tsfm.from_pretrained(model.save_pretrained(tmp_path / "ckpt"))
    assert loaded.embedding.stored_periods() == (96, 24, 12) and not loaded.needs_preparation


def test_official_batch_rule_is_batch_dependent_and_train_rule_is_not():
    batch = make_batch(_model(), batch_size=4)
    batch["past_values"][0] += torch.sin(torch.arange(L) * 2 * np.pi / 8.0)[:, None] * 5
    official = _model(period_selection="batch")
    with torch.no_grad():
        together = official(batch).prediction[1:2]
        alone = official({k: v[1:2] for k, v in batch.items()}).prediction
    assert not torch.allclose(together, alone, atol=1e-4)  # sample 1 sees sample 0's period


def test_trim_keeps_the_most_recent_points_by_default():
    oldest = pyramid_layout((96, 40), L)
    assert oldest.spans[1:] == ((16, 56), (56, 96))
    newest = pyramid_layout((96, 40), L, trim="newest")
    assert newest.spans[1:] == ((0, 40), (40, 80))


def test_bad_configuration_is_rejected():
    with pytest.raises(ConfigError, match="top_k"):
        _model(periods=None, top_k=1)
    with pytest.raises(ConfigError, match="descending"):
        _model(periods=(24, 96))
    with pytest.raises(ConfigError, match="exceeds the context length"):
        _model(periods=(128, 64))
    with pytest.raises(ConfigError, match="period_selection"):
        _model(period_selection="sample")
