"""The embedded default checkpoint used by `tsfm demo` and `tsfm forecast` when no model
is named: ViTime (small config) pretrained on RealTS synthetic series only, shipped inside
the built-in ViTime plugin package (`tsfm_vitime/weights/small`), so no network is needed."""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import CheckpointError

DEFAULT_PLUGIN_PACKAGE = "tsfm_vitime"
DEFAULT_FOLDER = ("weights", "small")


def default_checkpoint() -> Path:
    """Folder of the embedded default checkpoint (config.json + model.safetensors)."""
    try:
        package = importlib.import_module(DEFAULT_PLUGIN_PACKAGE)
    except ImportError as error:
        raise CheckpointError(
            f"the embedded default checkpoint ships with the built-in ViTime plugin "
            f"({DEFAULT_PLUGIN_PACKAGE}), which cannot be imported ({error}); reinstall tsfm-platform "
            "or name a model explicitly"
        ) from error
    folder = Path(package.__file__).resolve().parent.joinpath(*DEFAULT_FOLDER)
    if not (folder / "model.safetensors").is_file():
        raise CheckpointError(
            f"the embedded default checkpoint is missing from {folder}; rebuild it with "
            "`accelerate launch recipes/pretrain_vitime.py --config small` (see its model card) "
            "and copy runs/.../model/* there"
        )
    return folder
