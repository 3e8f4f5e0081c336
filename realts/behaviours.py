"""The seven RealTS behaviours, each vectorised over a group of series.

Every function takes the group's parameter uniforms ``u`` (float32 [n, 47], the row's slots
1..47), its standard normals ``z`` (float32 [n, 2F]) and returns ``(values [n, L] float32,
params)``, where ``params`` maps names to arrays whose first axis is the series. Time ``t``
counts steps 0..L-1, as in the paper's priors (periods, rates and slopes are per step).
"""

from __future__ import annotations

import numpy as np

from . import rng
from .config import WAVE_SHAPES, IFFTBConfig, LGBConfig, RWBConfig, SeasonalConfig, TWDBConfig, WaveConfig
from .spectra import bin_distributions

Params = dict[str, np.ndarray]
MAX_WAVES = 8
MAX_KNOTS = 16
_TWO_PI = np.float32(2.0 * np.pi)

# Parameter slots (indices into u), part of the stream layout (realts.version.STREAM_VERSION).
_WAVE_K, _WAVE_AMP, _WAVE_PERIOD, _WAVE_SHAPE, _WAVE_PHASE, _WAVE_NOISE = 0, 1, 9, 17, 25, 33
_TWDB_SLOPE, _TWDB_INTERCEPT = 34, 35


def _time(length: int) -> np.ndarray:
    return np.arange(length, dtype=np.float32)


def _add_noise(values: np.ndarray, sigma: np.ndarray, z: np.ndarray | None) -> None:
    if z is not None:
        values += sigma.astype(np.float32)[:, None] * z[:, :values.shape[1]]


def _shape_values(shape: int, frac: np.ndarray) -> np.ndarray:
    """Waveform of unit amplitude at cycle fraction `frac` in [0, 1)."""
    name = WAVE_SHAPES[shape]
    if name == "sin":
        return np.sin(_TWO_PI * frac)
    if name == "cos":
        return np.cos(_TWO_PI * frac)
    if name == "square":
        return np.where(frac < np.float32(0.5), np.float32(1.0), np.float32(-1.0))
    if name == "triangle":
        return np.float32(4.0) * np.abs(frac - np.float32(0.5)) - np.float32(1.0)
    return np.float32(2.0) * frac - np.float32(1.0)  # sawtooth


def draw_waves(u: np.ndarray, length: int, cfg: WaveConfig, noise: bool) -> Params:
    n = u.shape[0]
    weights = np.array([cfg.shape_weights.get(s, 0.0) for s in WAVE_SHAPES])
    params: Params = {
        "k": rng.integer(u[:, _WAVE_K], int(cfg.k_range[0]), int(cfg.k_range[1])),
        "amplitude": rng.uniform(u[:, _WAVE_AMP:_WAVE_AMP + MAX_WAVES], *cfg.amplitude_range),
        "period": rng.log_uniform(u[:, _WAVE_PERIOD:_WAVE_PERIOD + MAX_WAVES],
                                  cfg.min_period, cfg.max_period_factor * length),
        "shape": rng.categorical(u[:, _WAVE_SHAPE:_WAVE_SHAPE + MAX_WAVES], weights),
        "phase": (rng.uniform(u[:, _WAVE_PHASE:_WAVE_PHASE + MAX_WAVES], 0.0, 1.0) if cfg.random_phase
                  else np.zeros((n, MAX_WAVES))),
        "noise_sigma": (rng.log_uniform(u[:, _WAVE_NOISE], *cfg.noise_sigma_range) if noise
                        else np.zeros(n)),
    }
    return params


def wave_sum(params: Params, length: int) -> np.ndarray:
    """sum_{j<k} A_j f_j(t / P_j + phase_j), computed only for active (series, wave) pairs."""
    k = params["k"]
    n = k.shape[0]
    rows, slots = np.nonzero(np.arange(MAX_WAVES)[None, :] < k[:, None])  # row-major order
    out = np.zeros((n, length), np.float32)
    if rows.size == 0:
        return out
    cycles = _time(length)[None, :] * (1.0 / params["period"][rows, slots]).astype(np.float32)[:, None]
    cycles += params["phase"][rows, slots].astype(np.float32)[:, None]
    frac = cycles - np.floor(cycles)
    shapes = params["shape"][rows, slots]
    waves = np.empty_like(frac)
    for code in np.unique(shapes):
        sel = shapes == code
        waves[sel] = _shape_values(int(code), frac[sel])
    waves *= params["amplitude"][rows, slots].astype(np.float32)[:, None]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out[rows[starts]] = np.add.reduceat(waves, starts, axis=0)
    return out


