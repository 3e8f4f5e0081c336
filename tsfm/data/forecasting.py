"""Forecasting data: standard splits, train-only scaling, sliding windows.

Conventions (Autoformer/Informer, used by every paper here):
  ETT: 12/4/4 months (hourly 8640/2880/2880 rows; 15-minute 4x that).
  Others: 70/10/20 by rows.
  The validation and test parts start `context_length` rows early so that their first
  window's context reaches back into the previous part; every window is kept.
  The scaler is fitted on the train part only; metrics are on the scaled values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..errors import DataFormatError, DataNotFoundError, InputValidationError
from .frames import read_table
from .calendar import compute_feature

SplitName = Literal["train", "val", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "val", "test")

DATA_DIR_ENV = "TSFM_DATA_DIR"

# Benchmark names -> file locations relative to the data root (first match wins).
BENCHMARK_FILES: dict[str, tuple[str, ...]] = {
    "ETTh1": ("ETT/ETTh1.csv", "ETT-small/ETTh1.csv", "ETTh1.csv"),
    "ETTh2": ("ETT/ETTh2.csv", "ETT-small/ETTh2.csv", "ETTh2.csv"),
    "ETTm1": ("ETT/ETTm1.csv", "ETT-small/ETTm1.csv", "ETTm1.csv"),
    "ETTm2": ("ETT/ETTm2.csv", "ETT-small/ETTm2.csv", "ETTm2.csv"),
    "ECL": ("electricity/electricity.csv", "electricity.csv", "ECL.csv"),
    "Weather": ("weather/weather.csv", "weather.csv"),
    "Traffic": ("traffic/traffic.csv", "traffic.csv"),
    "Exchange": ("exchange_rate/exchange_rate.csv", "exchange_rate.csv"),
    "ILI": ("illness/national_illness.csv", "national_illness.csv"),
}


def data_root(root: str | Path | None = None) -> Path:
    """The data root: the argument, else $TSFM_DATA_DIR, else ./data."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(DATA_DIR_ENV, "data"))


def resolve_dataset_path(name_or_path: str | Path, root: str | Path | None = None) -> Path:
    """A benchmark name ("ETTh1") or a file path -> an existing file (".gz" accepted)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    base = data_root(root)
    candidates = [base / rel for rel in BENCHMARK_FILES.get(str(name_or_path), ())]
    if not candidates:
        candidates = [path, base / path]
    tried: list[str] = []
    for candidate in candidates:
        for option in (candidate, candidate.with_name(candidate.name + ".gz")):
            tried.append(str(option))
            if option.is_file():
                return option
    raise DataNotFoundError(
        f"data for {str(name_or_path)!r} not found; tried: {', '.join(tried)}. "
        f"Set ${DATA_DIR_ENV} (or pass data_root=) to the folder that holds it."
    )


def split_rule_for(name: str) -> str:
    stem = Path(str(name)).name.split(".")[0]
    if stem.startswith("ETTh"):
        return "ett_hourly"
    if stem.startswith("ETTm"):
        return "ett_minutely"
    return "ratio"


def split_borders(
    num_rows: int,
    context_length: int,
    rule: str = "ratio",
    ratios: tuple[float, float, float] = (0.7, 0.1, 0.2),
) -> dict[SplitName, tuple[int, int]]:
    """Row ranges [start, end) of each split; val/test start `context_length` early."""
    if rule in ("ett_hourly", "ett_minutely"):
        month = 30 * 24 * (4 if rule == "ett_minutely" else 1)
        n_train, n_val, n_test = 12 * month, 4 * month, 4 * month
        if num_rows < n_train + n_val + n_test:
            raise DataFormatError(
                f"an ETT-layout file needs {n_train + n_val + n_test} rows for the 12/4/4-month "
                f"split, this one has {num_rows}"
            )
        train_end, val_end, test_end = n_train, n_train + n_val, n_train + n_val + n_test
    elif rule == "ratio":
        if len(ratios) != 3 or any(r < 0 for r in ratios) or abs(sum(ratios) - 1.0) > 1e-6:
            raise ValueError(f"split ratios must be three non-negative numbers summing to 1, got {ratios}")
        n_train = int(num_rows * ratios[0])
        n_test = int(num_rows * ratios[2])
        n_val = num_rows - n_train - n_test
        train_end, val_end, test_end = n_train, n_train + n_val, num_rows
    else:
        raise ValueError(f"unknown split rule {rule!r}; use 'ett_hourly', 'ett_minutely' or 'ratio'")
    return {
        "train": (0, train_end),
        "val": (max(train_end - context_length, 0), val_end),
        "test": (max(val_end - context_length, 0), test_end),
    }


@dataclass
class StandardScaler:
    """Per-column mean/std fitted on observed (non-NaN) training values."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> "StandardScaler":
        observed = ~np.isnan(values)
        if not observed.any(axis=0).all():
            col = int(np.flatnonzero(~observed.any(axis=0))[0])
            raise DataFormatError(f"column {col} has no observed value in the training split")
        mean = np.nanmean(values, axis=0)
        std = np.nanstd(values, axis=0)
        # A constant training column would divide by zero: leave it unscaled (as sklearn).
        std = np.where(std > 0, std, 1.0)
        return cls(mean.astype(np.float64), std.astype(np.float64))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.std).astype(np.float32)

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        return values * self.std + self.mean

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}


