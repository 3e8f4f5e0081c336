"""Scoring a model over every window of a dataset (all ranks, no window dropped)."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def _eval_outputs(model: Any, loader: DataLoader, accelerator: Any) -> Iterator[tuple[dict, Any]]:
    """(batch, model output) for every batch, in eval mode (the model's mode is restored
    afterwards). Without an accelerator the batches move to the model's device; with one,
    its prepared loader has placed them."""
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        for batch in loader:
            if accelerator is None:
                batch = {k: v.to(device) for k, v in batch.items()}
            yield batch, model(batch)
    finally:
        model.train(was_training)


@torch.no_grad()
def score_loader(model: Any, loader: DataLoader, accelerator: Any = None) -> dict[str, float]:
    """MSE and MAE over every observed target value of every window (forecasting).

    Per-window error sums are gathered with `gather_for_metrics`, which drops the
    duplicates a distributed sampler adds to even out the last batch."""
    totals = torch.zeros(3, dtype=torch.float64)  # squared error, absolute error, observed count
    windows = 0
    for batch, output in _eval_outputs(model, loader, accelerator):
        target = batch["future_values"]
        mask = batch.get("future_observed_mask", ~torch.isnan(target)).bool()
        prediction = output.prediction[:, : target.shape[1]]
        diff = torch.where(mask, prediction - target, torch.zeros_like(prediction))
        per_window = torch.stack(
            [diff.pow(2).flatten(1).sum(1), diff.abs().flatten(1).sum(1), mask.flatten(1).sum(1).to(diff.dtype)],
            dim=1,
        )
        if accelerator is not None:
            per_window = accelerator.gather_for_metrics(per_window)
        totals += per_window.double().sum(0).cpu()
        windows += per_window.shape[0]
    if windows == 0:
        raise ValueError("the loader yielded no window: there is nothing to score")
    count = totals[2].item()
    if count == 0:
        raise ValueError(f"none of the {windows} windows has an observed target value: there is nothing to score")
    return {"mse": totals[0].item() / count, "mae": totals[1].item() / count, "windows": windows}


@torch.no_grad()
def mean_loss(model: Any, loader: DataLoader, accelerator: Any = None) -> float:
    """The model's own loss averaged over every sample (the validation score of the tasks
    without a forecast target: imputation, classification, anomaly)."""
    total, count = 0.0, 0
    for batch, output in _eval_outputs(model, loader, accelerator):
        if output.loss is None:
            raise ValueError("the batch has no targets: cannot score it")
        # One row per sample (the batch's mean loss) so that gather_for_metrics can drop
        # the samples a distributed sampler duplicated.
        per_sample = output.loss.detach().double().expand(batch["past_values"].shape[0]).clone()
        if accelerator is not None:
            per_sample = accelerator.gather_for_metrics(per_sample)
        total += per_sample.sum().item()
        count += per_sample.numel()
    if count == 0:
        raise ValueError("the loader yielded no sample: there is nothing to score")
    return total / count


def score_dataset(model: Any, dataset: Dataset, batch_size: int = 256) -> dict[str, float]:
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    return score_loader(model, loader)


@torch.no_grad()
def predict_dataset(
    model: Any,
    dataset: Dataset,
    batch_size: int = 256,
    indices: Sequence[int] | None = None,
    quantile_levels: Sequence[float] | None = None,
) -> dict[str, np.ndarray]:
    """Predictions for (a subset of) windows: past, target, prediction [N, ., C] and
    quantiles [N, H, C, Q] when requested."""
    subset = torch.utils.data.Subset(dataset, list(indices)) if indices is not None else dataset
    loader = DataLoader(subset, batch_size=batch_size, shuffle=False)
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    parts: dict[str, list[np.ndarray]] = {"past": [], "target": [], "prediction": [], "quantiles": []}
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        output = model(batch, quantile_levels=quantile_levels)
        horizon = batch["future_values"].shape[1]
        parts["past"].append(batch["past_values"].cpu().numpy())
        parts["target"].append(batch["future_values"].cpu().numpy())
        parts["prediction"].append(output.prediction[:, :horizon].cpu().numpy())
        if quantile_levels is not None:
            parts["quantiles"].append(output.quantiles[:, :horizon].cpu().numpy())
    return {k: np.concatenate(v) for k, v in parts.items() if v}
