"""Supervised forecasting experiments: load -> build -> train -> score every test window.

The CLI (`tsfm train`), `recipes/train.py` and every backbone's reproduction script
call `run_forecast_experiment`; none has a training loop of its own.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any, Mapping

import torch
from torch.utils.data import DataLoader

from . import create_model, get_spec
from .data import load_forecast_data
from .evaluation.scoring import score_dataset, score_loader
from .training import Trainer, TrainingConfig


def training_config_for(name: str, defaults: Mapping[str, Any] | None = None, **overrides: Any) -> TrainingConfig:
    """TrainingConfig from, in order: a preset's "training" entry (if `name` is
    "backbone/preset"), a recipe's `defaults`, then the overrides that are not None (an
    option left unset on the command line keeps the value before it)."""
    values: dict[str, Any] = {}
    if "/" in name:
        base, preset = name.split("/", 1)
        values.update(get_spec(base).preset(preset).get("training", {}))
    values.update(defaults or {})
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainingConfig(**values)


def run_forecast_experiment(
    backbone: str,
    dataset: Any,
    context_length: int,
    prediction_length: int,
    training: TrainingConfig,
    *,
    backbone_kwargs: Mapping[str, Any] | None = None,
    data_kwargs: Mapping[str, Any] | None = None,
    loss: str = "mse",
    save_to: str | Path | None = None,
) -> dict[str, Any]:
    """Train `backbone` (a name or "name/preset") on `dataset` and score the test split.

    dataset: a benchmark name ("ETTh1"), a file path, a DataFrame or a datasets.Dataset.
    Returns a flat dict of results (test MSE/MAE over every window, timings, sizes).
    """
    started = time.time()
    data = load_forecast_data(dataset, context_length, prediction_length, **dict(data_kwargs or {}))
    torch.manual_seed(training.seed)
    model = create_model(
        backbone,
        context_length=context_length,
        prediction_length=prediction_length,
        num_channels=data.num_channels,
        loss=loss,
        **dict(backbone_kwargs or {}),
    )
    providers = model.feature_providers
    train_windows = data.windows("train", feature_providers=providers)
    val_windows = data.windows("val", feature_providers=providers)
    test_windows = data.windows("test", feature_providers=providers)
    trainer = Trainer(training)
    result = trainer.fit(model, train_windows, val_windows, prepare_values=data.split("train"))
    accelerator = trainer.accelerator
    model = accelerator.unwrap_model(model) if accelerator is not None else model
    if accelerator is not None:
        # Shard the test windows over the ranks; gather_for_metrics drops padding duplicates.
        loader = accelerator.prepare(DataLoader(test_windows, batch_size=training.eval_batch_size))
        scores = score_loader(model, loader, accelerator)
    else:
        scores = score_dataset(model, test_windows, batch_size=training.eval_batch_size)
    row = {
        "backbone": backbone,
        "dataset": data.name,
        "context_length": context_length,
        "prediction_length": prediction_length,
        "test_mse": scores["mse"],
        "test_mae": scores["mae"],
        "test_windows": scores["windows"],
        "best_val_loss": result.best_val_loss,
        "epochs_run": result.epochs_run,
        "steps": result.global_step,
        "parameters": model.num_parameters(),
        "seconds": round(time.time() - started, 1),
        "seed": training.seed,
        "processes": accelerator.num_processes if accelerator is not None else 1,
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
    }
    model.card_data.update(
        training_data=f"{data.name}: train split rows {data.borders['train']}, scaler fitted on train only",
        metrics={f"{data.name} test MSE": scores["mse"], f"{data.name} test MAE": scores["mae"],
                 "test windows": scores["windows"]},
    )
    if save_to is not None and (accelerator is None or accelerator.is_main_process):
        model.save_pretrained(save_to)
        row["checkpoint"] = str(save_to)
    return row


def save_rows(rows: list[dict[str, Any]], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2, default=_jsonable), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)
