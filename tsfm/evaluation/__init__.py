"""Evaluation: metrics, scoring over every window, reports, task metrics and floors."""

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
from .scoring import mean_loss, predict_dataset, score_dataset, score_loader
from .task_baselines import (
    FeatureClassifier,
    linear_interpolation_impute,
    moving_zscore_scores,
    series_features,
)
from .task_metrics import (
    accuracy,
    anomaly_scores_report,
    mask_ratio_mask,
    masked_mae,
    masked_mse,
    point_adjust,
    precision_recall_f1,
    threshold_from_ratio,
)

__all__ = [
    "FeatureClassifier",
    "REMSE_BETAS",
    "accuracy",
    "anomaly_scores_report",
    "crps_from_quantiles",
    "interval_coverage",
    "linear_interpolation_impute",
    "mae",
    "mask_ratio_mask",
    "masked_mae",
    "masked_mse",
    "mase",
    "mean_loss",
    "moving_zscore_scores",
    "mse",
    "owa",
    "point_adjust",
    "precision_recall_f1",
    "predict_dataset",
    "resample_series",
    "score_dataset",
    "score_loader",
    "series_features",
    "smape",
    "threshold_from_ratio",
]
