"""IFFTB spectra: per-frequency-bin Gaussian distributions of amplitude and phase.

The authors' two "empirical distributions" are unreleased pickles. The package ships two
parametric defaults instead (not fitted to any data set, so zero-shot evaluation stays
leak-free), and `fit_spectrum` builds one from the user's own data. Files are ``.npz`` or
``.json``, never pickle.

Amplitude convention (shared by generation and fitting): a series is
``x(t) = sum_k A_k cos(2 pi f_k t + phi_k)`` with ``f_k = k / L`` cycles per step, i.e. A_k is
the single-sided amplitude ``2 |rfft(x)_k| / L`` (``|rfft(x)_k| / L`` at DC and Nyquist).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from scipy import special

from .errors import SpectrumError

SPECTRUM_FORMAT = "realts-spectrum"
SPECTRUM_FORMAT_VERSION = 1
ARRAY_KEYS = ("frequency", "amplitude_mean", "amplitude_std", "phase_mean", "phase_std")
BUILTIN_SPECTRA = ("smooth", "peaky")

# "smooth": coloured noise, mean amplitude 1 / (1 + (f / SMOOTH_CORNER) ** SMOOTH_SLOPE).
SMOOTH_CORNER = 0.01          # cycles per step (period 100 steps)
SMOOTH_SLOPE = 1.5
SMOOTH_REL_STD = 0.5          # amplitude std / mean
# "peaky": a handful of active bins; P(bin k active) ~ k^-PEAKY_DECAY (capped at 0.5), scaled
# to sum to PEAKY_ACTIVE before the cap (about 2.8 active bins at L=1232), so low frequencies
# (long periods) dominate.
PEAKY_ACTIVE = 4.0
PEAKY_DECAY = 1.5
PEAKY_ENVELOPE_CORNER = 0.02  # active amplitude ~ 1 / sqrt(1 + f / corner)
PHASE_STD = math.pi           # wrapped N(0, pi^2) is nearly uniform on the circle


@dataclass(frozen=True)
class Spectrum:
    """Per-bin Gaussian amplitude/phase distributions on a frequency grid (cycles/step)."""

    frequency: np.ndarray
    amplitude_mean: np.ndarray
    amplitude_std: np.ndarray
    phase_mean: np.ndarray
    phase_std: np.ndarray
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arrays = {k: np.asarray(getattr(self, k), dtype=np.float64) for k in ARRAY_KEYS}
        shape = arrays["frequency"].shape
        if len(shape) != 1 or shape[0] < 2:
            raise SpectrumError(f"spectrum {self.name!r}: frequency must be 1-D with >= 2 bins, got shape {shape}")
        for key, arr in arrays.items():
            if arr.shape != shape:
                raise SpectrumError(f"spectrum {self.name!r}: {key} has shape {arr.shape}, "
                                    f"expected {shape} (same as frequency)")
            if not np.all(np.isfinite(arr)):
                raise SpectrumError(f"spectrum {self.name!r}: {key} contains NaN or inf")
            object.__setattr__(self, key, arr)
        freq = arrays["frequency"]
        if np.any(np.diff(freq) <= 0) or freq[0] < 0 or freq[-1] > 0.5 + 1e-12:
            raise SpectrumError(f"spectrum {self.name!r}: frequency must increase strictly within [0, 0.5]")
        for key in ("amplitude_std", "phase_std"):
            if np.any(arrays[key] < 0):
                raise SpectrumError(f"spectrum {self.name!r}: {key} must be >= 0")

    @property
    def num_bins(self) -> int:
        return int(self.frequency.shape[0])

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for key in ARRAY_KEYS:
            digest.update(np.ascontiguousarray(getattr(self, key), dtype="<f8").tobytes())
        return digest.hexdigest()

    def resample(self, length: int) -> "BinDistributions":
        """Linear interpolation onto the rfft grid k / length, k = 0..length // 2."""
        target = np.arange(length // 2 + 1, dtype=np.float64) / length
        arrays = [np.interp(target, self.frequency, getattr(self, k)).astype(np.float32)
                  for k in ARRAY_KEYS[1:]]
        return BinDistributions(*arrays)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": SPECTRUM_FORMAT, "version": SPECTRUM_FORMAT_VERSION,
                                "name": self.name, "meta": self.meta}
        data.update({k: getattr(self, k).tolist() for k in ARRAY_KEYS})
        return data

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``.npz`` (arrays + JSON header) or ``.json``; never pickle."""
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict()), encoding="utf-8")
        elif path.suffix == ".npz":
            header = json.dumps({"format": SPECTRUM_FORMAT, "version": SPECTRUM_FORMAT_VERSION,
                                 "name": self.name, "meta": self.meta})
            with open(path, "wb") as fh:  # an open handle stops numpy appending a suffix
                np.savez(fh, header=np.array(header), **{k: getattr(self, k) for k in ARRAY_KEYS})
        else:
            raise SpectrumError(f"spectrum path must end in .npz or .json, got {str(path)!r}")
        return path


@dataclass(frozen=True)
class BinDistributions:
    """A spectrum resampled onto one series length's rfft bins (float32 arrays [F])."""

    amplitude_mean: np.ndarray
    amplitude_std: np.ndarray
    phase_mean: np.ndarray
    phase_std: np.ndarray


