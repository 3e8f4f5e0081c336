"""Calendar (time-mark) features of timestamps, and the data-stage provider that puts
them in the batch.

Each feature is a calendar field scaled to [-0.5, 0.5] (the "timeF" encoding of the
Informer/Autoformer code bases, which several papers' numbers were made with):
hour_of_day = hour / 23 - 0.5, day_of_week = weekday / 6 - 0.5 (Monday = 0),
day_of_month = (day - 1) / 30 - 0.5, day_of_year = (day of year - 1) / 365 - 0.5,
minute_of_hour = minute / 59 - 0.5, month_of_year = (month - 1) / 11 - 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputValidationError

_FIELDS: dict[str, Callable[[pd.DatetimeIndex], np.ndarray]] = {
    "minute_of_hour": lambda t: t.minute.to_numpy() / 59.0 - 0.5,
    "hour_of_day": lambda t: t.hour.to_numpy() / 23.0 - 0.5,
    "day_of_week": lambda t: t.day_of_week.to_numpy() / 6.0 - 0.5,
    "day_of_month": lambda t: (t.day.to_numpy() - 1) / 30.0 - 0.5,
    "day_of_year": lambda t: (t.day_of_year.to_numpy() - 1) / 365.0 - 0.5,
    "month_of_year": lambda t: (t.month.to_numpy() - 1) / 11.0 - 0.5,
}
CALENDAR_FEATURES = tuple(_FIELDS)
# The batch key under which CalendarProvider puts the context's features.
TIME_FEATURES_KEY = "past_time_features"

# The features the timeF encoding uses per sampling frequency (finest field first).
FREQUENCY_FEATURES: dict[str, tuple[str, ...]] = {
    "hourly": ("hour_of_day", "day_of_week", "day_of_month", "day_of_year"),
    "minutely": ("minute_of_hour", "hour_of_day", "day_of_week", "day_of_month", "day_of_year"),
    "daily": ("day_of_week", "day_of_month", "day_of_year"),
    "monthly": ("month_of_year",),
}


def validate_feature_names(names: Sequence[str]) -> tuple[str, ...]:
    names = tuple(str(n) for n in names)
    unknown = [n for n in names if n not in _FIELDS]
    if unknown:
        raise ConfigError(f"unknown calendar feature(s) {unknown}; known: {list(CALENDAR_FEATURES)}")
    if len(set(names)) != len(names):
        raise ConfigError(f"calendar features repeat a name: {list(names)}")
    return names


def calendar_features(timestamps: Any, names: Sequence[str]) -> np.ndarray:
    """timestamps [T] (DatetimeIndex or anything pandas parses) -> float32 [T, len(names)]."""
    names = validate_feature_names(names)
    if isinstance(timestamps, pd.DatetimeIndex):
        index = timestamps
    else:
        try:
            index = pd.DatetimeIndex(pd.to_datetime(timestamps, errors="raise"))
        except (TypeError, ValueError) as exc:
            raise InputValidationError(f"calendar features need timestamps; got unparseable values: {exc}") from exc
    if index.hasnans:
        raise InputValidationError("calendar features need a timestamp for every step; some are missing (NaT)")
    if not names:
        return np.zeros((len(index), 0), dtype=np.float32)
    return np.stack([_FIELDS[n](index) for n in names], axis=1).astype(np.float32)


@dataclass(frozen=True)
class CalendarProvider:
    """Data-stage feature "past_time_features": the calendar features of each context
    step, row s = features of steps s .. s + L - 1, shape [T - L + 1, L, F].

    The rows are a sliding view of one [T, F] table, so the cache costs
    T x F floats, not T x L x F. Timestamps are past information, so no row reads a
    target step.
    """

    names: tuple[str, ...]
    name: str = TIME_FEATURES_KEY
    uses_timestamps: bool = True

    def compute(self, series: np.ndarray, context_length: int, timestamps: Any = None) -> np.ndarray:
        if timestamps is None:
            raise InputValidationError(
                "this model takes calendar features and needs the series' timestamps: pass the "
                "context (or history) as a DataFrame with a DatetimeIndex, or load the data with "
                "its date column"
            )
        if len(timestamps) != len(series):
            raise InputValidationError(
                f"{len(timestamps)} timestamps for a series of {len(series)} steps"
            )
        if len(series) < context_length:
            raise InputValidationError(
                f"series of {len(series)} steps is shorter than the context length {context_length}"
            )
        table = np.ascontiguousarray(calendar_features(timestamps, self.names))
        rows = len(table) - context_length + 1
        step, width = table.strides
        # A view (row s starts at step s), writable because it is ours: torch wraps it without a copy.
        return np.lib.stride_tricks.as_strided(
            table, shape=(rows, context_length, table.shape[1]), strides=(step, step, width)
        )


def compute_feature(provider: Any, series: np.ndarray, context_length: int, timestamps: Any = None) -> np.ndarray:
    """Run a FeatureProvider, passing the timestamps only to providers that take them."""
    if getattr(provider, "uses_timestamps", False):
        return provider.compute(series, context_length, timestamps=timestamps)
    return provider.compute(series, context_length)