def pwb(u: np.ndarray, z: np.ndarray | None, length: int, cfg: WaveConfig, noise: bool) -> tuple[np.ndarray, Params]:
    """Periodic Wave Behaviour, eqs. 15-18."""
    params = draw_waves(u, length, cfg, noise)
    values = wave_sum(params, length)
    _add_noise(values, params["noise_sigma"], z if noise else None)
    return values, params


def twdb(u: np.ndarray, z: np.ndarray | None, length: int, cfg: TWDBConfig, noise: bool) -> tuple[np.ndarray, Params]:
    """Trend Wave Data Behaviour a*t + b + waves, eqs. 23-25."""
    params = draw_waves(u, length, cfg.waves, noise)
    params["slope"] = rng.uniform(u[:, _TWDB_SLOPE], *cfg.slope_range)
    params["intercept"] = rng.uniform(u[:, _TWDB_INTERCEPT], *cfg.intercept_range)
    values = wave_sum(params, length)
    trend_time = _time(length) * np.float32(cfg.trend_time_step)
    values += (params["slope"].astype(np.float32)[:, None] * trend_time[None, :]
               + params["intercept"].astype(np.float32)[:, None])
    _add_noise(values, params["noise_sigma"], z if noise else None)
    return values, params


def rwb(u: np.ndarray, z: np.ndarray | None, length: int, cfg: RWBConfig, noise: bool) -> tuple[np.ndarray, Params]:
    """Random Walk Behaviour, eq. 19: s_i = s_{i-1} + N(0, sigma^2). The walk is the process
    itself, so `noise` does not switch it off."""
    assert z is not None
    params: Params = {"step_sigma": rng.log_uniform(u[:, 0], *cfg.step_sigma_range),
                      "start": rng.uniform(u[:, 1], *cfg.start_range)}
    values = np.empty((u.shape[0], length), np.float32)
    values[:, 0] = 0.0
    np.cumsum(z[:, :length - 1] * params["step_sigma"].astype(np.float32)[:, None], axis=1, out=values[:, 1:])
    values += params["start"].astype(np.float32)[:, None]
    return values, params


def lgb(u: np.ndarray, z: np.ndarray | None, length: int, cfg: LGBConfig, noise: bool) -> tuple[np.ndarray, Params]:
    """Logistic Growth Behaviour K / (1 + exp(-r (t - t0))), eqs. 20-22."""
    n = u.shape[0]
    params: Params = {
        "capacity": rng.log_uniform(u[:, 0], *cfg.capacity_range),
        "rate": rng.log_uniform(u[:, 1], *cfg.rate_range),
        "midpoint": rng.uniform(u[:, 2], *cfg.midpoint_fraction_range) * length,
        "noise_rel": rng.log_uniform(u[:, 3], *cfg.noise_rel_range) if noise else np.zeros(n),
    }
    exponent = (_time(length)[None, :] - params["midpoint"].astype(np.float32)[:, None])
    exponent *= -params["rate"].astype(np.float32)[:, None]
    np.clip(exponent, -60.0, 60.0, out=exponent)  # float32 exp overflows past ~88
    capacity = params["capacity"].astype(np.float32)[:, None]
    values = capacity / (np.float32(1.0) + np.exp(exponent))
    _add_noise(values, params["noise_rel"] * params["capacity"], z if noise else None)
    return values, params


def seasonal(u: np.ndarray, z: np.ndarray | None, length: int, cfg: SeasonalConfig, noise: bool) -> tuple[np.ndarray, Params]:
    """The authors' extra "seasonal" behaviour (unpublished): a random piecewise-linear cycle
    with an integer period, repeated, plus a small linear trend and noise."""
    n = u.shape[0]
    max_period = cfg.max_period_factor * length
    period = np.clip(np.rint(rng.log_uniform(u[:, 0], cfg.min_period, max_period)),
                     np.ceil(cfg.min_period), max(np.floor(max_period), np.ceil(cfg.min_period))).astype(np.int64)
    knots = rng.integer(u[:, 1], int(cfg.knots_range[0]), int(cfg.knots_range[1]))
    params: Params = {
        "period": period,
        "knots": knots,
        "knot_values": rng.uniform(u[:, 2:2 + MAX_KNOTS], -1.0, 1.0),
        "amplitude": rng.uniform(u[:, 18], *cfg.amplitude_range),
        "slope": rng.uniform(u[:, 19], *cfg.slope_range),
        "noise_sigma": rng.log_uniform(u[:, 20], *cfg.noise_sigma_range) if noise else np.zeros(n),
        "offset": np.floor(u[:, 21].astype(np.float64) * period).astype(np.int64),
    }
    steps = (np.arange(length)[None, :] + params["offset"][:, None]) % period[:, None]
    position = (steps * knots[:, None]).astype(np.float32) / period[:, None].astype(np.float32)
    left = np.minimum(position.astype(np.int64), knots[:, None] - 1)
    weight = position - left.astype(np.float32)
    right = (left + 1) % knots[:, None]
    table = params["knot_values"].astype(np.float32)
    values = (np.take_along_axis(table, left, axis=1) * (np.float32(1.0) - weight)
              + np.take_along_axis(table, right, axis=1) * weight)
    values *= params["amplitude"].astype(np.float32)[:, None]
    values += params["slope"].astype(np.float32)[:, None] * _time(length)[None, :]
    _add_noise(values, params["noise_sigma"], z if noise else None)
    return values, params


