"""Evaluation: metrics, scoring over every window, reports."""

from .metrics import (
    REMSE_BETAS,
    crps_from_quantiles,
    interval_coverage,
    mae,
    mase,
    mse,
    owa,
    resample_series,
    smape,
)
from .scoring import predict_dataset, score_dataset, score_loader

__all__ = [
    "REMSE_BETAS",
    "crps_from_quantiles",
    "interval_coverage",
    "mae",
    "mase",
    "mse",
    "owa",
    "predict_dataset",
    "resample_series",
    "score_dataset",
    "score_loader",
    "smape",
]
