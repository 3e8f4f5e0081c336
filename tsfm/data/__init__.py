"""Data stage: file readers, standard splits, scaling, sliding windows."""

from .forecasting import (
    BENCHMARK_FILES,
    DATA_DIR_ENV,
    ForecastData,
    StandardScaler,
    WindowDataset,
    data_root,
    load_forecast_data,
    resolve_dataset_path,
    split_borders,
    split_rule_for,
)
from .frames import read_table, validate_frame

__all__ = [
    "BENCHMARK_FILES",
    "DATA_DIR_ENV",
    "ForecastData",
    "StandardScaler",
    "WindowDataset",
    "data_root",
    "load_forecast_data",
    "read_table",
    "resolve_dataset_path",
    "split_borders",
    "split_rule_for",
    "validate_frame",
]