def ifftb(z: np.ndarray, length: int, cfg: IFFTBConfig) -> tuple[np.ndarray, Params]:
    """Inverse-FFT Behaviour, eq. 14: amplitude and phase per bin from per-bin Gaussians.

    Negative amplitude draws are clipped to 0 (a magnitude cannot be negative); a series whose
    draws are all clipped keeps its largest draw's bin at one standard deviation, so no IFFTB
    series is constant.
    """
    dist = bin_distributions(cfg.spectrum, length)
    bins = length // 2 + 1
    draw = dist.amplitude_mean[None, :] + dist.amplitude_std[None, :] * z[:, :bins]
    amplitude = np.maximum(draw, np.float32(0.0))
    silent = ~np.any(amplitude[:, 1:] > 0, axis=1)
    if np.any(silent):
        best = 1 + np.argmax(draw[silent, 1:], axis=1)
        amplitude[np.flatnonzero(silent), best] = np.maximum(dist.amplitude_std[best], np.float32(1e-3))
    phase = dist.phase_mean[None, :] + dist.phase_std[None, :] * z[:, bins:2 * bins]
    scale = np.full(bins, length / 2.0, np.float32)
    scale[0] = length
    if length % 2 == 0:
        scale[-1] = length
    magnitude = amplitude * scale[None, :]
    coeffs = np.empty((z.shape[0], bins), np.complex64)
    coeffs.real = magnitude * np.cos(phase)
    coeffs.imag = magnitude * np.sin(phase)
    from scipy import fft  # scipy.fft keeps complex64 in single precision (numpy upcasts)
    values = fft.irfft(coeffs, n=length, axis=1).astype(np.float32, copy=False)
    return values, {"amplitude": amplitude, "phase": phase}


def describe_group(name: str, params: Params, *, full_spectrum: bool = False) -> list[dict]:
    """JSON-friendly parameters of every series of a behaviour group (vectorised: the arrays
    are rounded and converted once). IFFTB keeps its five strongest bins only (the full
    spectrum is reproducible from seed and index) unless `full_spectrum`."""
    if name.startswith("ifftb"):
        amplitude = params["amplitude"]
        if full_spectrum:
            return [{"amplitude": a, "phase": p} for a, p in
                    zip(amplitude.tolist(), params["phase"].tolist())]
        top_n = min(5, amplitude.shape[1] - 1)
        top = np.argpartition(-amplitude[:, 1:], top_n - 1, axis=1)[:, :top_n] + 1
        top_amp = np.take_along_axis(amplitude, top, axis=1)
        order = np.argsort(-top_amp, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_amp = np.round(np.take_along_axis(top_amp, order, axis=1).astype(np.float64), 6)
        active = np.count_nonzero(amplitude[:, 1:] > 0, axis=1)
        out = []
        for a, bins, amps in zip(active.tolist(), top.tolist(), top_amp.tolist()):
            keep = min(a, top_n)
            out.append({"active_bins": a, "top_bins": bins[:keep], "top_amplitudes": amps[:keep],
                        "num_bins": int(amplitude.shape[1])})
        return out
    columns = {key: (np.round(arr, 6) if np.issubdtype(arr.dtype, np.floating) else arr).tolist()
               for key, arr in params.items()}
    counts = params["k"].tolist() if "k" in params else params["knots"].tolist() if "knots" in params else None
    per_count = {"amplitude", "period", "phase", "shape", "knot_values"} if counts is not None else set()
    if "knots" in params:
        per_count = {"knot_values"}
    out = []
    for row in range(len(next(iter(columns.values())))):
        item = {}
        for key, col in columns.items():
            value = col[row]
            if key in per_count:
                value = value[:counts[row]]
            if key == "shape":
                value = [WAVE_SHAPES[c] for c in value]
            item[key] = value
        out.append(item)
    return out
