"""Anomaly detection by reconstruction (TimesNet protocol, without its test-set peek).

Per series: the first `train_fraction` of the steps is the training part (its last
`val_fraction` validates early stopping), the rest is the test part. Values are standardised
with training statistics. A model is trained to reconstruct windows of the training part;
the anomaly score of a step is its squared reconstruction error (mean over channels); the
threshold is the (100 - anomaly_ratio) percentile of the TRAINING scores only (the official
Peri-midFormer code pools train and test scores, which looks at the test set). Test steps
above the threshold are anomalies; precision/recall/F1 are reported raw and with point
adjustment (which flatters detectors).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader

from .. import create_model
from ..data import StandardScaler
from ..data.anomaly import AnomalySeries, AnomalyWindowDataset, split_anomaly_series, stitch_window_scores
from ..errors import InputValidationError
from ..evaluation.task_baselines import moving_zscore_scores
from ..evaluation.task_metrics import (
    accuracy,
    anomaly_scores_report,
    point_adjust,
    precision_recall_f1,
    threshold_from_ratio,
)
from ..training import Trainer, TrainingConfig


@dataclass
class AnomalyRun:
    """row: JSON-able results; scores/labels/threshold of the test part for plots."""

    row: dict[str, Any]
    test_scores: np.ndarray
    test_labels: np.ndarray
    threshold: float


def standardise(train: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both parts scaled by the training part's per-channel mean/std (the data stage's
    NaN-aware `StandardScaler`; a constant training channel is left unscaled)."""
    scaler = StandardScaler.fit(train)
    return scaler.transform(train), scaler.transform(other)


@torch.no_grad()
def reconstruction_scores(model: Any, values: np.ndarray, window: int, batch_size: int = 256) -> np.ndarray:
    """Per-step squared reconstruction error [T] (mean over channels) from windows that tile
    the series (the last one overlaps where T is not a multiple of the window; overlapping
    steps average their scores)."""
    dataset = AnomalyWindowDataset(values, window, stride=window)
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    errors = []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        batch = {k: v.to(device) for k, v in batch.items()}
        reconstruction = model(batch).prediction
        squared = (reconstruction - batch["past_values"]).pow(2)
        observed = batch["past_observed_mask"]
        squared = torch.where(observed, squared, torch.zeros_like(squared))
        errors.append((squared.sum(-1) / observed.sum(-1).clamp(min=1)).cpu().numpy())
    return stitch_window_scores(np.concatenate(errors), dataset.starts, len(values))


def _check(series: AnomalySeries, window: int, train_fraction: float) -> None:
    if series.labels is None:
        raise InputValidationError(f"{series.name}: anomaly evaluation needs labels")
    cut = int(len(series) * train_fraction)
    if min(cut, len(series) - cut) < window:
        raise InputValidationError(
            f"{series.name}: {len(series)} steps give a part shorter than the window of {window} steps "
            f"(train fraction {train_fraction})"
        )


def run_anomaly_experiment(
    backbone: str,
    series: AnomalySeries,
    training: TrainingConfig,
    *,
    window: int = 100,
    anomaly_ratio: float = 1.0,
    train_fraction: float = 0.5,
    val_fraction: float = 0.2,
    backbone_kwargs: Mapping[str, Any] | None = None,
) -> AnomalyRun:
    """Train `backbone` to reconstruct the training part of `series` and detect anomalies
    in its test part with a threshold fitted on training scores only."""
    started = time.time()
    _check(series, window, train_fraction)
    train_part, test_part = split_anomaly_series(series, train_fraction)
    train_values, test_values = standardise(train_part.values, test_part.values)
    cut = int(len(train_values) * (1 - val_fraction))
    if cut < window or len(train_values) - cut < window:
        raise InputValidationError(f"{series.name}: the training part is too short for a validation split")
    torch.manual_seed(training.seed)
    model = create_model(backbone, task="anomaly", context_length=window, prediction_length=1,
                         num_channels=train_values.shape[1], **dict(backbone_kwargs or {}))
    fit_data = AnomalyWindowDataset(train_values[:cut], window, stride=1)
    val_data = AnomalyWindowDataset(train_values[cut:], window, stride=1)
    trainer = Trainer(training)
    result = trainer.fit(model, fit_data, val_data, prepare_values=train_values[:cut])
    model = trainer.accelerator.unwrap_model(model)
    train_scores = reconstruction_scores(model, train_values, window, training.eval_batch_size)
    threshold = threshold_from_ratio(train_scores, anomaly_ratio)
    test_scores = reconstruction_scores(model, test_values, window, training.eval_batch_size)
    report = anomaly_scores_report(test_part.labels, (test_scores > threshold).astype(np.int64))
    row = {"backbone": backbone, "series": series.name, "window": window, "anomaly_ratio": anomaly_ratio,
           "threshold": threshold, **report, "test_steps": len(test_values),
           "test_anomalies": int(test_part.labels.sum()), "epochs_run": result.epochs_run,
           "parameters": model.num_parameters(), "seconds": round(time.time() - started, 1),
           "seed": training.seed}
    return AnomalyRun(row, test_scores, np.asarray(test_part.labels), threshold)


def run_zscore_baseline(series: AnomalySeries, *, window: int = 100, anomaly_ratio: float = 1.0,
                        train_fraction: float = 0.5) -> AnomalyRun:
    """The moving-z-score floor on the same split, threshold from training scores only."""
    started = time.time()
    _check(series, window, train_fraction)
    train_part, test_part = split_anomaly_series(series, train_fraction)
    train_values, test_values = standardise(train_part.values, test_part.values)
    # Causal scores over the whole series, so the first test steps see their real past.
    scores = moving_zscore_scores(np.concatenate([train_values, test_values]), window)
    train_scores, test_scores = scores[: len(train_values)], scores[len(train_values):]
    threshold = threshold_from_ratio(train_scores, anomaly_ratio)
    report = anomaly_scores_report(test_part.labels, (test_scores > threshold).astype(np.int64))
    row = {"backbone": "moving z-score", "series": series.name, "window": window, "anomaly_ratio": anomaly_ratio,
           "threshold": threshold, **report, "test_steps": len(test_values),
           "test_anomalies": int(test_part.labels.sum()), "epochs_run": None, "parameters": 0,
           "seconds": round(time.time() - started, 1), "seed": None}
    return AnomalyRun(row, test_scores, np.asarray(test_part.labels), threshold)


def pooled_report(runs: list[AnomalyRun]) -> dict[str, float]:
    """Raw and point-adjusted scores over the test steps of every series together. Point
    adjustment runs per series (a segment never spans two series), then counts are pooled."""
    labels, raw, adjusted = [], [], []
    for run in runs:
        predicted = (run.test_scores > run.threshold).astype(np.int64)
        labels.append(run.test_labels.astype(np.int64))
        raw.append(predicted)
        adjusted.append(point_adjust(run.test_labels, predicted).astype(np.int64))
    y = np.concatenate(labels)
    report = {"accuracy": accuracy(y, np.concatenate(raw)), **precision_recall_f1(y, np.concatenate(raw))}
    pa = precision_recall_f1(y, np.concatenate(adjusted))
    report["accuracy_pa"] = accuracy(y, np.concatenate(adjusted))
    report.update({f"{key}_pa": value for key, value in pa.items()})
    return report
