"""Data stage: file readers, standard splits, scaling, sliding windows, and the task-family
loaders (M4, UEA/UCR .ts, NAB and generic anomaly files)."""

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
from .anomaly import (
    AnomalySeries,
    AnomalyWindowDataset,
    load_anomaly_csv,
    load_nab,
    split_anomaly_series,
    stitch_window_scores,
)
from .frames import read_table, validate_frame
from .m4 import M4_FREQUENCIES, M4Data, load_m4, m4_test_inputs, m4_windows, naive2_forecast
from .uea import ClassificationDataset, TSClassificationData, load_uea, read_ts

__all__ = [
    "AnomalySeries",
    "AnomalyWindowDataset",
    "ClassificationDataset",
    "M4Data",
    "M4_FREQUENCIES",
    "TSClassificationData",
    "load_anomaly_csv",
    "load_m4",
    "load_nab",
    "load_uea",
    "m4_test_inputs",
    "m4_windows",
    "naive2_forecast",
    "read_ts",
    "split_anomaly_series",
    "stitch_window_scores",
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
