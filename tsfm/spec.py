"""The plugin contract: what a backbone plugin hands to the core.

A plugin answers the `tsfm_backbones` hook (see `tsfm.hookspecs`) with a list of
`BackboneSpec`. The core never imports a backbone by name; it only sees these specs.

Pipeline (owned by `tsfm.model.TSModel`):

    past_values [B, L, C] --instance norm (observed mask)--> x [B, L, C]
        --parts.embedding(x, observed, features)--> tokens
        --parts.backbone(tokens)--> hidden
        --parts.head(hidden)--> HeadOutput (normalised scale)
        --de-normalisation--> ModelOutput
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

import numpy as np
import torch
from torch import nn

TASKS = ("forecast", "imputation", "classification", "anomaly")


@dataclass(frozen=True)
class Capabilities:
    """What a backbone can do. The core enforces these; the conformance suite tests them."""

    tasks: tuple[str, ...] = ("forecast",)
    # Each channel is processed on its own (no cross-channel mixing).
    channel_independent: bool = False
    # NaN in the context is accepted (the observed mask reaches the embedding).
    handles_missing: bool = False
    # The head returns quantiles as well as a point forecast.
    probabilistic: bool = False
    # The batch must carry data-stage features computed from history before the window
    # (e.g. SCFormer's HiPPO state); see `BackboneSpec.feature_providers`.
    needs_history_state: bool = False
    # Forecast horizon may differ from the configured one at inference time.
    variable_horizon: bool = False
    # Context length may differ from the configured one at inference time.
    variable_context: bool = False
    # Model has no trainable parameters (e.g. naive baselines): training is a no-op.
    trainable: bool = True
    # Minimum context length the backbone can work with.
    min_context_length: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.tasks) - set(TASKS)
        if unknown:
            raise ValueError(f"unknown task(s) {sorted(unknown)}; known: {TASKS}")


@dataclass(frozen=True)
class BuildContext:
    """Sizes fixed when a model is created; passed to a backbone's builder."""

    task: str
    context_length: int
    prediction_length: int
    num_channels: int
    num_classes: int | None = None


@dataclass
class HeadOutput:
    """What a head returns, on the normalised scale.

    prediction: forecast [B, H, C]; imputation/anomaly reconstruction [B, L, C];
        classification logits [B, K].
    quantiles: [B, H, C, Q] for probabilistic forecasters, aligned with `quantile_levels`.
    extras: anything a backbone-specific loss needs (e.g. ViTime's per-column logits).
    """

    prediction: torch.Tensor
    quantiles: torch.Tensor | None = None
    quantile_levels: tuple[float, ...] | None = None
    extras: dict[str, torch.Tensor] = field(default_factory=dict)


class LossFn(Protocol):
    """Backbone-specific loss. target [B, T, C] is on the data scale (zeros where
    target_mask is False); `scale` (tsfm.normalization.Scale) maps it to the
    normalised scale the head works on: scale.normalize(target)."""

    def __call__(
        self, output: HeadOutput, target: torch.Tensor, target_mask: torch.Tensor, scale: Any
    ) -> torch.Tensor: ...


@dataclass
class BackboneParts:
    """The modules a builder returns. `embedding` receives the normalised values, the
    observed mask and any data-stage features; `backbone` maps tokens to hidden states;
    `head` maps hidden states to a `HeadOutput` (or a tensor, taken as the prediction).

    Optional members:
      loss: backbone-specific training loss on the normalised scale; default is the
        task's standard loss (masked MSE for forecasting).
      prepare: fits data-derived buffers (e.g. FilterTS's static filters) from the
        training split, a float array [T, C] on the normalised scale. Called by the
        training stage before training; the result must live in registered buffers
        so it is saved in the checkpoint.
      predict_quantiles: (HeadOutput, levels) -> quantiles [B, H, C, Q] on the
        normalised scale, for arbitrary levels (probabilistic backbones).
    """

    embedding: nn.Module
    backbone: nn.Module
    head: nn.Module
    loss: LossFn | None = None
    prepare: Callable[[np.ndarray], None] | None = None
    predict_quantiles: Callable[[HeadOutput, tuple[float, ...]], torch.Tensor] | None = None


class FeatureProvider(Protocol):
    """Computes a data-stage feature (e.g. a history state) once per series.

    `compute(series, context_length)` takes a float array [T, C] (scaled, may contain
    NaN) and returns an array [T - context_length + 1, ...]: row s is the feature of the
    window whose context is series[s : s + context_length]. Row s may use only
    series[: s + context_length] -- never a target step (the conformance suite checks
    this by perturbing the future). The data stage caches the result and puts row s in
    the batch under `name`.

    A provider that sets `uses_timestamps = True` (e.g. calendar features,
    `tsfm.data.calendar.CalendarProvider`) is called as
    `compute(series, context_length, timestamps=index)` with the series' DatetimeIndex
    (None when the data has no timestamps: the provider then raises a clear error).
    Use `tsfm.data.calendar.compute_feature` to call any provider.
    """

    name: str

    def compute(self, series: np.ndarray, context_length: int) -> np.ndarray: ...


@dataclass(frozen=True)
class BackboneSpec:
    """A backbone as a plugin declares it.

    name: registry name, e.g. "filterts".
    config_cls: dataclass of the backbone's own hyperparameters, paper defaults.
    build: (config, BuildContext) -> BackboneParts.
    capabilities: what it supports.
    paper: citation or URL.
    presets: named hyperparameter sets, e.g. {"etth1-96": {...}}; addressed as
        "name/preset" in `create_model`.
    feature_providers: config -> list of FeatureProvider the data stage must run.
    description: one line for `tsfm list`.
    """

    name: str
    config_cls: type
    build: Callable[[Any, BuildContext], BackboneParts]
    capabilities: Capabilities = Capabilities()
    paper: str = ""
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    feature_providers: Callable[[Any], list[FeatureProvider]] | None = None
    description: str = ""
    # Tiny hyperparameters and sizes for the conformance suite (fast on a CPU), e.g.
    # {"d_model": 16}; sizes keys: context_length, prediction_length, num_channels.
    test_overrides: Mapping[str, Any] = field(default_factory=dict)
    test_sizes: Mapping[str, int] = field(default_factory=dict)
    # Filled in by the registry from the entry point's distribution.
    distribution: str = ""
    distribution_version: str = ""

    def __post_init__(self) -> None:
        if not dataclasses.is_dataclass(self.config_cls):
            raise TypeError(f"backbone {self.name!r}: config_cls must be a dataclass")
        if not self.name or "/" in self.name:
            raise ValueError(f"invalid backbone name {self.name!r}")

    def preset(self, preset: str) -> dict[str, Any]:
        """A named preset: backbone hyperparameters, plus an optional "training" entry
        (learning rate, batch size, epochs...) used by recipes."""
        if preset not in self.presets:
            raise KeyError(
                f"backbone {self.name!r} has no preset {preset!r}; "
                f"presets: {sorted(self.presets) or 'none'}"
            )
        return dict(self.presets[preset])

    def make_config(self, preset: str | None = None, **overrides: Any) -> Any:
        """The config dataclass with paper defaults, a preset, then overrides applied."""
        values: dict[str, Any] = {}
        if preset is not None:
            values.update(self.preset(preset))
            values.pop("training", None)
        values.update(overrides)
        known = {f.name for f in dataclasses.fields(self.config_cls)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(
                f"backbone {self.name!r} got unknown hyperparameter(s) {sorted(unknown)}; "
                f"known: {sorted(known)}"
            )
        return self.config_cls(**values)
