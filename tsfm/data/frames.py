"""Reading time-series tables into validated pandas DataFrames.

A validated frame has a strictly increasing DatetimeIndex (or a RangeIndex when the
source has no time column) and float64 columns; NaN marks missing values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import DataFormatError, DataNotFoundError


def read_table(
    source: Any,
    date_column: str | None = "date",
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV (optionally .gz), Parquet file, pandas DataFrame or Hugging Face
    `datasets.Dataset` into a validated frame.

    date_column: name of the timestamp column ("date" in the Autoformer/Informer
        layout); None for tables without one (a RangeIndex is used).
    columns: keep only these value columns (in this order).
    """
    frame, name = _raw_frame(source)
    return validate_frame(frame, date_column=date_column, columns=columns, source=name)


def _raw_frame(source: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), "DataFrame"
    if type(source).__module__.startswith("datasets") and hasattr(source, "to_pandas"):
        return source.to_pandas(), f"datasets.{type(source).__name__}"
    path = Path(source)
    if not path.is_file():
        raise DataNotFoundError(f"data file not found: {path}")
    suffixes = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path), str(path)
        if suffixes.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")) or path.suffix.lower() in (".gz",):
            # Read as text first so non-numeric values are reported, not silently coerced.
            return pd.read_csv(path, dtype=str, keep_default_na=False), str(path)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataFormatError(f"{path}: cannot parse file: {exc}") from exc
    raise DataFormatError(f"{path}: unsupported file type (expected .csv, .csv.gz or .parquet)")


_MISSING_TOKENS = {"", "nan", "NaN", "NA", "N/A", "null", "NULL", "None", "?"}


def validate_frame(
    frame: pd.DataFrame,
    date_column: str | None = "date",
    columns: Iterable[str] | None = None,
    source: str = "table",
) -> pd.DataFrame:
    if frame.shape[0] == 0:
        raise DataFormatError(f"{source}: the table has no rows")
    if date_column is not None and date_column not in frame.columns and isinstance(frame.index, pd.DatetimeIndex):
        # A frame indexed by time (e.g. one read_table returned) carries its dates in the index.
        frame = frame.reset_index(names=date_column)
    if date_column is not None:
        if date_column not in frame.columns:
            raise DataFormatError(
                f"{source}: missing date column {date_column!r}; columns are {list(frame.columns)[:10]}"
            )
        raw_dates = frame[date_column]
        try:
            dates = pd.to_datetime(raw_dates, errors="raise")
        except (ValueError, TypeError) as exc:
            raise DataFormatError(f"{source}: column {date_column!r} has unparseable timestamps: {exc}") from exc
        if dates.isna().any():
            row = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise DataFormatError(f"{source}: empty timestamp in column {date_column!r} at row {row}")
        index = pd.DatetimeIndex(dates, name=date_column)
        values = frame.drop(columns=[date_column])
        diffs = np.diff(index.asi8)
        if (diffs == 0).any():
            row = int(np.flatnonzero(diffs == 0)[0]) + 1
            raise DataFormatError(f"{source}: duplicate timestamp {index[row]} at row {row}")
        if (diffs < 0).any():
            row = int(np.flatnonzero(diffs < 0)[0]) + 1
            raise DataFormatError(
                f"{source}: timestamps are not sorted: {index[row]} at row {row} comes after {index[row - 1]}"
            )
    else:
        index = pd.RangeIndex(len(frame))
        values = frame
    if columns is not None:
        columns = list(columns)
        missing = [c for c in columns if c not in values.columns]
        if missing:
            raise DataFormatError(f"{source}: missing column(s) {missing}; available: {list(values.columns)}")
        values = values[columns]
    if values.shape[1] == 0:
        raise DataFormatError(f"{source}: no value columns besides the date column")
    numeric = {}
    for name in values.columns:
        numeric[str(name)] = _to_float(values[name], str(name), source)
    result = pd.DataFrame(numeric, index=index)
    if not np.isfinite(result.to_numpy()[~np.isnan(result.to_numpy())]).all():
        raise DataFormatError(f"{source}: the table contains infinite values")
    return result


def _to_float(column: pd.Series, name: str, source: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64)
    text = column.astype(str).str.strip()
    missing = text.isin(_MISSING_TOKENS) | column.isna().to_numpy()
    parsed = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = parsed.isna() & ~missing
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(
            f"{source}: non-numeric value {column.iloc[row]!r} in column {name!r} at row {row}"
        )
    return parsed.to_numpy(dtype=np.float64)
