"""Imputation (TimesNet protocol): windows of length L, a random point mask hides a ratio
of the entries, the model reconstructs the window, and the loss and the metrics count the
hidden entries only, on the normalised scale.

The splits and the scaler are the forecasting ones (`load_forecast_data`); each split
gives every sliding window of length L (stride 1, nothing dropped).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .. import create_model
from ..data import WindowDataset, load_forecast_data
from ..errors import InputValidationError
from ..evaluation.task_baselines import linear_interpolation_impute
from ..evaluation.task_metrics import mask_ratio_mask
from ..training import Trainer, TrainingConfig

MASK_RATIOS = (0.125, 0.25, 0.375, 0.5)


class MaskedWindowDataset(Dataset):
    """Every length-L window of rows [start, end) of values [T, C] with a random point
    mask (True = hidden) drawn at `mask_ratio`.

    The mask of window i is a pure function of (seed, epoch, i): reproducible, the same for
    every rank and worker, and fresh each epoch when `set_epoch` is called (the Trainer
    does; evaluation keeps epoch 0). Items: past_values [L, C], past_observed_mask [L, C],
    imputation_mask [L, C].
    """

    def __init__(self, values: np.ndarray, context_length: int, mask_ratio: float, seed: int = 0,
                 start: int = 0, end: int | None = None) -> None:
        if not 0.0 < mask_ratio < 1.0:
            raise InputValidationError(f"mask ratio must lie in (0, 1), got {mask_ratio}")
        self.windows = WindowDataset(values, context_length, 0, start=start, end=end)
        self.mask_ratio = float(mask_ratio)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.windows)

    def mask(self, i: int) -> torch.Tensor:
        rng = np.random.Generator(np.random.Philox(key=[self.seed, self.epoch * 2**32 + i]))
        shape = (self.windows.context_length, *self.windows.values.shape[1:])
        return torch.from_numpy(mask_ratio_mask(shape, self.mask_ratio, rng))

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = self.windows[i]
        return {
            "past_values": item["past_values"],
            "past_observed_mask": item["past_observed_mask"],
            "imputation_mask": self.mask(i),
        }


def imputation_splits(dataset: Any, context_length: int, mask_ratio: float, seed: int = 0,
                      **data_kwargs: Any) -> tuple[Any, dict[str, MaskedWindowDataset]]:
    """(ForecastData, {"train", "val", "test": MaskedWindowDataset}) for a forecasting
    source (benchmark name, path, DataFrame...). Test masks use their own seed stream."""
    # A horizon of 1 only validates the splits; windows below have no horizon.
    data = load_forecast_data(dataset, context_length, 1, **data_kwargs)
    splits = {}
    for offset, split in enumerate(("train", "val", "test")):
        start, end = data.borders[split]
        splits[split] = MaskedWindowDataset(data.values, context_length, mask_ratio, seed + 1000 * offset,
                                            start=start, end=end)
    return data, splits


@torch.no_grad()
def score_imputation(model: Any, dataset: MaskedWindowDataset, batch_size: int = 256) -> dict[str, float]:
    """Masked MSE/MAE of `model` and of linear interpolation over every window's hidden
    entries (normalised scale, the same masks for both)."""
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    sums = np.zeros(5)  # model se, model ae, interp se, interp ae, count
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        values, hidden = batch["past_values"], batch["imputation_mask"]
        hidden = hidden & torch.isfinite(values)
        prediction = model({k: v.to(device) for k, v in batch.items()}).prediction.cpu()
        interpolated = torch.from_numpy(linear_interpolation_impute(values.numpy(), hidden.numpy()))
        for k, guess in enumerate((prediction, interpolated)):
            diff = torch.where(hidden, guess - values, torch.zeros_like(values)).double()
            sums[2 * k] += float(diff.pow(2).sum())
            sums[2 * k + 1] += float(diff.abs().sum())
        sums[4] += float(hidden.sum())
    count = max(sums[4], 1.0)
    return {"mse": sums[0] / count, "mae": sums[1] / count, "interp_mse": sums[2] / count,
            "interp_mae": sums[3] / count, "windows": len(dataset), "hidden_entries": int(sums[4])}


def example_imputation(model: Any, dataset: MaskedWindowDataset, index: int = 0) -> Mapping[str, np.ndarray]:
    """One window for a plot: values, hidden mask, model and interpolation guesses [L, C]."""
    batch = {k: v[None] for k, v in dataset[index].items()}
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    with torch.no_grad():
        prediction = model({k: v.to(device) for k, v in batch.items()}).prediction[0].cpu().numpy()
    values, hidden = batch["past_values"][0].numpy(), batch["imputation_mask"][0].numpy()
    return {"values": values, "hidden": hidden, "model": prediction,
            "interpolation": linear_interpolation_impute(values[None], hidden[None])[0]}


@dataclass
class TaskRun:
    """A finished task experiment: the JSON-able result row, the trained model and an
    example for a plot."""

    row: dict[str, Any]
    model: Any
    example: Mapping[str, np.ndarray]


def run_imputation_experiment(
    backbone: str,
    dataset: Any,
    mask_ratio: float,
    training: TrainingConfig,
    *,
    context_length: int = 96,
    backbone_kwargs: Mapping[str, Any] | None = None,
    data_kwargs: Mapping[str, Any] | None = None,
) -> TaskRun:
    """Train `backbone` (a name or "name/preset") to impute `dataset` at `mask_ratio` and
    score every test window's hidden entries, beside linear interpolation on the same masks."""
    started = time.time()
    data, splits = imputation_splits(dataset, context_length, mask_ratio, seed=training.seed,
                                     **dict(data_kwargs or {}))
    torch.manual_seed(training.seed)
    model = create_model(backbone, task="imputation", context_length=context_length, prediction_length=1,
                         num_channels=data.num_channels, **dict(backbone_kwargs or {}))
    trainer = Trainer(training)
    result = trainer.fit(model, splits["train"], splits["val"], prepare_values=data.split("train"))
    model = trainer.accelerator.unwrap_model(model)
    scores = score_imputation(model, splits["test"], batch_size=training.eval_batch_size)
    row = {
        "backbone": backbone,
        "dataset": data.name,
        "context_length": context_length,
        "mask_ratio": mask_ratio,
        "test_mse": scores["mse"],
        "test_mae": scores["mae"],
        "interp_mse": scores["interp_mse"],
        "interp_mae": scores["interp_mae"],
        "test_windows": scores["windows"],
        "hidden_entries": scores["hidden_entries"],
        "best_val_loss": result.best_val_loss,
        "epochs_run": result.epochs_run,
        "parameters": model.num_parameters(),
        "seconds": round(time.time() - started, 1),
        "seed": training.seed,
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
    }
    return TaskRun(row, model, example_imputation(model, splits["test"], index=len(splits["test"]) // 2))


__all__ = ["MASK_RATIOS", "MaskedWindowDataset", "TaskRun", "example_imputation", "imputation_splits",
           "run_imputation_experiment", "score_imputation"]
