"""The model configuration serialised to `config.json`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CheckpointError, ConfigError
from .spec import TASKS
from .version import CHECKPOINT_FORMAT_VERSION, __version__

NORMALIZATIONS = ("instance", "none")


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model: sizes, task, backbone hyperparameters.

    normalization: "instance" (per-window mean/std over observed values, undone on the
    output) or "none" (the backbone sees raw values; it may normalise itself).
    """

    backbone: str
    task: str = "forecast"
    context_length: int = 96
    prediction_length: int = 96
    num_channels: int = 1
    num_classes: int | None = None
    normalization: str = "instance"
    # Training loss on the data scale: "mse", "mae" or "smape" (tsfm.losses); a backbone
    # with its own loss (BackboneParts.loss) ignores it.
    loss: str = "mse"
    backbone_config: dict[str, Any] = field(default_factory=dict)
    preset: str | None = None
    # Provenance, filled at creation time.
    plugin_distribution: str = ""
    plugin_version: str = ""
    tsfm_version: str = __version__
    format_version: int = CHECKPOINT_FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"unknown task {self.task!r}; known tasks: {', '.join(TASKS)}")
        for name in ("context_length", "prediction_length", "num_channels"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.task == "classification":
            if not isinstance(self.num_classes, int) or self.num_classes < 2:
                raise ConfigError(
                    f"classification needs num_classes >= 2, got {self.num_classes!r}"
                )
        from .losses import POINT_LOSSES

        if self.loss not in POINT_LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}; known: {sorted(POINT_LOSSES)}")
        if self.normalization not in NORMALIZATIONS:
            raise ConfigError(
                f"unknown normalization {self.normalization!r}; known: {NORMALIZATIONS}"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "ModelConfig":
        if not isinstance(data, dict):
            raise CheckpointError(f"{source}: expected a JSON object, got {type(data).__name__}")
        version = data.get("format_version")
        if not isinstance(version, int):
            raise CheckpointError(f"{source}: missing or invalid 'format_version'")
        if version > CHECKPOINT_FORMAT_VERSION:
            raise CheckpointError(
                f"{source}: checkpoint format_version {version} is newer than this tsfm "
                f"({__version__}) understands (<= {CHECKPOINT_FORMAT_VERSION}); upgrade tsfm"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise CheckpointError(f"{source}: unknown field(s) {sorted(unknown)}")
        if "backbone" not in data:
            raise CheckpointError(f"{source}: missing 'backbone'")
        try:
            return cls(**data)
        except (ConfigError, TypeError) as exc:
            raise CheckpointError(f"{source}: {exc}") from exc

    @classmethod
    def from_json_file(cls, path: str | Path) -> "ModelConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CheckpointError(f"checkpoint has no config.json at {path}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"{path} is not valid JSON: {exc}") from exc
        return cls.from_dict(data, source=str(path))
