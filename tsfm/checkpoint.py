"""Checkpoints: config.json + model.safetensors + README.md, locally or on the Hub.

Loading never unpickles: weights come from safetensors, the config from JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_model

from . import registry
from .config import ModelConfig
from .errors import CheckpointError, UnknownBackboneError

if TYPE_CHECKING:
    from .model import TSModel

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "README.md"
CHECKPOINT_FILES = (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME)


# ----------------------------------------------------------------------------- save
def save_checkpoint(model: "TSModel", directory: Path, card: dict[str, Any] | None = None) -> Path:
    """Write the checkpoint into `directory` atomically: files are written to a
    temporary sibling folder and moved in place only when all three succeeded."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    card_data = {**model.card_data, **(card or {})}
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        (tmp / CONFIG_NAME).write_text(_config_json(model), encoding="utf-8")
        # save_model handles tied/shared tensors and stores every buffer.
        save_model(model, str(tmp / WEIGHTS_NAME), metadata={"format": "pt"})
        (tmp / CARD_NAME).write_text(model_card(model, card_data), encoding="utf-8")
        directory.mkdir(exist_ok=True)
        for name in CHECKPOINT_FILES:
            (tmp / name).chmod(0o644)
            os.replace(tmp / name, directory / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def _config_json(model: "TSModel") -> str:
    import dataclasses

    config = dataclasses.replace(
        model.config,
        backbone_config=dataclasses.asdict(model.backbone_config),
        plugin_distribution=model.spec.distribution,
        plugin_version=model.spec.distribution_version,
    )
    return config.to_json()


def model_card(model: "TSModel", card: dict[str, Any]) -> str:
    """A Hugging Face model card with YAML front matter, the config and any metrics."""
    cfg = model.config
    spec = model.spec
    lines = [
        "---",
        "library_name: tsfm",
        "tags:",
        "- time-series",
        "- tsfm",
        f"- {spec.name}",
        "---",
        "",
        f"# {card.get('title', f'tsfm {spec.name} ({cfg.task})')}",
        "",
        f"Backbone `{spec.name}` from `{spec.distribution}` {spec.distribution_version}."
        + (f" Paper: {spec.paper}." if spec.paper else ""),
        "",
        "| setting | value |",
        "|---|---|",
        f"| task | {cfg.task} |",
        f"| context length | {cfg.context_length} |",
        f"| prediction length | {cfg.prediction_length} |",
        f"| channels | {cfg.num_channels} |",
        f"| trainable parameters | {model.num_parameters():,} |",
    ]
    if card.get("training_data"):
        lines += ["", "## Training data", "", str(card["training_data"])]
    if card.get("training"):
        lines += ["", "## Training", "", "```json", json.dumps(card["training"], indent=2, default=str), "```"]
    if card.get("metrics"):
        lines += ["", "## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in card["metrics"].items()]
    lines += [
        "",
        "## Usage",
        "",
        "```python",
        "import tsfm",
        f'model = tsfm.from_pretrained("{card.get("repo_id", "<this repo or folder>")}")',
        "forecast = model.forecast(context)  # context: [L, C] array",
        "```",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


# ----------------------------------------------------------------------------- load
def load_checkpoint(
    id_or_path: str | Path,
    revision: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    token: str | None = None,
    map_location: str | torch.device = "cpu",
) -> "TSModel":
    """Build a model from a local checkpoint folder or a Hub repository id."""
    from .model import TSModel

    folder = _resolve_folder(id_or_path, revision, cache_dir, token)
    config = ModelConfig.from_json_file(folder / CONFIG_NAME)
    try:
        spec = registry.get_spec(config.backbone)
    except UnknownBackboneError as exc:
        raise UnknownBackboneError(
            f"checkpoint {id_or_path} needs backbone {config.backbone!r} from distribution "
            f"{config.plugin_distribution or '?'} {config.plugin_version}; install that plugin. "
            f"({exc})"
        ) from exc
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise CheckpointError(f"checkpoint {id_or_path} has no {WEIGHTS_NAME} (looked in {folder})")
    try:
        state = load_file(str(weights), device=str(map_location))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights} is corrupt or not a safetensors file: {exc}") from exc
    model = TSModel(config, spec=spec)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(
            f"{weights} does not match backbone {config.backbone!r} with this config: {exc}"
        ) from exc
    card = folder / CARD_NAME
    model.card_data = {"source": str(id_or_path), "revision": revision}
    if card.is_file():
        model.card_data["card_text"] = card.read_text(encoding="utf-8")
    return model.eval()


def _resolve_folder(
    id_or_path: str | Path, revision: str | None, cache_dir: str | Path | None, token: str | None
) -> Path:
    path = Path(id_or_path)
    if path.is_dir():
        return path
    if path.exists() or str(id_or_path).startswith((".", "/", "~")) or str(id_or_path).count("/") != 1:
        raise CheckpointError(
            f"{id_or_path!r} is neither a checkpoint folder nor a Hub repository id ('org/name')"
        )
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(
            snapshot_download(
                str(id_or_path),
                revision=revision,
                cache_dir=cache_dir,
                token=token,
                # Only the safe files: never fetch pickles that may sit in the repo.
                allow_patterns=list(CHECKPOINT_FILES),
            )
        )
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise CheckpointError(f"could not download {id_or_path!r} (revision {revision}): {exc}") from exc


# ----------------------------------------------------------------------------- push
def push_to_hub(
    model: "TSModel",
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    commit_message: str = "Upload tsfm model",
    revision: str | None = None,
    card: dict[str, Any] | None = None,
) -> str:
    """Create the repo if needed and upload the checkpoint files in one commit."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_checkpoint(model, Path(tmp) / "checkpoint", {**(card or {}), "repo_id": repo_id})
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            commit_message=commit_message,
            revision=revision,
            repo_type="model",
        )
    return str(getattr(info, "commit_url", info))
