"""Embedding stage: decomposition, period selection and the periodic pyramid's tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch
from torch import nn

from tsfm.data.calendar import TIME_FEATURES_KEY
from tsfm.layers import MovingAverage, interpolate_unobserved

from .config import PeriMidFormerConfig
from .periods import batch_amplitude, fit_train_periods, periods_from_amplitudes
from .pyramid import PyramidTensors, StructureCache, sinusoid


@dataclass
class PyramidState:
    """Passed from the embedding through the encoder to the head.

    tokens [B*C, M, D]: one token per periodic component, per channel.
    structure: the pyramid's cached tensors (mask, flow weights...).
    trend [B, L, C]: the trend part, projected by the forecasting head.
    """

    tokens: torch.Tensor
    structure: PyramidTensors
    trend: torch.Tensor
    batch_size: int
    num_channels: int


class PeriodicPyramidEmbedding(nn.Module):
    """x [B, L, C] (instance-normalised by the core) -> PyramidState.

    seasonal = x - moving average; the seasonal part of each channel is split into the
    components of every period, each zero-padded to L and mapped by one shared
    Linear(L -> D), plus a sinusoid of the component's start time. With
    `time_features`, features["past_time_features"] [B, L, F] enters through a
    Linear(F -> C) added to the seasonal part.
    The periods live in the `periods` buffer ([top_k], 0 = unused level) so that the
    checkpoint carries them.
    """

    def __init__(self, config: PeriMidFormerConfig, context_length: int, num_channels: int,
                 pre_interpolate: bool = False, decompose: bool = True) -> None:
        super().__init__()
        self.config = config
        # Classification takes the whole series into the pyramid (no seasonal/trend split):
        # its head reads only the pyramid, so a removed trend would be lost information.
        self.use_decomposition = decompose
        # Imputation (paper appendix E.5): hidden entries are linearly interpolated before
        # the pyramid so that the FFT sees the series' periodicity, not the holes.
        self.pre_interpolate = pre_interpolate
        self.context_length = context_length
        self.decompose = MovingAverage(config.moving_avg)
        self.component_projection = nn.Linear(context_length, config.d_model)
        # The official code adds Linear(marks -> C, no bias) of the calendar to the seasonal part.
        self.time_projection = (
            nn.Linear(len(config.time_features), num_channels, bias=False) if config.time_features else None
        )
        self.dropout = nn.Dropout(config.dropout)
        self.structures = StructureCache(
            context_length, config.top_k, config.d_model, config.trim, enabled=config.cache_structure
        )
        initial = torch.zeros(config.top_k, dtype=torch.long)
        if config.periods is not None:
            initial[: len(config.periods)] = torch.as_tensor(config.periods)
        self.register_buffer("periods", initial)
        # The official table: sinusoid of width C indexed along D, one row per channel.
        official = torch.as_tensor(sinusoid(np.arange(config.d_model, dtype=np.float64), num_channels).T,
                                   dtype=torch.float32)
        self.register_buffer("official_positional", official[:, None, :], persistent=False)  # [C, 1, D]

    @property
    def fits_periods(self) -> bool:
        return self.config.periods is None and self.config.period_selection == "train"

    def fit_periods(self, train_values: np.ndarray) -> None:
        """`BackboneParts.prepare`: periods from the training split [T, C] (scaled)."""
        found = fit_train_periods(
            train_values, self.context_length, self.config.top_k, self.config.moving_avg,
            self.config.period_source,
        )
        self.set_periods(found)

    def set_periods(self, periods: tuple[int, ...]) -> None:
        values = torch.zeros_like(self.periods)
        values[: len(periods)] = torch.as_tensor(periods)
        self.periods.copy_(values)

    def stored_periods(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.periods.tolist() if p > 0)

    def forward(
        self, x: torch.Tensor, observed: torch.Tensor, features: Mapping[str, torch.Tensor]
    ) -> PyramidState:
        batch, length, channels = x.shape
        if self.pre_interpolate:
            x = interpolate_unobserved(x, observed)
        trend = self.decompose(x) if self.use_decomposition else torch.zeros_like(x)
        seasonal = x - trend
        if self.time_projection is not None:
            seasonal = seasonal + self.time_projection(features[TIME_FEATURES_KEY])
        if self.config.period_selection == "batch" and self.config.periods is None:
            spectrum_of = seasonal if self.config.period_source == "seasonal" else x
            periods = periods_from_amplitudes(batch_amplitude(spectrum_of), length, self.config.top_k)
        else:
            periods = self.stored_periods()
        structure = self.structures.get(periods, x.device)
        series = seasonal.transpose(1, 2).reshape(batch * channels, length)
        padded = torch.cat([series, series.new_zeros(batch * channels, 1)], dim=1)
        components = padded[:, structure.gather_index]  # [B*C, M, L], zero-padded
        tokens = self.component_projection(components)
        if self.config.positional == "start":
            tokens = tokens + structure.positional
        else:
            tokens = (tokens.view(batch, channels, -1, tokens.shape[-1]) + self.official_positional).flatten(0, 1)
        return PyramidState(self.dropout(tokens), structure, trend, batch, channels)
