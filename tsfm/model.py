"""`TSModel`: one nn.Module for every backbone and task.

normalise (observed mask) -> embedding -> backbone -> head -> de-normalise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import registry
from .config import ModelConfig
from .errors import ConfigError, InputValidationError
from .losses import POINT_LOSSES
from .normalization import Scale, instance_scale
from .spec import BackboneParts, BackboneSpec, BuildContext, HeadOutput

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class ModelOutput:
    """prediction: forecast [B, H, C] / reconstruction [B, L, C] / logits [B, K], on
    the data scale. quantiles: [B, H, C, Q] where the backbone is probabilistic.
    loss: scalar when the batch carried targets."""

    prediction: torch.Tensor
    quantiles: torch.Tensor | None = None
    quantile_levels: tuple[float, ...] | None = None
    loss: torch.Tensor | None = None


class TSModel(nn.Module):
    """A time-series model built from a `ModelConfig` through the plugin registry.

    Batch schema (a mapping of tensors):
      past_values [B, L, C] float, NaN allowed where the backbone handles missing values
      past_observed_mask [B, L, C] bool, optional (default: finite entries)
      future_values [B, H, C] (forecast training), future_observed_mask optional
      labels [B] long (classification)
      plus any data-stage features the backbone declares (e.g. "hippo_state").
    """

    def __init__(self, config: ModelConfig, spec: BackboneSpec | None = None) -> None:
        super().__init__()
        self.spec = spec or registry.get_spec(config.backbone)
        caps = self.spec.capabilities
        if config.task not in caps.tasks:
            raise ConfigError(
                f"backbone {self.spec.name!r} does not support task {config.task!r}; "
                f"it supports: {', '.join(caps.tasks)}"
            )
        if config.context_length < caps.min_context_length:
            raise ConfigError(
                f"backbone {self.spec.name!r} needs context_length >= "
                f"{caps.min_context_length}, got {config.context_length}"
            )
        self.config = config
        self.backbone_config = self.spec.make_config(**config.backbone_config)
        ctx = BuildContext(
            task=config.task,
            context_length=config.context_length,
            prediction_length=config.prediction_length,
            num_channels=config.num_channels,
            num_classes=config.num_classes,
        )
        parts = self.spec.build(self.backbone_config, ctx)
        if not isinstance(parts, BackboneParts):
            raise TypeError(f"builder of {self.spec.name!r} must return BackboneParts")
        self.embedding = parts.embedding
        self.backbone = parts.backbone
        self.head = parts.head
        self._custom_loss = parts.loss
        self._prepare_fn = parts.prepare
        self._quantile_fn = parts.predict_quantiles
        self.feature_providers = (
            list(self.spec.feature_providers(self.backbone_config))
            if self.spec.feature_providers
            else []
        )
        # Persisted flag: data-derived buffers were fitted (saved in the checkpoint).
        self.register_buffer("prepared", torch.tensor(parts.prepare is None))
        # Free-form metadata for the model card (training data, metrics); not weights.
        self.card_data: dict[str, Any] = {}

    # ----------------------------------------------------------------- properties
    @property
    def capabilities(self):
        return self.spec.capabilities

    @property
    def needs_preparation(self) -> bool:
        return self._prepare_fn is not None and not bool(self.prepared)

    def prepare(self, train_values: np.ndarray) -> None:
        """Fit data-derived buffers from the training split [T, C] (scaled)."""
        if self._prepare_fn is None:
            return
        train_values = np.asarray(train_values, dtype=np.float32)
        if train_values.ndim != 2 or train_values.shape[1] != self.config.num_channels:
            raise InputValidationError(
                f"prepare() expects the training split as [T, {self.config.num_channels}], "
                f"got shape {train_values.shape}"
            )
        self._prepare_fn(train_values)
        self.prepared.fill_(True)

    # ----------------------------------------------------------------- forward
    def forward(
        self,
        batch: Mapping[str, torch.Tensor],
        quantile_levels: Sequence[float] | None = None,
    ) -> ModelOutput:
        if self.needs_preparation:
            raise RuntimeError(
                f"backbone {self.spec.name!r} fits buffers from the training split: call "
                "model.prepare(train_values) first (the Trainer does this)"
            )
        values, observed = self._validated_context(batch)
        task = self.config.task
        if task == "imputation" and "imputation_mask" in batch:
            # Entries hidden from the model (True = hidden) are treated as missing.
            observed = observed & ~batch["imputation_mask"].bool()
        scale = self._scale(values, observed)
        x = torch.where(observed, scale.normalize(values), torch.zeros_like(values))
        features = {p.name: batch[p.name] for p in self.feature_providers if p.name in batch}
        missing = [p.name for p in self.feature_providers if p.name not in features]
        if missing:
            raise InputValidationError(
                f"backbone {self.spec.name!r} needs data-stage feature(s) {missing} in the "
                "batch; build batches with tsfm.data (or pass history= to forecast)"
            )
        tokens = self.embedding(x, observed, features)
        hidden = self.backbone(tokens)
        head_out = self.head(hidden)
        if isinstance(head_out, torch.Tensor):
            head_out = HeadOutput(prediction=head_out)
        if quantile_levels is not None:
            head_out = self._with_quantiles(head_out, tuple(quantile_levels))
        output = self._denormalize(head_out, scale)
        output.loss = self._loss(batch, head_out, output, scale, observed)
        return output

    def _with_quantiles(self, head_out: HeadOutput, levels: tuple[float, ...]) -> HeadOutput:
        have = head_out.quantile_levels or ()
        if head_out.quantiles is not None and all(any(abs(q - h) < 1e-9 for h in have) for q in levels):
            idx = [min(range(len(have)), key=lambda i: abs(have[i] - q)) for q in levels]
            quantiles = head_out.quantiles[..., idx]
        elif self._quantile_fn is not None:
            quantiles = self._quantile_fn(head_out, levels)
        else:
            raise InputValidationError(
                f"backbone {self.spec.name!r} provides quantiles {have or 'none'}, not {levels}"
            )
        return HeadOutput(head_out.prediction, quantiles, levels, head_out.extras)

    def _scale(self, values: torch.Tensor, observed: torch.Tensor) -> Scale:
        if self.config.normalization == "instance" and self.config.task != "classification":
            return instance_scale(values, observed)
        return Scale.identity(values)

    def _denormalize(self, head_out: HeadOutput, scale: Scale) -> ModelOutput:
        if self.config.task == "classification":
            return ModelOutput(prediction=head_out.prediction)
        quantiles = head_out.quantiles
        return ModelOutput(
            prediction=scale.denormalize(head_out.prediction),
            quantiles=None if quantiles is None else scale.denormalize(quantiles),
            quantile_levels=head_out.quantile_levels,
        )

    def _loss(
        self,
        batch: Mapping[str, torch.Tensor],
        head_out: HeadOutput,
        output: ModelOutput,
        scale: Scale,
        observed: torch.Tensor,
    ) -> torch.Tensor | None:
        task = self.config.task
        if task == "classification":
            if "labels" not in batch:
                return None
            return F.cross_entropy(output.prediction, batch["labels"].long())
        if task == "forecast":
            if "future_values" not in batch:
                return None
            target = batch["future_values"]
            mask = batch.get("future_observed_mask")
            mask = torch.isfinite(target) if mask is None else mask.bool() & torch.isfinite(target)
            target = torch.where(mask, target, torch.zeros_like(target))
            prediction = output.prediction[:, : target.shape[1]]
        else:
            # imputation: score the hidden entries; anomaly: reconstruct the observed ones.
            target = batch["past_values"]
            finite = torch.isfinite(target)
            if task == "imputation" and "imputation_mask" in batch:
                mask = batch["imputation_mask"].bool() & finite
            else:
                mask = observed
            target = torch.where(finite, target, torch.zeros_like(target))
            prediction = output.prediction
        if self._custom_loss is not None:
            return self._custom_loss(head_out, target, mask, scale)
        return POINT_LOSSES[self.config.loss](prediction, target, mask)

    # ----------------------------------------------------------------- validation
    def _validated_context(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        if "past_values" not in batch:
            raise InputValidationError("batch has no 'past_values' [B, L, C]")
        values = batch["past_values"]
        if not torch.is_tensor(values) or values.dim() != 3:
            raise InputValidationError(
                f"past_values must be a tensor [B, L, C], got shape {tuple(getattr(values, 'shape', ()))}"
            )
        if not values.is_floating_point():
            values = values.float()
        _, length, channels = values.shape
        if channels != self.config.num_channels:
            raise InputValidationError(
                f"wrong channel count: model {self.spec.name!r} was built for "
                f"{self.config.num_channels} channel(s), input has {channels}"
            )
        if length != self.config.context_length and not self.spec.capabilities.variable_context:
            raise InputValidationError(
                f"context length {length} does not match the model's context_length "
                f"{self.config.context_length}"
            )
        if torch.isinf(values).any():
            raise InputValidationError("context contains inf values; replace them with NaN or finite values")
        observed = batch.get("past_observed_mask")
        finite = ~torch.isnan(values)
        observed = finite if observed is None else observed.bool() & finite
        if not bool(observed.all()):
            # Classification batches pad variable-length series: finite values that the
            # mask marks unobserved are padding, not missing data, and reach every backbone
            # as zeros. NaN stays "missing" for every task.
            padding_only = self.config.task == "classification" and bool(finite.all())
            if not self.capabilities.handles_missing and not padding_only:
                raise InputValidationError(
                    f"context has {int((~observed).sum())} missing (NaN/unobserved) value(s) and "
                    f"backbone {self.spec.name!r} does not handle missing values; impute them "
                    "first or use a backbone with handles_missing"
                )
            empty = ~observed.any(dim=1)
            if bool(empty.any()):
                b, c = (int(i) for i in empty.nonzero()[0])
                raise InputValidationError(
                    f"sample {b}, channel {c}: every context value is missing (all-NaN series)"
                )
        return values, observed

    # ----------------------------------------------------------------- inference API
    @torch.no_grad()
    def forecast(
        self,
        context: Any,
        prediction_length: int | None = None,
        history: Any = None,
    ) -> Any:
        """Point forecast.

        context: numpy array, torch tensor or pandas DataFrame shaped [B, L, C], [L, C]
            or [L]; NaN marks missing values (for backbones that handle them). A context
            longer than the model's context_length is cropped to its last steps.
        prediction_length: H <= the configured horizon (or any H for backbones with
            variable_horizon); defaults to the configured horizon.
        history: for backbones that need a history state, the longer series that ends
            with the context ([B, T, C], [T, C] or [T]); defaults to the context itself.
            Backbones that take calendar features read the timestamps from the
            DatetimeIndex of a DataFrame context (or history).
        Returns the same kind as `context`, shaped [B, H, C], [H, C] or [H].
        """
        output = self._predict(context, prediction_length, history)
        return _restore_kind(output.prediction, context, output.horizon_index)

    @torch.no_grad()
    def forecast_quantiles(
        self,
        context: Any,
        quantile_levels: Sequence[float] = DEFAULT_QUANTILES,
        prediction_length: int | None = None,
        history: Any = None,
    ) -> Any:
        """Quantile forecast [..., H, C, Q] (same kind as `context`; a DataFrame input
        returns a dict {level: DataFrame}). Only for probabilistic backbones."""
        if not self.spec.capabilities.probabilistic:
            raise InputValidationError(
                f"backbone {self.spec.name!r} is not probabilistic; use forecast()"
            )
        levels = tuple(float(q) for q in quantile_levels)
        if not levels or any(not 0.0 < q < 1.0 for q in levels):
            raise InputValidationError(f"quantile levels must lie in (0, 1), got {levels}")
        output = self._predict(context, prediction_length, history, levels)
        q = output.quantiles
        if _is_dataframe(context):
            return {
                level: _restore_kind(q[..., i], context, output.horizon_index)
                for i, level in enumerate(levels)
            }
        return _restore_kind(q, context, output.horizon_index, trailing=1)

    def _predict(self, context: Any, prediction_length: int | None, history: Any,
                 levels: tuple[float, ...] | None = None) -> "_Prediction":
        if self.config.task != "forecast":
            raise InputValidationError(f"forecast() needs a forecast model, this one is {self.config.task!r}")
        horizon = self.config.prediction_length if prediction_length is None else int(prediction_length)
        if horizon < 1:
            raise InputValidationError(f"prediction_length must be >= 1, got {horizon}")
        if horizon > self.config.prediction_length and not self.spec.capabilities.variable_horizon:
            raise InputValidationError(
                f"prediction_length {horizon} exceeds what the model supports "
                f"({self.config.prediction_length}); train a model with a longer horizon"
            )
        values = _as_batch(context)  # [B, L, C] float32 tensor on CPU
        batch_size, length, channels = values.shape
        needed = self.config.context_length
        if length < needed and not self.spec.capabilities.variable_context:
            raise InputValidationError(
                f"context too short: backbone {self.spec.name!r} needs {needed} steps, got {length}"
            )
        if length < self.spec.capabilities.min_context_length:
            raise InputValidationError(
                f"context too short: backbone {self.spec.name!r} needs at least "
                f"{self.spec.capabilities.min_context_length} steps, got {length}"
            )
        if not self.spec.capabilities.variable_context:
            values = values[:, length - needed:]
        # Channel-independent single-channel models accept any channel count by folding
        # channels into the batch.
        fold = (
            self.spec.capabilities.channel_independent
            and self.config.num_channels == 1
            and channels != 1
        )
        if fold:
            values = values.permute(0, 2, 1).reshape(batch_size * channels, -1, 1)
        batch: dict[str, torch.Tensor] = {"past_values": values}
        if self.feature_providers:
            from .data.calendar import compute_feature  # lazy: `import tsfm` stays free of tsfm.data/pandas

            source = context if history is None else history
            series = values if history is None else _as_batch(history)
            if fold and history is not None:
                series = series.permute(0, 2, 1).reshape(batch_size * channels, -1, 1)
            # Timestamps (for calendar features) come from a DataFrame's DatetimeIndex.
            timestamps = _datetime_index(source)
            if timestamps is not None:
                timestamps = timestamps[len(timestamps) - series.shape[1]:]
            for provider in self.feature_providers:
                rows = [compute_feature(provider, s.numpy(), self.config.context_length, timestamps)[-1]
                        for s in series]
                batch[provider.name] = torch.as_tensor(np.stack(rows), dtype=torch.float32)
        device = next((p.device for p in self.parameters()), torch.device("cpu"))
        batch = {k: v.to(device) for k, v in batch.items()}
        was_training = self.training
        self.eval()
        try:
            out = self(batch, quantile_levels=levels)
            quantiles = out.quantiles if levels is not None else None
        finally:
            self.train(was_training)
        prediction = out.prediction[:, :horizon].float().cpu()
        if quantiles is not None:
            quantiles = quantiles[:, :horizon].float().cpu()
        if fold:
            prediction = prediction.reshape(batch_size, channels, horizon).permute(0, 2, 1)
            if quantiles is not None:
                q = quantiles.shape[-1]
                quantiles = quantiles.reshape(batch_size, channels, horizon, q).permute(0, 2, 1, 3)
        return _Prediction(prediction, quantiles, horizon)

    # ----------------------------------------------------------------- checkpoints
    def save_pretrained(self, directory: str | Path, **card: Any) -> Path:
        """Write config.json, model.safetensors and README.md (model card) atomically."""
        from .checkpoint import save_checkpoint

        return save_checkpoint(self, Path(directory), card)

    def push_to_hub(self, repo_id: str, *, private: bool = False, token: str | None = None,
                    commit_message: str = "Upload tsfm model", revision: str | None = None,
                    **card: Any) -> str:
        """Save to a temporary folder and upload it with huggingface_hub; returns the commit URL."""
        from .checkpoint import push_to_hub

        return push_to_hub(self, repo_id, private=private, token=token,
                           commit_message=commit_message, revision=revision, card=card)

    @classmethod
    def from_pretrained(cls, id_or_path: str | Path, revision: str | None = None, **kwargs: Any) -> "TSModel":
        from .checkpoint import load_checkpoint

        return load_checkpoint(id_or_path, revision=revision, **kwargs)

    def num_parameters(self, trainable_only: bool = True) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


@dataclass
class _Prediction:
    prediction: torch.Tensor
    quantiles: torch.Tensor | None
    horizon: int

    @property
    def horizon_index(self) -> int:
        return self.horizon


# --------------------------------------------------------------------- input kinds
def _is_dataframe(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def _as_batch(data: Any) -> torch.Tensor:
    """numpy / torch / DataFrame, [L], [L, C] or [B, L, C] -> float32 tensor [B, L, C]."""
    if _is_dataframe(data):
        try:
            array = np.array(data.to_numpy(dtype=np.float32, na_value=np.nan), copy=True)
        except (TypeError, ValueError) as exc:
            raise InputValidationError(f"DataFrame context has non-numeric values: {exc}") from exc
        tensor = torch.from_numpy(array)
    elif torch.is_tensor(data):
        tensor = data.detach().to("cpu", torch.float32)
    else:
        try:
            tensor = torch.from_numpy(np.array(data, dtype=np.float32, copy=True))
        except (TypeError, ValueError) as exc:
            raise InputValidationError(f"context must be numeric: {exc}") from exc
    if tensor.dim() == 1:
        tensor = tensor[None, :, None]
    elif tensor.dim() == 2:
        tensor = tensor[None]
    elif tensor.dim() != 3:
        raise InputValidationError(f"context must be [L], [L, C] or [B, L, C], got shape {tuple(tensor.shape)}")
    if tensor.shape[1] == 0:
        raise InputValidationError("context is empty")
    return tensor.contiguous()


def _datetime_index(data: Any) -> Any:
    """The DatetimeIndex of a DataFrame input, else None."""
    import pandas as pd

    if _is_dataframe(data) and isinstance(data.index, pd.DatetimeIndex):
        return data.index
    return None


def _restore_kind(result: torch.Tensor, like: Any, horizon: int, trailing: int = 0) -> Any:
    """Shape/kind of the output follows the input: [B,H,C(,Q)] -> [H,C(,Q)] / [H(,Q)]."""
    if _is_dataframe(like):
        import pandas as pd

        index = _future_index(like.index, horizon)
        return pd.DataFrame(result[0].numpy(), index=index, columns=like.columns)
    ndim = like.dim() if torch.is_tensor(like) else np.ndim(like)
    if ndim == 1:
        result = result[0, :, 0]
    elif ndim == 2:
        result = result[0]
    if torch.is_tensor(like):
        return result.to(like.device)
    return result.numpy()


def _future_index(index: Any, horizon: int) -> Any:
    import pandas as pd

    if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
        if index.freq is not None:
            return pd.date_range(index[-1], periods=horizon + 1, freq=index.freq)[1:]
        # Timedelta differences, not asi8: pandas >= 3 may store microseconds, not nanoseconds.
        steps = index[1:] - index[:-1]
        if len(steps) and (steps == steps[0]).all() and steps[0] > pd.Timedelta(0):
            step = steps[0]
            return pd.DatetimeIndex([index[-1] + step * (k + 1) for k in range(horizon)], name=index.name)
    if isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index):
        start = int(index[-1]) + 1 if len(index) else 0
        return pd.RangeIndex(start, start + horizon)
    return pd.RangeIndex(horizon)
