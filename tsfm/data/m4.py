"""M4 competition data: the official CSV layout, the Naive2 benchmark and model windows.

Layout (as published by the competition; `root` is the data root or the M4 folder):
    M4/Train/<Frequency>-train.csv   one row per series: "V1" is the id, then the values;
                                     shorter series end in empty cells
    M4/Test/<Frequency>-test.csv     the same ids in the same order, exactly `horizon` values

Metrics (SMAPE, MASE, OWA) live in `tsfm.evaluation.metrics`; `naive2_forecast` is the
benchmark OWA is relative to.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, DataNotFoundError, InputValidationError
from .forecasting import DATA_DIR_ENV, data_root

# frequency -> (horizon, seasonality), as fixed by the competition guide.
M4_FREQUENCIES: dict[str, tuple[int, int]] = {
    "Yearly": (6, 1),
    "Quarterly": (8, 4),
    "Monthly": (18, 12),
    "Weekly": (13, 1),
    "Daily": (14, 1),
    "Hourly": (48, 24),
}

# Cells that pad a short series at the end of its row (R exports write "NA").
_PAD_TOKENS = {"", "NA", "NaN", "nan"}


@dataclass
class M4Data:
    """One M4 frequency.

    ids: N series ids ("H1", ...). train: N float64 arrays of varying length (no padding).
    test: [N, horizon] float64, the values to forecast after each train series.
    """

    frequency: str
    ids: list[str]
    train: list[np.ndarray]
    test: np.ndarray
    horizon: int
    seasonality: int

    def __len__(self) -> int:
        return len(self.ids)


def _canonical_frequency(frequency: str) -> str:
    for name in M4_FREQUENCIES:
        if str(frequency).strip().lower() == name.lower():
            return name
    raise InputValidationError(
        f"unknown M4 frequency {frequency!r}; known: {', '.join(M4_FREQUENCIES)}"
    )


def _m4_files(frequency: str, root: str | Path | None) -> tuple[Path, Path]:
    """(train, test) paths: `<root>/M4/...` or `<root>/...` when root is the M4 folder."""
    base = data_root(root)
    tried: list[str] = []
    for folder in (base / "M4", base):
        # The official repository nests Train/ and Test/; some copies are flat.
        for train, test in (
            (folder / "Train" / f"{frequency}-train.csv", folder / "Test" / f"{frequency}-test.csv"),
            (folder / f"{frequency}-train.csv", folder / f"{frequency}-test.csv"),
        ):
            tried += [str(train), str(test)]
            if train.is_file() and test.is_file():
                return train, test
    raise DataNotFoundError(
        f"M4 {frequency} data not found; tried: {', '.join(tried)}. "
        f"Set ${DATA_DIR_ENV} (or pass root=) to the folder that holds M4/."
    )


def _read_m4_csv(path: Path) -> tuple[list[str], list[np.ndarray]]:
    """Ids and value arrays of an M4 CSV; trailing pad cells are dropped."""
    ids: list[str] = []
    rows: list[np.ndarray] = []
    # csv, not pandas: Monthly has 48k rows x 2.8k columns, mostly empty cells.
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(f"{path}: the file is empty")
        if not header or header[0].strip() != "V1":
            raise DataFormatError(
                f"{path}: line 1 should be the header starting with 'V1', got {header[:3]}"
            )
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue  # a blank line (e.g. at the end of the file)
            series_id = row[0].strip()
            cells = [cell.strip() for cell in row[1:]]
            while cells and cells[-1] in _PAD_TOKENS:
                cells.pop()
            if not series_id:
                raise DataFormatError(f"{path}: line {line_no}: empty series id")
            if not cells:
                raise DataFormatError(f"{path}: line {line_no} (id {series_id!r}): no values")
            try:
                values = np.asarray(cells, dtype=np.float64)
            except ValueError:
                col = next(i for i, c in enumerate(cells) if not _is_number(c))
                problem = "an empty cell inside the series" if cells[col] in _PAD_TOKENS else (
                    f"non-numeric value {cells[col]!r}"
                )
                raise DataFormatError(
                    f"{path}: line {line_no} (id {series_id!r}), column V{col + 2}: {problem}"
                ) from None
            if not np.isfinite(values).all():
                col = int(np.flatnonzero(~np.isfinite(values))[0])
                raise DataFormatError(
                    f"{path}: line {line_no} (id {series_id!r}), column V{col + 2}: "
                    f"non-finite value {cells[col]!r}"
                )
            ids.append(series_id)
            rows.append(values)
    if not ids:
        raise DataFormatError(f"{path}: no series after the header")
    return ids, rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_m4(frequency: str, root: str | Path | None = None) -> M4Data:
    """Load one M4 frequency ("Hourly", case-insensitive) from the competition CSVs.

    root: the data root (default $TSFM_DATA_DIR), or the M4 folder itself.
    """
    name = _canonical_frequency(frequency)
    horizon, seasonality = M4_FREQUENCIES[name]
    train_path, test_path = _m4_files(name, root)
    train_ids, train = _read_m4_csv(train_path)
    test_ids, test_rows = _read_m4_csv(test_path)
    for i, (a, b) in enumerate(zip(train_ids, test_ids)):
        if a != b:
            raise DataFormatError(
                f"{test_path}: line {i + 2} has id {b!r} but line {i + 2} of {train_path} has "
                f"{a!r}; train and test must list the same series in the same order"
            )
    if len(train_ids) != len(test_ids):
        raise DataFormatError(
            f"{train_path} has {len(train_ids)} series but {test_path} has {len(test_ids)}"
        )
    if len(set(train_ids)) != len(train_ids):
        dup = next(s for s in train_ids if train_ids.count(s) > 1)
        raise DataFormatError(f"{train_path}: series id {dup!r} appears more than once")
    for i, row in enumerate(test_rows):
        if len(row) != horizon:
            raise DataFormatError(
                f"{test_path}: line {i + 2} (id {test_ids[i]!r}) has {len(row)} values; "
                f"M4 {name} test rows have exactly {horizon} (the horizon)"
            )
    return M4Data(
        frequency=name,
        ids=train_ids,
        train=train,
        test=np.stack(test_rows),
        horizon=horizon,
        seasonality=seasonality,
    )


# ----------------------------------------------------------------------------- Naive2


def _acf(x: np.ndarray, lag: int) -> float:
    """Sample autocorrelation at `lag` (biased estimator: full-series variance below)."""
    centred = x - x.mean()
    denom = float(np.dot(centred, centred))
    if denom == 0.0:
        return 0.0
    return float(np.dot(centred[lag:], centred[:-lag]) / denom)


def is_seasonal(series: np.ndarray, seasonality: int) -> bool:
    """The M4 90% seasonality test on a 1-D series.

    Seasonal when |acf_m| > 1.645 * sqrt((1 + 2 * sum_{k=1}^{m-1} acf_k^2) / n), m the
    seasonality. Only applied for m > 1 and n >= 3m (False otherwise). The absolute value
    is what the competition's benchmark used (a strong negative lag-m correlation is a
    seasonal pattern too); on M4 Hourly it changes one series (H223, acf_24 = -0.35) and
    is needed to reproduce the published Naive2 SMAPE of 18.383 (signed: 18.382).
    """
    x = np.asarray(series, dtype=np.float64)
    m = int(seasonality)
    n = len(x)
    if m <= 1 or n < 3 * m:
        return False
    acfs = [_acf(x, k) for k in range(1, m + 1)]
    limit = 1.645 * np.sqrt((1.0 + 2.0 * sum(a * a for a in acfs[:-1])) / n)
    return abs(acfs[-1]) > limit


def seasonal_indices(series: np.ndarray, seasonality: int) -> np.ndarray:
    """Classical multiplicative decomposition: the m seasonal indices, [m], mean 1.

    Index j belongs to the positions t with t % m == j (t counted from the series start).
    Trend: centred moving average of order m (2 x m for even m, so it stays centred);
    each index is the mean of x_t / trend_t over its positions, then all are rescaled
    to average 1.
    """
    x = np.asarray(series, dtype=np.float64)
    m = int(seasonality)
    if m % 2 == 0:
        weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        weights = np.ones(m) / m
    half = len(weights) // 2
    if len(x) < m + 2 * half:
        raise InputValidationError(
            f"seasonal_indices needs at least {m + 2 * half} values for seasonality {m} "
            f"(every position needs one centred trend value), got {len(x)}"
        )
    trend = np.full(len(x), np.nan)
    trend[half : len(x) - half] = np.convolve(x, weights, mode="valid")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = x / trend
    ratios[~np.isfinite(ratios)] = np.nan
    positions = np.arange(len(x)) % m
    indices = np.full(m, np.nan)
    for j in range(m):
        at_j = ratios[positions == j]
        if np.isfinite(at_j).any():  # nanmean of an all-NaN slice would warn
            indices[j] = np.nanmean(at_j)
    return indices / np.nanmean(indices)


def naive2_forecast(series: np.ndarray, horizon: int, seasonality: int) -> np.ndarray:
    """The M4 Naive2 benchmark: seasonally adjusted naive forecast, [horizon].

    When `is_seasonal` holds, the series is divided by its multiplicative seasonal indices,
    the last adjusted value is repeated and multiplied back by the indices of the future
    positions; otherwise the last value is repeated. Needs a NaN-free 1-D series.
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 1 or len(x) == 0:
        raise InputValidationError(f"naive2_forecast needs a non-empty 1-D series, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InputValidationError("naive2_forecast needs finite values (drop padding/NaN first)")
    if horizon < 1:
        raise InputValidationError(f"horizon must be >= 1, got {horizon}")
    m = int(seasonality)
    if is_seasonal(x, m):
        indices = seasonal_indices(x, m)
        # Indices from a trend that crosses zero are meaningless: fall back to plain naive.
        if np.isfinite(indices).all() and (indices > 0).all():
            n = len(x)
            last_adjusted = x[-1] / indices[(n - 1) % m]
            return last_adjusted * indices[(n + np.arange(horizon)) % m]
    return np.full(horizon, x[-1])


# ----------------------------------------------------------------------------- windows


def _left_pad(values: np.ndarray, length: int) -> np.ndarray:
    return np.concatenate([np.full(length, np.nan), values])


def m4_windows(
    data: M4Data,
    context_length: int,
    max_windows_per_series: int | None = None,
) -> dict[str, np.ndarray]:
    """Training windows from the train part of every series (the test part is never used).

    A window forecasting from position s of a series y (length n) has
    past = y[s - L : s] and future = y[s : s + H]. Allowed s: the future lies inside y
    (s + H <= n) and the past is fully observed (s >= L); a series too short for one such
    window (n < L + H) gives its one window ending at the series end, with the past
    left-padded by NaN (past_observed_mask False there). Series need n > H.
    max_windows_per_series keeps only the most recent windows of each series (the ones
    nearest the test period; Monthly with every window would need gigabytes).

    Returns: past_values [W, L, 1] float32 (NaN on padding), past_observed_mask [W, L, 1]
    bool, future_values [W, H, 1] float32, future_observed_mask [W, H, 1] bool (all True),
    series_index [W] int64 (row in data.ids), forecast_start [W] int64 (s).
    """
    L, H = int(context_length), data.horizon
    if L < 1:
        raise InputValidationError(f"context_length must be >= 1, got {context_length}")
    if max_windows_per_series is not None and max_windows_per_series < 1:
        raise InputValidationError(f"max_windows_per_series must be >= 1, got {max_windows_per_series}")
    pasts, futures, owners, starts = [], [], [], []
    for i, y in enumerate(data.train):
        n = len(y)
        if n <= H:
            raise InputValidationError(
                f"series {data.ids[i]!r} has {n} train values, not more than the horizon {H}: "
                "no training window has an observed past"
            )
        first, last = min(L, n - H), n - H
        if max_windows_per_series is not None:
            first = max(first, last - max_windows_per_series + 1)
        padded = _left_pad(y, L)
        # Padded index s + L holds y[s]: the window for s spans padded[s : s + L + H].
        view = np.lib.stride_tricks.sliding_window_view(padded, L + H)[first : last + 1]
        pasts.append(view[:, :L])
        futures.append(view[:, L:])
        owners.append(np.full(len(view), i, dtype=np.int64))
        starts.append(np.arange(first, last + 1, dtype=np.int64))
    past = np.concatenate(pasts).astype(np.float32)[..., None]
    future = np.concatenate(futures).astype(np.float32)[..., None]
    return {
        "past_values": past,
        "past_observed_mask": ~np.isnan(past),
        "future_values": future,
        "future_observed_mask": np.ones(future.shape, dtype=bool),
        "series_index": np.concatenate(owners),
        "forecast_start": np.concatenate(starts),
    }


def m4_test_inputs(data: M4Data, context_length: int) -> dict[str, np.ndarray]:
    """The model inputs for the official test horizon: the last L train values per series.

    Returns: past_values [N, L, 1] float32 (left-padded with NaN where a series is shorter
    than L), past_observed_mask [N, L, 1] bool, future_values [N, H, 1] float32 (the test
    values, for scoring), series_index [N] int64.
    """
    L = int(context_length)
    if L < 1:
        raise InputValidationError(f"context_length must be >= 1, got {context_length}")
    past = np.stack([_left_pad(y, L)[-L:] for y in data.train]).astype(np.float32)[..., None]
    return {
        "past_values": past,
        "past_observed_mask": ~np.isnan(past),
        "future_values": data.test.astype(np.float32)[..., None],
        "series_index": np.arange(len(data.ids), dtype=np.int64),
    }
