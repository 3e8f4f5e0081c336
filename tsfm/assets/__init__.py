"""Files shipped inside the package: the embedded default checkpoint used by
`tsfm demo` and `tsfm forecast` when no model is named (no network needed)."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent


def default_checkpoint() -> Path:
    """Folder of the embedded default checkpoint (config.json + model.safetensors)."""
    folder = ASSETS / "default"
    if not (folder / "model.safetensors").is_file():
        from ..errors import CheckpointError

        raise CheckpointError(
            f"the embedded default checkpoint is missing from {folder}; rebuild it with "
            "`python recipes/make_default_checkpoint.py`"
        )
    return folder
