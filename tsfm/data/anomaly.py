"""Anomaly-detection data: NAB files, generic labelled CSVs, splits and windows.

NAB layout (`root` is the data root or the NAB folder):
    NAB/data/<family>/<file>.csv              columns timestamp,value
    NAB/labels/combined_windows.json          {"<family>/<file>.csv": [[start, end], ...]}
A point is anomalous (label 1) when start <= timestamp <= end for some window.

Generic layout: a CSV of variables, an optional time column, and labels either as a
column or as a separate file (one-column CSV/text, or .npy), e.g. SMD/PSM-style sets.

Protocol: NAB has no official train/test split. `split_anomaly_series` cuts a series by
time; the train part fits the model and the score threshold (its labels are ignored for
fitting), the test part is scored. Test windows (`AnomalyWindowDataset` with stride =
window) cover every point; `stitch_window_scores` maps window scores back to points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..errors import DataFormatError, DataNotFoundError, InputValidationError
from .forecasting import DATA_DIR_ENV, data_root
from .frames import read_table, validate_frame

_TIME_COLUMNS = ("timestamp", "date", "datetime", "time")


@dataclass
class AnomalySeries:
    """One series with point labels.

    timestamps: [T] pandas Index (DatetimeIndex, or RangeIndex without a time column).
    values: [T, C] float32 (NaN = missing). labels: [T] int8 (1 = anomalous) or None.
    """

    name: str
    timestamps: pd.Index
    values: np.ndarray
    labels: np.ndarray | None
    columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)


# ------------------------------------------------------------------------------ NAB


def _nab_folder(root: str | Path | None) -> Path:
    base = data_root(root)
    for folder in (base / "NAB", base):
        if (folder / "data").is_dir():
            return folder
    raise DataNotFoundError(
        f"NAB data not found: neither {base / 'NAB' / 'data'} nor {base / 'data'} is a folder. "
        f"Set ${DATA_DIR_ENV} (or pass root=) to the folder that holds NAB/."
    )


def _nab_windows(labels_path: Path) -> dict[str, list]:
    if not labels_path.is_file():
        raise DataNotFoundError(f"NAB label file not found: {labels_path}")
    try:
        windows = json.loads(labels_path.read_text())
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{labels_path}: not valid JSON: {exc}") from exc
    if not isinstance(windows, dict):
        raise DataFormatError(f"{labels_path}: expected an object keyed by '<family>/<file>.csv'")
    return windows


def load_nab(
    family_or_file: str | Path,
    root: str | Path | None = None,
    strict_timestamps: bool = False,
) -> list[AnomalySeries]:
    """Load a NAB family ("realKnownCause": every CSV in it, sorted by name), one file
    ("realKnownCause/nyc_taxi.csv", ".csv" optional) or a CSV path inside a NAB tree.

    Labels come from labels/combined_windows.json. strict_timestamps: reject files whose
    timestamps are not strictly increasing. Off by default because NAB's own files are
    not: ec2_request_latency_system_failure.csv repeats 2014-03-09 03:00:00 twelve times
    and machine_temperature_system_failure.csv steps back 55 minutes at row 10149; NAB's
    scorer keeps the file order, and so do we (labels compare each row's timestamp).
    """
    path = Path(family_or_file)
    if path.suffix == ".csv" and path.is_file():
        # A file inside <NAB>/data/<family>/: labels sit at <NAB>/labels/.
        folder = path.resolve().parents[2]
        files = [path]
    else:
        folder = _nab_folder(root)
        key = str(family_or_file).strip("/")
        target = folder / "data" / key
        if target.is_dir():
            files = sorted(target.glob("*.csv"))
            if not files:
                raise DataNotFoundError(f"no CSV files in NAB family folder {target}")
        else:
            candidate = target if target.suffix == ".csv" else target.with_name(target.name + ".csv")
            if not candidate.is_file():
                families = sorted(p.name for p in (folder / "data").iterdir() if p.is_dir())
                raise DataNotFoundError(
                    f"NAB {key!r} not found: tried {target} and {candidate}; "
                    f"families here: {', '.join(families)}"
                )
            files = [candidate]
    labels_path = folder / "labels" / "combined_windows.json"
    windows = _nab_windows(labels_path)
    return [_read_nab_file(f, windows, labels_path, strict_timestamps) for f in files]


def _read_nab_file(path: Path, windows: dict[str, list], labels_path: Path, strict: bool) -> AnomalySeries:
    key = f"{path.parent.name}/{path.name}"
    if key not in windows:
        raise DataFormatError(f"{labels_path}: no entry for {key!r}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("timestamp", "value"):
        if column not in raw.columns:
            raise DataFormatError(f"{path}: missing column {column!r}; columns are {list(raw.columns)}")
    if strict:
        frame = validate_frame(raw[["timestamp", "value"]], date_column="timestamp", source=str(path))
        timestamps = frame.index
    else:
        frame = validate_frame(raw[["value"]], date_column=None, source=str(path))
        try:
            timestamps = pd.DatetimeIndex(pd.to_datetime(raw["timestamp"], errors="raise"), name="timestamp")
        except (ValueError, TypeError) as exc:
            raise DataFormatError(f"{path}: unparseable timestamps: {exc}") from exc
    values = frame.to_numpy(dtype=np.float32)
    labels = np.zeros(len(values), dtype=np.int8)
    stamps = timestamps.to_numpy()
    first, last = stamps.min(), stamps.max()
    for i, window in enumerate(windows[key]):
        if not (isinstance(window, (list, tuple)) and len(window) == 2):
            raise DataFormatError(f"{labels_path}: {key!r} window {i} is not a [start, end] pair: {window!r}")
        try:
            start, end = (pd.Timestamp(w).to_datetime64() for w in window)
        except (ValueError, TypeError) as exc:
            raise DataFormatError(f"{labels_path}: {key!r} window {i}: bad timestamp: {exc}") from exc
        if start > end:
            raise DataFormatError(f"{labels_path}: {key!r} window {i} starts after it ends: {window}")
        if start < first or end > last:
            raise DataFormatError(
                f"{labels_path}: {key!r} window {i} {window} lies outside the series "
                f"({pd.Timestamp(first)} .. {pd.Timestamp(last)})"
            )
        labels[(stamps >= start) & (stamps <= end)] = 1
    return AnomalySeries(name=key, timestamps=timestamps, values=values, labels=labels, columns=["value"])


# -------------------------------------------------------------------------- generic CSV


def _check_labels(labels: np.ndarray, length: int, source: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataFormatError(f"{source}: labels must be one value per time step, got shape {labels.shape}")
    if len(labels) != length:
        raise DataFormatError(f"{source}: {len(labels)} labels for a series of {length} time steps")
    numeric = labels.astype(np.float64)
    bad = ~np.isin(numeric, (0.0, 1.0))  # NaN is not 0/1 either
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{source}: labels must be 0 or 1; row {row} has {labels[row]!r}")
    return numeric.astype(np.int8)


def _read_label_file(path: Path, label_column: str | None) -> np.ndarray:
    if not path.is_file():
        raise DataNotFoundError(f"label file not found: {path}")
    if path.suffix.lower() == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise DataFormatError(f"{path}: not a plain numeric .npy array: {exc}") from exc
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    if raw.empty:
        raise DataFormatError(f"{path}: the label file is empty")
    first = [str(c).strip() for c in raw.iloc[0]]
    try:
        [float(c) for c in first]
        has_header = False
    except ValueError:
        has_header = True
    if has_header:
        raw.columns = first
        raw = raw.iloc[1:].reset_index(drop=True)
    if raw.shape[1] == 1:
        column = raw.columns[0]
    elif has_header and (label_column or "label") in raw.columns:
        column = label_column or "label"
    else:
        raise DataFormatError(
            f"{path}: a label file needs one column, or a header with a {label_column or 'label'!r} column"
        )
    # Validated as a one-column table so non-numeric cells are reported by row.
    table = validate_frame(raw[[column]], date_column=None, source=str(path))
    return table.to_numpy()[:, 0]


def load_anomaly_csv(
    path: str | Path,
    label_column: str | None = "label",
    labels_path: str | Path | None = None,
    date_column: str | None = "auto",
) -> AnomalySeries:
    """Read a CSV of variables (+ optional time column) with point labels.

    label_column: the column holding 0/1 labels (removed from the variables); None for an
        unlabelled file. When labels_path is given, labels come from that file instead
        (a one-column CSV/text file with optional header, or a .npy array) and a
        label_column present in the CSV is still dropped from the variables.
    date_column: "auto" takes the first column named timestamp/date/datetime/time
        (any case); None reads every column as a variable. Timestamps must increase.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"data file not found: {path}")
    try:
        header = list(pd.read_csv(path, nrows=0).columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{path}: cannot parse file: {exc}") from exc
    if date_column == "auto":
        date_column = next((c for c in header if str(c).strip().lower() in _TIME_COLUMNS), None)
    frame = read_table(path, date_column=date_column)
    labels = None
    if labels_path is None and label_column is not None and label_column not in frame.columns:
        raise DataFormatError(
            f"{path}: no label column {label_column!r} (columns: {list(frame.columns)[:10]}); "
            "pass label_column=None for unlabelled data or labels_path= for a separate file"
        )
    if label_column is not None and label_column in frame.columns:
        if labels_path is None:
            labels = _check_labels(frame[label_column].to_numpy(), len(frame), f"{path} column {label_column!r}")
        frame = frame.drop(columns=[label_column])
    if labels_path is not None:
        labels = _check_labels(_read_label_file(Path(labels_path), label_column), len(frame), str(labels_path))
    if frame.shape[1] == 0:
        raise DataFormatError(f"{path}: no variable columns besides the labels")
    return AnomalySeries(
        name=path.stem,
        timestamps=frame.index,
        values=frame.to_numpy(dtype=np.float32),
        labels=labels,
        columns=[str(c) for c in frame.columns],
    )


# ------------------------------------------------------------------- split and windows


def split_anomaly_series(
    series: AnomalySeries, train_fraction: float = 0.5
) -> tuple[AnomalySeries, AnomalySeries]:
    """Cut a series by time into (train, test): the first int(T * train_fraction) steps
    and the rest. Both keep their labels; train labels are for reporting only (the model
    and its threshold are fitted without them, as in unsupervised detection)."""
    if not 0.0 < train_fraction < 1.0:
        raise InputValidationError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    cut = int(len(series) * train_fraction)
    if cut < 1 or cut >= len(series):
        raise InputValidationError(
            f"{series.name}: a series of {len(series)} steps cannot be split at fraction {train_fraction}"
        )

    def part(sl: slice, suffix: str) -> AnomalySeries:
        return replace(
            series,
            name=f"{series.name}[{suffix}]",
            timestamps=series.timestamps[sl],
            values=series.values[sl],
            labels=None if series.labels is None else series.labels[sl],
        )

    return part(slice(0, cut), "train"), part(slice(cut, None), "test")


def window_starts(total_length: int, window: int, stride: int) -> np.ndarray:
    """Start rows of windows of `window` steps every `stride` steps over `total_length`;
    when the last regular window stops short of the end, one more window ending exactly at
    the end is added, so every point is covered (it overlaps its predecessor)."""
    if window < 1 or stride < 1:
        raise InputValidationError(f"window and stride must be >= 1, got {window} and {stride}")
    if total_length < window:
        raise InputValidationError(
            f"series of {total_length} steps is shorter than one window of {window} steps"
        )
    starts = np.arange(0, total_length - window + 1, stride, dtype=np.int64)
    if starts[-1] + window < total_length:
        starts = np.append(starts, total_length - window)
    return starts


class AnomalyWindowDataset(Dataset):
    """Windows over a [T, C] (or [T]) series for reconstruction-style detectors.

    Item: past_values [window, C] float32 (NaN = missing), past_observed_mask [window, C]
    bool, and labels [window] long when labels [T] are given. `starts` holds each window's
    first row (see `window_starts`); with stride = window the test windows tile the series,
    the last one overlapping where T is not a multiple of the window.
    """

    def __init__(
        self,
        values: np.ndarray,
        window: int,
        stride: int,
        labels: np.ndarray | None = None,
    ) -> None:
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise InputValidationError(f"values must be [T, C] or [T], got shape {values.shape}")
        self.starts = window_starts(len(values), int(window), int(stride))
        self.window = int(window)
        self.total_length = len(values)
        self.values = torch.from_numpy(np.ascontiguousarray(values))
        self.labels = None
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(values),):
                raise InputValidationError(
                    f"labels must be [T] = [{len(values)}], got shape {labels.shape}"
                )
            self.labels = torch.from_numpy(labels.astype(np.int64))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        s = int(self.starts[i])
        past = self.values[s : s + self.window]
        item = {"past_values": past, "past_observed_mask": ~torch.isnan(past)}
        if self.labels is not None:
            item["labels"] = self.labels[s : s + self.window]
        return item