@dataclass
class ForecastData:
    """A scaled multivariate series with its split borders.

    values: [T, C] float32, scaled with `scaler` (fitted on the train part only).
    """

    name: str
    values: np.ndarray
    columns: list[str]
    index: pd.Index
    borders: dict[SplitName, tuple[int, int]]
    scaler: StandardScaler | None
    context_length: int
    prediction_length: int

    def split(self, name: SplitName) -> np.ndarray:
        start, end = self.borders[name]
        return self.values[start:end]

    def windows(
        self,
        split: SplitName,
        stride: int = 1,
        feature_providers: Sequence[Any] = (),
        fraction: float = 1.0,
    ) -> "WindowDataset":
        """Sliding windows of a split. `fraction` < 1 keeps the first part of the train
        windows (the fine-tuning protocol's "10% of the data")."""
        start, end = self.borders[split]
        return WindowDataset(
            self.values,
            self.context_length,
            self.prediction_length,
            stride=stride,
            start=start,
            end=end,
            feature_providers=feature_providers,
            fraction=fraction,
            timestamps=self.index if isinstance(self.index, pd.DatetimeIndex) else None,
        )

    @property
    def num_channels(self) -> int:
        return self.values.shape[1]


def load_forecast_data(
    source: Any,
    context_length: int,
    prediction_length: int,
    *,
    split_rule: str | None = None,
    ratios: tuple[float, float, float] = (0.7, 0.1, 0.2),
    columns: Sequence[str] | None = None,
    target: str | None = None,
    date_column: str | None = "date",
    scale: bool = True,
    data_root: str | Path | None = None,
) -> ForecastData:
    """Load a benchmark by name ("ETTh1"), a CSV/Parquet path, a DataFrame or a
    `datasets.Dataset`, split it, fit the scaler on train and return `ForecastData`.

    target: univariate mode ("S"): keep only this column. columns: keep these.
    """
    if context_length < 1 or prediction_length < 1:
        raise InputValidationError("context_length and prediction_length must be positive")
    if isinstance(source, (str, Path)):
        path = resolve_dataset_path(source, data_root)
        name = Path(str(source)).name.split(".")[0]
        frame = read_table(path, date_column=date_column)
        rule = split_rule or split_rule_for(path.name)
    else:
        frame = read_table(source, date_column=date_column)
        name = getattr(source, "name", None) or type(source).__name__
        rule = split_rule or "ratio"
    if target is not None:
        columns = [target]
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DataFormatError(f"{name}: missing column(s) {missing}; available: {list(frame.columns)}")
        frame = frame[list(columns)]
    borders = split_borders(len(frame), context_length, rule, ratios)
    raw = frame.to_numpy(dtype=np.float64)
    train_start, train_end = borders["train"]
    if train_end - train_start < context_length + prediction_length:
        raise DataFormatError(
            f"{name}: the train split has {train_end - train_start} rows, fewer than one window "
            f"(context {context_length} + horizon {prediction_length})"
        )
    scaler = StandardScaler.fit(raw[train_start:train_end]) if scale else None
    values = scaler.transform(raw) if scaler else raw.astype(np.float32)
    for split in SPLITS:
        start, end = borders[split]
        if end - start < context_length + prediction_length:
            raise DataFormatError(
                f"{name}: the {split} split has {end - start} rows, fewer than one window "
                f"(context {context_length} + horizon {prediction_length})"
            )
    return ForecastData(
        name=name,
        values=values,
        columns=[str(c) for c in frame.columns],
        index=frame.index,
        borders=borders,
        scaler=scaler,
        context_length=context_length,
        prediction_length=prediction_length,
    )


class WindowDataset(Dataset):
    """Sliding windows over rows [start, end) of a [T, C] array.

    Item i: past_values [L, C], future_values [H, C], observed masks, and each data-stage
    feature (computed once over the whole series and cached, then indexed by the window's
    absolute start row). Every window is kept (no drop of a last partial batch here).
    timestamps: the DatetimeIndex of `values`' rows, for providers that use them.
    """

    def __init__(
        self,
        values: np.ndarray,
        context_length: int,
        prediction_length: int,
        stride: int = 1,
        start: int = 0,
        end: int | None = None,
        feature_providers: Sequence[Any] = (),
        fraction: float = 1.0,
        timestamps: pd.DatetimeIndex | None = None,
    ) -> None:
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2:
            raise InputValidationError(f"values must be [T, C], got shape {values.shape}")
        end = len(values) if end is None else end
        if stride < 1:
            raise InputValidationError(f"stride must be >= 1, got {stride}")
        if not 0.0 < fraction <= 1.0:
            raise InputValidationError(f"fraction must lie in (0, 1], got {fraction}")
        span = end - start
        count = span - context_length - prediction_length + 1
        if count < 1:
            raise InputValidationError(
                f"series of {span} rows is shorter than one window "
                f"(context {context_length} + horizon {prediction_length})"
            )
        starts = np.arange(start, start + count, stride)
        if fraction < 1.0:
            starts = starts[: max(1, int(len(starts) * fraction))]
        self.values = torch.from_numpy(np.ascontiguousarray(values))
        self.context_length = context_length
        self.prediction_length = prediction_length
        self.starts = starts
        self.features: dict[str, torch.Tensor] = {}
        for provider in feature_providers:
            # Row s describes the window whose context starts at absolute row s.
            self.features[provider.name] = torch.as_tensor(
                compute_feature(provider, values[:end], context_length,
                                None if timestamps is None else timestamps[:end]),
                dtype=torch.float32,
            )

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        s = int(self.starts[i])
        past = self.values[s : s + self.context_length]
        future = self.values[s + self.context_length : s + self.context_length + self.prediction_length]
        item = {
            "past_values": past,
            "past_observed_mask": ~torch.isnan(past),
            "future_values": future,
            "future_observed_mask": ~torch.isnan(future),
        }
        for name, table in self.features.items():
            item[name] = table[s]
        return item
