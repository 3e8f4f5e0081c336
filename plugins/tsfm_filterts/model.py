"""FilterTS as tsfm `BackboneParts`.

    x [B, L, N] (core instance norm: mean, sqrt(var + 1e-5), no affine)
      -> TimeToFrequencyEmbedding: FFT of the window zero-padded to 2L -> X [B, N, D] complex
      -> FilterTSBackbone: E = CLN(X); e FilterLayers; Z = h + E
      -> FrequencyToTimeHead: complex Linear(D -> D), [Re || Im] -> Linear(2D -> H) -> [B, H, N]
      -> core de-normalisation.

Deviations from the official code are options (see docs/filterts.md):
  chain_layers=True   the paper: each layer takes the previous layer's output and has its
                      own complex LayerNorm. False is the official code: every layer is
                      applied to E and only the last output is kept (layers 0..e-2 are
                      dead weight), with one LayerNorm instance shared by E and the output.
  embedding           "fourier_interpolate" (the paper: keep the L+1 rFFT bins, zero-pad
                      or truncate to D) or "linear" (the code: Linear(2L -> D) on the real
                      and on the imaginary part of the full 2L-point FFT).
  static_mask         "contiguous" (the paper) or "modulo" (the code); see static_masks.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch
from torch import nn

from tsfm.errors import ConfigError
from tsfm.spec import BackboneParts, BuildContext

from .complex_ops import ComplexLayerNorm, ComplexLinear
from .filters import FilterLayer
from .static_masks import MASK_FOLDS, static_filter_mask

EMBEDDINGS = ("fourier_interpolate", "linear")


@dataclass
class FilterTSConfig:
    """Hyperparameters; defaults are the ETTh1-96 setting of the official scripts
    (e_layers 4, D 128) and the paper's K = 10, delta f = 1, alpha = 0.9."""

    d_model: int = 128
    e_layers: int = 4
    # Top-K frequencies per variable for the static global filters, and their half-band.
    num_static_filters: int = 10
    bandwidth: int = 1
    # Amplitude quantile above which a component joins a dynamic cross-variable filter.
    quantile: float = 0.9
    # Chosen by the ETTh1-96 ablation (benchmarks/results/filterts_ablation_etth1.md): with
    # chained layers the code's linear embedding beats the paper's Fourier interpolation.
    embedding: str = "linear"
    static_mask: str = "modulo"
    chain_layers: bool = True

    def validate(self) -> None:
        if self.d_model < 1 or self.e_layers < 1:
            raise ConfigError(f"d_model and e_layers must be >= 1, got {self.d_model}, {self.e_layers}")
        if self.num_static_filters < 1 or self.bandwidth < 0:
            raise ConfigError("num_static_filters must be >= 1 and bandwidth >= 0")
        if not 0.0 <= self.quantile <= 1.0:
            raise ConfigError(f"quantile must lie in [0, 1], got {self.quantile}")
        if self.embedding not in EMBEDDINGS:
            raise ConfigError(f"unknown embedding {self.embedding!r}; choose one of {EMBEDDINGS}")
        if self.static_mask not in MASK_FOLDS:
            raise ConfigError(f"unknown static_mask {self.static_mask!r}; choose one of {MASK_FOLDS}")


class TimeToFrequencyEmbedding(nn.Module):
    """Normalised window [B, L, N] -> complex [B, N, D] via the FFT of the window
    zero-padded to 2L (so products in frequency are linear, not circular, convolutions)."""

    def __init__(self, context_length: int, d_model: int, kind: str) -> None:
        super().__init__()
        self.context_length = context_length
        self.d_model = d_model
        self.kind = kind
        if kind == "linear":
            self.real_proj = nn.Linear(2 * context_length, d_model)
            self.imag_proj = nn.Linear(2 * context_length, d_model)

    def forward(
        self, x: torch.Tensor, observed: torch.Tensor, features: Mapping[str, torch.Tensor]
    ) -> torch.Tensor:
        series = x.transpose(1, 2)  # [B, N, L]
        n = 2 * self.context_length
        if self.kind == "linear":
            spectrum = torch.fft.fft(series, n=n, dim=-1)  # [B, N, 2L]
            return torch.complex(self.real_proj(spectrum.real), self.imag_proj(spectrum.imag))
        spectrum = torch.fft.rfft(series, n=n, dim=-1)  # [B, N, L + 1]
        keep = min(spectrum.shape[-1], self.d_model)
        out = spectrum.new_zeros(*spectrum.shape[:-1], self.d_model)
        out[..., :keep] = spectrum[..., :keep]
        return out


class FilterTSBackbone(nn.Module):
    """E = CLN(X); e filter layers (chained, or the official unchained variant); Z = h + E.

    Holds the static filter mask as a persistent buffer [N, D], fitted by
    `fit_static_filters` from the training split and saved in the checkpoint."""

    def __init__(self, config: FilterTSConfig, context_length: int, channels: int) -> None:
        super().__init__()
        self.config = config
        self.context_length = context_length
        self.input_norm = ComplexLayerNorm(config.d_model)
        self.layers = nn.ModuleList(
            FilterLayer(channels, config.d_model, config.quantile, with_norm=config.chain_layers)
            for _ in range(config.e_layers)
        )
        self.register_buffer("static_mask", torch.zeros(channels, config.d_model))

    def fit_static_filters(self, train_values: np.ndarray) -> None:
        """Top-K bands per variable from the training split [T, N] (scaled)."""
        mask = static_filter_mask(
            train_values,
            self.context_length,
            self.config.d_model,
            self.config.num_static_filters,
            self.config.bandwidth,
            self.config.static_mask,
        )
        self.static_mask.copy_(torch.from_numpy(mask))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedded = self.input_norm(x)
        if self.config.chain_layers:
            hidden = embedded
            for layer in self.layers:
                hidden = layer(hidden, self.static_mask)
        else:
            # Official code: each layer sees `embedded` and only the last output is kept,
            # so computing the earlier ones would change nothing; the shared LayerNorm
            # (the one applied to the embedding) follows it.
            hidden = self.input_norm(self.layers[-1](embedded, self.static_mask))
        return hidden + embedded


class FrequencyToTimeHead(nn.Module):
    """Complex Linear(D -> D), concatenate real and imaginary parts, Linear(2D -> H)."""

    def __init__(self, d_model: int, prediction_length: int) -> None:
        super().__init__()
        self.mix = ComplexLinear(d_model, d_model)
        self.project = nn.Linear(2 * d_model, prediction_length)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        mixed = self.mix(z)
        out = self.project(torch.cat([mixed.real, mixed.imag], dim=-1))  # [B, N, H]
        return out.transpose(1, 2)


def build_filterts(config: FilterTSConfig, ctx: BuildContext) -> BackboneParts:
    config.validate()
    embedding = TimeToFrequencyEmbedding(ctx.context_length, config.d_model, config.embedding)
    backbone = FilterTSBackbone(config, ctx.context_length, ctx.num_channels)
    head = FrequencyToTimeHead(config.d_model, ctx.prediction_length)
    return BackboneParts(
        embedding=embedding,
        backbone=backbone,
        head=head,
        prepare=backbone.fit_static_filters,
    )