def stitch_window_scores(scores: np.ndarray, starts: np.ndarray, total_length: int) -> np.ndarray:
    """Per-window point scores [n_windows, window, ...] -> per-point scores [T, ...].

    A point covered by several windows (the overlapping last window, or stride < window)
    gets the mean of its scores. Raises if a point is covered by no window.
    """
    scores = np.asarray(scores, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.int64)
    if scores.ndim < 2 or len(scores) != len(starts):
        raise InputValidationError(
            f"scores must be [n_windows, window, ...] with n_windows = len(starts) = {len(starts)}, "
            f"got shape {scores.shape}"
        )
    window = scores.shape[1]
    if (starts < 0).any() or (starts + window > total_length).any():
        raise InputValidationError(f"a window of {window} steps runs outside [0, {total_length})")
    total = np.zeros((total_length,) + scores.shape[2:])
    count = np.zeros(total_length)
    rows = (starts[:, None] + np.arange(window)[None, :]).ravel()
    np.add.at(total, rows, scores.reshape((-1,) + scores.shape[2:]))
    np.add.at(count, rows, 1.0)
    if (count == 0).any():
        raise InputValidationError(
            f"{int((count == 0).sum())} point(s) are covered by no window, first at {int(np.argmin(count))}"
        )
    return total / count.reshape((-1,) + (1,) * (scores.ndim - 2))
