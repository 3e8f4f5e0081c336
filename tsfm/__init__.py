"""tsfm: a plugin-based time-series foundation-model pipeline.

Public surface:
    tsfm.list_backbones() -> list[str]
    tsfm.create_model(name, task=..., context_length=..., prediction_length=...,
                      num_channels=..., **backbone_kwargs) -> TSModel
    tsfm.from_pretrained(id_or_path, revision=None) -> TSModel
    TSModel.forecast(context, prediction_length=None) / forecast_quantiles(...)
    TSModel.save_pretrained(dir) / push_to_hub(repo_id)
Plugins implement `tsfm_backbones()` marked with `tsfm.hookimpl`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import ModelConfig
from .errors import (
    CheckpointError,
    ConfigError,
    DataFormatError,
    DataNotFoundError,
    InputValidationError,
    PluginConflictError,
    TSFMError,
    UnknownBackboneError,
)
from .hookspecs import hookimpl
from .model import ModelOutput, TSModel
from .registry import get_spec, list_backbones, register_plugin, unregister_plugin
from .spec import BackboneParts, BackboneSpec, BuildContext, Capabilities, HeadOutput
from .version import __version__

__all__ = [
    "BackboneParts",
    "BackboneSpec",
    "BuildContext",
    "Capabilities",
    "CheckpointError",
    "ConfigError",
    "DataFormatError",
    "DataNotFoundError",
    "HeadOutput",
    "InputValidationError",
    "ModelConfig",
    "ModelOutput",
    "PluginConflictError",
    "TSFMError",
    "TSModel",
    "UnknownBackboneError",
    "__version__",
    "create_model",
    "from_pretrained",
    "get_spec",
    "hookimpl",
    "list_backbones",
    "register_plugin",
    "unregister_plugin",
]


def create_model(
    name: str,
    task: str = "forecast",
    context_length: int = 96,
    prediction_length: int = 96,
    num_channels: int = 1,
    num_classes: int | None = None,
    normalization: str = "instance",
    loss: str = "mse",
    **backbone_kwargs: Any,
) -> TSModel:
    """Build a fresh model. `name` is a backbone ("linear") or a preset
    ("filterts/etth1-96"); keyword arguments override the backbone's hyperparameters."""
    spec = get_spec(name)
    preset = name.split("/", 1)[1] if "/" in name else None
    backbone_config = spec.make_config(preset, **backbone_kwargs)
    import dataclasses

    config = ModelConfig(
        backbone=spec.name,
        task=task,
        context_length=context_length,
        prediction_length=prediction_length,
        num_channels=num_channels,
        num_classes=num_classes,
        normalization=normalization,
        loss=loss,
        backbone_config=dataclasses.asdict(backbone_config),
        preset=preset,
        plugin_distribution=spec.distribution,
        plugin_version=spec.distribution_version,
    )
    return TSModel(config, spec=spec)


def from_pretrained(id_or_path: str | Path, revision: str | None = None, **kwargs: Any) -> TSModel:
    """Load a model from a checkpoint folder or a Hugging Face Hub id ("org/name")."""
    from .checkpoint import load_checkpoint

    return load_checkpoint(id_or_path, revision=revision, **kwargs)
