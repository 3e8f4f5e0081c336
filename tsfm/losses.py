"""Point losses on the data scale, masked by the observed target entries."""

from __future__ import annotations

from typing import Callable

import torch

PointLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.to(values.dtype)
    # Zero observed entries: the loss is zero rather than NaN, and gradients stay finite.
    return (values * weights).sum() / weights.sum().clamp_min(1.0)


def masked_mse(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    diff = torch.where(mask, prediction - target, torch.zeros_like(prediction))
    return _masked_mean(diff.pow(2), mask)


def masked_mae(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    diff = torch.where(mask, prediction - target, torch.zeros_like(prediction))
    return _masked_mean(diff.abs(), mask)


def masked_smape(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """SMAPE in percent (M4 definition), 0/0 terms count as 0."""
    safe_target = torch.where(mask, target, torch.zeros_like(target))
    denom = prediction.abs() + safe_target.abs()
    ratio = torch.where(denom > 0, 2.0 * (prediction - safe_target).abs() / denom.clamp_min(1e-8),
                        torch.zeros_like(denom))
    return 100.0 * _masked_mean(ratio, mask)


POINT_LOSSES: dict[str, PointLoss] = {
    "mse": masked_mse,
    "mae": masked_mae,
    "smape": masked_smape,
}