def builtin_spectrum(name: str, length: int) -> Spectrum:
    """The parametric defaults, evaluated on the rfft grid of `length`."""
    bins = length // 2 + 1
    freq = np.arange(bins, dtype=np.float64) / length
    phase_mean = np.zeros(bins)
    phase_std = np.full(bins, PHASE_STD)
    if name == "smooth":
        mean = 1.0 / (1.0 + (freq / SMOOTH_CORNER) ** SMOOTH_SLOPE)
        mean[0] = 0.0  # no constant offset: the level is arbitrary after normalisation
        std = SMOOTH_REL_STD * mean
    elif name == "peaky":
        k = np.arange(1, bins, dtype=np.float64)
        weight = k ** -PEAKY_DECAY
        p_active = np.minimum(0.5, PEAKY_ACTIVE * weight / np.sum(weight))
        threshold = special.ndtri(1.0 - p_active)            # bin active when z > threshold
        excess = special.ndtr(-threshold)                     # P(z > c)
        mean_excess = np.exp(-0.5 * threshold ** 2) / math.sqrt(2 * math.pi) / excess - threshold
        envelope = 1.0 / np.sqrt(1.0 + freq[1:] / PEAKY_ENVELOPE_CORNER)
        std = np.concatenate([[0.0], envelope / mean_excess])  # active amplitude ~ envelope
        mean = np.concatenate([[0.0], -threshold * std[1:]])
    else:
        raise SpectrumError(f"unknown builtin spectrum {name!r}; known: {list(BUILTIN_SPECTRA)}")
    return Spectrum(freq, mean, std, phase_mean, phase_std, name=f"builtin:{name}")


def load_spectrum(path: str | os.PathLike[str]) -> Spectrum:
    path = Path(path)
    if not path.is_file():
        raise SpectrumError(f"spectrum file not found: {str(path)!r}")
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            header = data
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
            header = json.loads(str(data.pop("header"))) if "header" in data else {}
        else:
            raise SpectrumError(f"spectrum path must end in .npz or .json, got {str(path)!r}")
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, SpectrumError):
            raise
        raise SpectrumError(f"cannot read spectrum file {str(path)!r}: {exc}") from exc
    if header.get("format", SPECTRUM_FORMAT) != SPECTRUM_FORMAT:
        raise SpectrumError(f"{str(path)!r} is not a realts spectrum (format {header.get('format')!r})")
    missing = [k for k in ARRAY_KEYS if k not in data]
    if missing:
        raise SpectrumError(f"spectrum file {str(path)!r} lacks array(s) {missing}")
    return Spectrum(*(np.asarray(data[k], dtype=np.float64) for k in ARRAY_KEYS),
                    name=str(header.get("name") or path.name), meta=dict(header.get("meta") or {}))


def spectrum_from_source(source: str, length: int) -> Spectrum:
    """``builtin:<name>`` or a file path."""
    if source.startswith("builtin:"):
        return builtin_spectrum(source.split(":", 1)[1], length)
    return _load_cached(os.path.abspath(source), _file_stamp(source))


def _file_stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SpectrumError(f"spectrum file not found: {path!r}") from exc
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, stamp: tuple[int, int]) -> Spectrum:
    return load_spectrum(path)


