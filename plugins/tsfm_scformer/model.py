"""SCFormer: embedding (look-back + HiPPO state, eq. 2), structured channel-wise
transformer (eqs. 4-7 / 11-14), linear head. The core does the instance normalisation
and its inverse (RevIN without affine, eps 1e-5, as the official `use_norm`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from tsfm.errors import ConfigError, InputValidationError
from tsfm.spec import BackboneParts, BuildContext

from .hippo import ALIGNMENTS, MODES, HippoStateProvider
from .structured import ConvStack, TriangularLinear

VARIANTS = ("triangular", "conv")
TRIANGULAR_LAYOUTS = ("causal", "official")


@dataclass
class SCFormerConfig:
    """Paper/official defaults (spec "Defaults": D=512, d_hippo=512, 16 heads, kernel 32)."""

    variant: str = "triangular"  # "triangular" (masked weights) or "conv" (1-D convolutions)
    d_model: int = 512
    n_heads: int = 16
    e_layers: int = 2
    dropout: float = 0.1
    # HiPPO cumulative-history state (computed by the data stage, never inside the model).
    use_hippo: bool = True
    hippo_order: int = 512
    hippo_mode: str = "window"  # "window" (official 2048-step sliding state) or "full"
    hippo_window: int = 2048
    hippo_alignment: str = "before_window"  # see hippo.HippoAlignment
    # Triangular variant: "causal" = every map's output j sees inputs <= j (the paper);
    # "official" = Q/K/V/out see inputs >= j and the FFN inputs <= j (the official code).
    triangular_layout: str = "causal"
    # Eq. 4 puts a ReLU on Q, K, V; the official triangular code has none.
    qkv_relu: bool = False
    # Conv variant: Q/K/V = `qkv_conv_layers` convs of `qkv_kernel`; out/fc1/fc2 one conv of `conv_kernel`.
    qkv_kernel: int = 16
    qkv_conv_layers: int = 3
    conv_kernel: int = 32
    conv_padding: str = "causal"  # "causal" or "official" (non-causal, receptive field [j-k/2, j+k/2-1])
    # The official code moves its channel embedding with `.to(device)` after registering it, so on
    # a GPU it stays at its random init and is never trained. False reproduces that: a fixed
    # buffer (saved in the checkpoint, unlike the official one).
    train_channel_embedding: bool = True

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ConfigError(f"unknown SCFormer variant {self.variant!r}; use one of {VARIANTS}")
        if self.d_model < 1 or self.n_heads < 1 or self.d_model % self.n_heads:
            raise ConfigError(f"d_model ({self.d_model}) must be a positive multiple of n_heads ({self.n_heads})")
        if self.e_layers < 1:
            raise ConfigError(f"e_layers must be >= 1, got {self.e_layers}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")
        if self.hippo_mode not in MODES:
            raise ConfigError(f"unknown hippo_mode {self.hippo_mode!r}; use one of {MODES}")
        if self.hippo_alignment not in ALIGNMENTS:
            raise ConfigError(f"unknown hippo_alignment {self.hippo_alignment!r}; use one of {ALIGNMENTS}")
        if self.triangular_layout not in TRIANGULAR_LAYOUTS:
            raise ConfigError(f"unknown triangular_layout {self.triangular_layout!r}; use one of {TRIANGULAR_LAYOUTS}")
        if self.conv_padding not in ("causal", "official"):
            raise ConfigError(f"unknown conv_padding {self.conv_padding!r}; use 'causal' or 'official'")
        if self.hippo_order < 1 or self.hippo_window < 1:
            raise ConfigError("hippo_order and hippo_window must be >= 1")


def hippo_providers(config: SCFormerConfig) -> list[HippoStateProvider]:
    if not config.use_hippo:
        return []
    return [
        HippoStateProvider(
            order=config.hippo_order,
            mode=config.hippo_mode,  # type: ignore[arg-type]
            window=config.hippo_window,
            alignment=config.hippo_alignment,  # type: ignore[arg-type]
        )
    ]


class SCFormerEmbedding(nn.Module):
    """Z = Linear(concat(Linear_{L->D}(x_c), c_c)) + channel embedding, per variate (eq. 2)."""

    def __init__(self, context_length: int, num_channels: int, config: SCFormerConfig) -> None:
        super().__init__()
        d = config.d_model
        self.use_hippo = config.use_hippo
        self.hippo_order = config.hippo_order
        self.lookback = nn.Linear(context_length, d)
        self.merge = nn.Linear(d + config.hippo_order, d) if config.use_hippo else None
        channel = torch.empty(1, num_channels, d).uniform_(-0.02, 0.02)
        if config.train_channel_embedding:
            self.channel = nn.Parameter(channel)
        else:
            self.register_buffer("channel", channel)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, observed: torch.Tensor, features: Mapping[str, torch.Tensor]) -> torch.Tensor:
        tokens = self.lookback(x.transpose(1, 2))  # [B, C, D]
        if self.merge is not None:
            state = features["hippo_state"]
            expected = (x.shape[0], x.shape[2], self.hippo_order)
            if tuple(state.shape) != expected:
                raise InputValidationError(
                    f"hippo_state must be [batch, channels, order] = {list(expected)}, got {list(state.shape)}"
                )
            if not torch.isfinite(state).all():
                raise InputValidationError("hippo_state contains NaN/inf values")
            tokens = self.merge(torch.cat([tokens, state.to(tokens.dtype)], dim=-1))
        return self.dropout(tokens + self.channel)


def _structured_map(config: SCFormerConfig, role: str) -> nn.Module:
    """role: "qkv", "out" or "ffn"."""
    d = config.d_model
    if config.variant == "triangular":
        direction = "causal"
        if config.triangular_layout == "official" and role in ("qkv", "out"):
            direction = "anticausal"
        return TriangularLinear(d, direction)
    if role == "qkv":
        # Official conv Q/K/V: convs -> ReLU -> Dropout -> LayerNorm.
        return nn.Sequential(
            ConvStack(config.qkv_kernel, config.qkv_conv_layers, config.conv_padding),  # type: ignore[arg-type]
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.LayerNorm(d),
        )
    return ConvStack(config.conv_kernel, 1, config.conv_padding)  # type: ignore[arg-type]


class StructuredAttention(nn.Module):
    """Full softmax attention over variate tokens with structured Q/K/V/out maps."""

    def __init__(self, config: SCFormerConfig) -> None:
        super().__init__()
        self.heads = config.n_heads
        self.query = _structured_map(config, "qkv")
        self.key = _structured_map(config, "qkv")
        self.value = _structured_map(config, "qkv")
        self.out = _structured_map(config, "out")
        self.qkv_relu = config.qkv_relu and config.variant == "triangular"
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, d = x.shape
        q, k, v = self.query(x), self.key(x), self.value(x)
        if self.qkv_relu:
            q, k, v = F.relu(q), F.relu(k), F.relu(v)
        split = lambda t: t.reshape(batch, tokens, self.heads, d // self.heads).transpose(1, 2)
        attended = F.scaled_dot_product_attention(
            split(q), split(k), split(v), dropout_p=self.dropout if self.training else 0.0
        )
        return self.out(attended.transpose(1, 2).reshape(batch, tokens, d))


class SCFormerLayer(nn.Module):
    """iTransformer encoder layer: x = LN1(x + Drop(Attn(x))); LN2(x + Drop(FFN(x)))."""

    def __init__(self, config: SCFormerConfig) -> None:
        super().__init__()
        d = config.d_model
        self.attention = StructuredAttention(config)
        self.fc1 = _structured_map(config, "ffn")
        self.fc2 = _structured_map(config, "ffn")
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.dropout = nn.Dropout(config.dropout)

    def feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.fc2(self.dropout(F.gelu(self.fc1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.dropout(self.attention(x)))
        return self.norm2(x + self.feed_forward(x))


class SCFormerEncoder(nn.Module):
    def __init__(self, config: SCFormerConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(SCFormerLayer(config) for _ in range(config.e_layers))
        self.norm = nn.LayerNorm(config.d_model)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            tokens = layer(tokens)
        return self.norm(tokens)


class SCFormerHead(nn.Module):
    """Linear(D -> H) per variate token, transposed to [B, H, C]."""

    def __init__(self, d_model: int, prediction_length: int) -> None:
        super().__init__()
        self.projection = nn.Linear(d_model, prediction_length)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.projection(hidden).transpose(1, 2)


def build_scformer(config: SCFormerConfig, ctx: BuildContext) -> BackboneParts:
    if ctx.task != "forecast":
        raise ConfigError(f"SCFormer supports forecasting only, not {ctx.task!r}")
    return BackboneParts(
        embedding=SCFormerEmbedding(ctx.context_length, ctx.num_channels, config),
        backbone=SCFormerEncoder(config),
        head=SCFormerHead(config.d_model, ctx.prediction_length),
    )
