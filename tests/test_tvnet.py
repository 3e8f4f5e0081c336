"""TVNet's paper-specific claims, at tiny sizes (the conformance suite covers the contract)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import tsfm
from tsfm.errors import ConfigError
from tsfm_tvnet.config import TVNetConfig
from tsfm_tvnet.dynamic import DynamicConv3d, TVNetBackbone
from tsfm.layers import interpolate_unobserved
from tsfm_tvnet.embedding import PatchEmbedding3D, TVNetEmbedding, merge_odd_even, split_odd_even


def _identity_patches(context: int, patch: int, stride: int) -> PatchEmbedding3D:
    embed = PatchEmbedding3D(context, patch, stride)
    with torch.no_grad():
        embed.conv.weight.copy_(torch.eye(patch)[:, None, :])
        embed.conv.bias.zero_()
    return embed


def test_3d_embedding_layout_is_eq1():
    """[B, L, C_m] -> [B, C_m, N, 2, P/2]: patch n of channel c, odd positions in row 0,
    even positions in row 1 -- read straight off the input, no axis scrambled."""
    batch, length, width, patch = 2, 48, 5, 8
    x = torch.randn(batch, length, width)
    out = _identity_patches(length, patch, patch)(x)
    assert out.shape == (batch, width, length // patch, 2, patch // 2)
    for n in range(length // patch):
        for j in range(patch // 2):
            torch.testing.assert_close(out[:, :, n, 0, j], x[:, n * patch + 2 * j, :])
            torch.testing.assert_close(out[:, :, n, 1, j], x[:, n * patch + 2 * j + 1, :])


@pytest.mark.parametrize("stride", [8, 4])
def test_3d_embedding_keeps_time_and_channel_axes_apart(stride):
    """Changing step t of channel c changes only channel c, and only the patches holding t
    (the official code's raw reshape spreads it over other channels and times)."""
    torch.manual_seed(0)
    length, width, patch = 40, 6, 8
    embed = PatchEmbedding3D(length, patch, stride)
    x = torch.randn(1, length, width)
    t, c = 17, 2
    bumped = x.clone()
    bumped[0, t, c] += 1.0
    diff = (embed(bumped) - embed(x)).abs().amax(dim=(0, 3, 4))  # [C_m, N]
    touched = {n for n in range(embed.num_patches) if n * stride <= t < n * stride + patch}
    for channel in range(width):
        for n in range(embed.num_patches):
            changed = bool(diff[channel, n] > 0)
            assert changed == (channel == c and n in touched), (channel, n)


def test_odd_even_split_is_inverted_by_merge():
    x = torch.randn(3, 4, 5, 12)
    assert split_odd_even(x).shape == (3, 4, 5, 2, 6)
    assert torch.equal(merge_odd_even(split_odd_even(x)), x)


def test_dynamic_conv_equals_explicit_per_sample_per_patch_weights():
    """alpha_i * (W_b * x) at patch i == (alpha_i * W_b) * x at patch i (eq. 2), computed
    here the slow way: one convolution per sample and patch with its own weights."""
    torch.manual_seed(1)
    block = DynamicConv3d(6, (3, 3, 3), dynamic=True, activation="none", dropout=0.0).eval()
    x = torch.randn(3, 6, 5, 2, 4)
    fast = block(x)
    alpha = block.alpha(x)  # [B, C_m, N]
    for b in range(x.shape[0]):
        for i in range(x.shape[2]):
            weight = alpha[b, :, i, None, None, None, None] * block.base.weight  # W_i, per output channel
            slow = F.conv3d(x[b : b + 1], weight, padding=1)[:, :, i]
            torch.testing.assert_close(fast[b : b + 1, :, i], slow, rtol=1e-5, atol=1e-5)


def test_alpha_is_one_plus_relu_terms_and_varies_per_patch():
    torch.manual_seed(2)
    block = DynamicConv3d(8, (3, 3, 3), dynamic=True, activation="none", dropout=0.0).eval()
    x = torch.randn(2, 8, 6, 2, 4) * torch.linspace(0.1, 3.0, 6)[:, None, None]
    alpha = block.alpha(x)
    assert alpha.shape == (2, 8, 6)
    assert bool((alpha >= 1.0).all()), "alpha = 1 + ReLU(.) + ReLU(.) >= 1"
    assert alpha.std(dim=-1).max() > 0, "alpha must vary across patches (eqs. 4-5)"


def test_static_ablation_has_alpha_one_and_no_dynamic_parameters():
    dynamic = DynamicConv3d(8, (3, 3, 3), True, "none", 0.0)
    static = DynamicConv3d(8, (3, 3, 3), False, "none", 0.0).eval()
    x = torch.randn(2, 8, 3, 2, 4)
    assert torch.equal(static.alpha(x), torch.ones(2, 8, 3))
    torch.testing.assert_close(static(x), static.base(x))
    assert sum(p.numel() for p in static.parameters()) < sum(p.numel() for p in dynamic.parameters())


def test_no_sample_sees_another_sample():
    """The gradient of sample 0's forecast w.r.t. sample 1's input is exactly zero
    (the official un-grouped convolution mixes every sample's weights)."""
    torch.manual_seed(3)
    model = tsfm.create_model("tvnet", context_length=32, prediction_length=8, num_channels=3,
                              d_model=8, num_layers=2, patch_len=8).eval()
    values = torch.randn(4, 32, 3, requires_grad=True)
    model({"past_values": values}).prediction[0].sum().backward()
    assert values.grad[0].abs().sum() > 0
    assert torch.equal(values.grad[1:], torch.zeros_like(values.grad[1:]))


@pytest.mark.parametrize("fill", ["interpolate", "zero"])
def test_unobserved_entries_enter_the_embedding_as_configured(fill):
    """missing_values="interpolate" embeds the straight line between observed neighbours;
    "zero" embeds the zeros the core puts at unobserved entries (the normalised mean)."""
    torch.manual_seed(0)
    config = TVNetConfig(d_model=4, num_layers=1, patch_len=8, dropout=0.0, missing_values=fill)
    embed = TVNetEmbedding(config, context_length=32, num_channels=2).eval()
    x = torch.randn(3, 32, 2)
    observed = torch.rand(3, 32, 2) > 0.4
    observed[:, 0] = True
    zeroed = torch.where(observed, x, torch.zeros_like(x))
    expected_input = interpolate_unobserved(zeroed, observed) if fill == "interpolate" else zeroed
    with torch.no_grad():
        got = embed(zeroed, observed, {})
        torch.testing.assert_close(got, embed(expected_input, torch.ones_like(observed), {}))
        assert not torch.allclose(got, embed(x, torch.ones_like(observed), {}))


def test_hidden_states_are_in_time_order():
    """With the blocks' base kernels at zero the backbone is the identity, so the hidden
    output [B, N*P, C_m] must give back the (identity-)patched input step by step."""
    config = TVNetConfig(d_model=4, num_layers=2, patch_len=8, dropout=0.0)
    backbone = TVNetBackbone(config).eval()
    for block in backbone.blocks:
        torch.nn.init.zeros_(block.base.weight)
    x = torch.randn(2, 32, 4)
    hidden = backbone(_identity_patches(32, 8, 8)(x))
    assert hidden.shape == (2, 32, 4)
    torch.testing.assert_close(hidden, x)


def _backbone_flops(context: int, width: int) -> int:
    config = TVNetConfig(d_model=width, num_layers=2, patch_len=8, dropout=0.0)
    backbone = TVNetBackbone(config).eval()
    x = torch.randn(1, width, context // 8, 2, 4)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        backbone(x)
    return counter.get_total_flops()


def test_complexity_is_linear_in_length_and_quadratic_in_width():
    """FLOPs = O(L * C_m^2) (eq. 9)."""
    base = _backbone_flops(64, 16)
    assert _backbone_flops(128, 16) / base == pytest.approx(2.0, rel=0.02)
    assert _backbone_flops(64, 32) / base == pytest.approx(4.0, rel=0.05)


def test_backbone_parameters_do_not_depend_on_context_length():
    """Space O(C_m^2 + L*C_m): only the activations (and the head's L -> H map) grow with L."""
    sizes = []
    for context in (96, 720):
        model = tsfm.create_model("tvnet", context_length=context, prediction_length=24, num_channels=7)
        sizes.append((sum(p.numel() for p in model.embedding.parameters()),
                      sum(p.numel() for p in model.backbone.parameters())))
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("bad", [{"patch_len": 7}, {"patch_stride": 30, "patch_len": 24},
                                 {"kernel_size": (3, 2, 3)}, {"activation": "tanh"},
                                 {"missing_values": "mean"}])
def test_bad_configuration_is_rejected(bad):
    with pytest.raises(ConfigError):
        tsfm.create_model("tvnet", context_length=32, prediction_length=8, num_channels=3, **bad)