@functools.lru_cache(maxsize=64)
def _resampled(source: str, length: int, stamp: tuple[int, int] | None) -> BinDistributions:
    return spectrum_from_source(source, length).resample(length)


def bin_distributions(source: str, length: int) -> BinDistributions:
    """Cached per (source, length, file stamp): generation asks for this once per batch."""
    stamp = None if source.startswith("builtin:") else _file_stamp(source)
    return _resampled(source, length, stamp)


# -- fitting from the user's data ----------------------------------------------------------

def fit_spectrum(series: Iterable[np.ndarray], window: int, *, hop: int | None = None,
                 bins: int | None = None, name: str = "fitted") -> Spectrum:
    """Per-bin amplitude/phase mean and std over z-scored windows of the given series.

    Windows of `window` steps every `hop` steps (default window // 2); windows containing
    NaN or with zero variance are skipped. `bins` resamples the result onto that many
    equally spaced frequencies in [0, 0.5] (default: the window's own rfft grid).
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 8:
        raise SpectrumError(f"window must be an integer >= 8, got {window!r}")
    hop = window // 2 if hop is None else hop
    if isinstance(hop, bool) or not isinstance(hop, int) or hop < 1:
        raise SpectrumError(f"hop must be a positive integer, got {hop!r}")
    if bins is not None and (isinstance(bins, bool) or not isinstance(bins, int) or bins < 2):
        raise SpectrumError(f"bins must be an integer >= 2, got {bins!r}")
    windows = [w for s in series for w in _windows(np.asarray(s, dtype=np.float64), window, hop)]
    if not windows:
        raise SpectrumError(f"no usable window of {window} steps in the input "
                            "(series too short, constant, or NaN throughout)")
    stack = np.stack(windows)
    stack = (stack - stack.mean(axis=1, keepdims=True)) / stack.std(axis=1, keepdims=True)
    coeffs = np.fft.rfft(stack, axis=1)
    scale = np.full(coeffs.shape[1], 2.0 / window)
    scale[0] = 1.0 / window
    if window % 2 == 0:
        scale[-1] = 1.0 / window
    amplitude = np.abs(coeffs) * scale
    phase = np.angle(coeffs)
    freq = np.arange(coeffs.shape[1], dtype=np.float64) / window
    arrays = [amplitude.mean(0), amplitude.std(0), phase.mean(0), phase.std(0)]
    if bins is not None:
        grid = np.linspace(0.0, freq[-1], bins)
        arrays = [np.interp(grid, freq, a) for a in arrays]
        freq = grid
    meta = {"window": window, "hop": hop, "num_windows": int(stack.shape[0])}
    return Spectrum(freq, *arrays, name=name, meta=meta)


def _windows(x: np.ndarray, window: int, hop: int) -> list[np.ndarray]:
    if x.ndim != 1:
        raise SpectrumError(f"each series must be 1-D, got shape {x.shape}")
    out = []
    for start in range(0, len(x) - window + 1, hop):
        w = x[start:start + window]
        if np.all(np.isfinite(w)) and np.std(w) > 0:
            out.append(w)
    return out


def read_series_file(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> list[np.ndarray]:
    """Series from ``.npy`` (1-D, or 2-D rows), ``.csv`` or ``.parquet`` (numeric columns)."""
    path = Path(path)
    if not path.is_file():
        raise SpectrumError(f"input file not found: {str(path)!r}")
    if path.suffix == ".npy":
        arr = np.load(path, allow_pickle=False)
        if arr.ndim not in (1, 2):
            raise SpectrumError(f"{str(path)!r}: expected a 1-D or 2-D array, got shape {arr.shape}")
        return [arr] if arr.ndim == 1 else list(arr)
    if path.suffix == ".csv":
        from pyarrow import csv as pa_csv
        table = pa_csv.read_csv(path)
    elif path.suffix == ".parquet":
        from pyarrow import parquet as pq
        table = pq.read_table(path)
    else:
        raise SpectrumError(f"input must be .npy, .csv or .parquet, got {str(path)!r}")
    import pyarrow as pa
    names = list(columns) if columns else [
        f.name for f in table.schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    missing = [c for c in names if c not in table.column_names]
    if missing:
        raise SpectrumError(f"{str(path)!r}: no column(s) {missing}")
    if not names:
        raise SpectrumError(f"{str(path)!r}: no numeric column")
    return [table.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in names]
