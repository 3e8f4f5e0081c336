"""Generator configuration: behaviour priors, mixture weights and augmentation probabilities.

Every value the ViTime paper (appendix A, eqs. 14-25) gives is the default here; where the
paper is silent (noise levels, walk step, logistic midpoint, seasonal behaviour, augmentation
probabilities) the default is our documented choice (docs/realts.md). All ranges are closed
intervals ``(low, high)``; "log-uniform" ranges are sampled as ``exp(U(ln low, ln high))``.
Configs are immutable, validated on construction, and round-trip through JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
import operator
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ConfigError

# Canonical order: behaviour codes in records and the cumulative-weight sampling use it.
BEHAVIOURS: tuple[str, ...] = ("ifftb1", "ifftb2", "rwb", "seasonal", "pwb", "twdb", "lgb")
PERIODIC_BEHAVIOURS: tuple[str, ...] = ("ifftb1", "ifftb2", "seasonal", "pwb")
WAVE_SHAPES: tuple[str, ...] = ("sin", "cos", "square", "triangle", "sawtooth")
NORMALIZATIONS: tuple[str, ...] = ("none", "zscore")
MIN_LENGTH = 16

# The authors' mixture (spec "RealTS / Sampling"): two IFFTB variants at 0.3, the rest 0.08.
AUTHORS_WEIGHTS: dict[str, float] = {
    "ifftb1": 0.3, "ifftb2": 0.3, "rwb": 0.08, "seasonal": 0.08, "pwb": 0.08, "twdb": 0.08, "lgb": 0.08,
}


def _check_range(name: str, value: tuple[float, float], *, lo: float | None = None,
                 hi: float | None = None, positive: bool = False) -> None:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a (low, high) pair of numbers, got {value!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    if low > high:
        raise ConfigError(f"{name} has low > high: {value!r}")
    if positive and low <= 0:
        raise ConfigError(f"{name} is log-uniform and needs low > 0, got {value!r}")
    if lo is not None and low < lo:
        raise ConfigError(f"{name} low must be >= {lo}, got {value!r}")
    if hi is not None and high > hi:
        raise ConfigError(f"{name} high must be <= {hi}, got {value!r}")


def _check_probability(name: str, p: float) -> None:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not (0.0 <= p <= 1.0):
        raise ConfigError(f"{name} must be a probability in [0, 1], got {p!r}")


def _check_noise_range(name: str, value: tuple[float, float]) -> None:
    # (0, 0) switches the noise off; otherwise a log-uniform range.
    if tuple(value) == (0.0, 0.0) or tuple(value) == (0, 0):
        return
    _check_range(name, value, positive=True)


def check_count(name: str, value: Any, *, minimum: int = 1) -> int:
    """An integer >= minimum (rejects bools, floats and negatives with a clear message)."""
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {number}")
    return number


def _check_weights(name: str, weights: Mapping[str, float], known: tuple[str, ...]) -> None:
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise ConfigError(f"{name}: unknown name(s) {unknown}; known: {list(known)}")
    if any(isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0
           for w in weights.values()):
        raise ConfigError(f"{name}: weights must be finite and >= 0, got {dict(weights)}")
    total = float(sum(weights.values()))
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"{name}: probabilities must sum to 1, they sum to {total:.6g}")


@dataclass(frozen=True)
class WaveConfig:
    """Sum of k periodic functions (PWB, and the wave part of TWDB), eqs. 15-18."""

    k_range: tuple[int, int] = (1, 8)                 # k ~ U{low..high}, eq. 18
    amplitude_range: tuple[float, float] = (0.5, 5.0)  # A ~ U(low, high), eq. 16
    min_period: float = 11.0                          # ln period ~ U(ln 11, ln 2L), eq. 17
    max_period_factor: float = 2.0                    # max period = factor * length
    shape_weights: dict[str, float] = field(default_factory=lambda: {
        "sin": 0.3, "cos": 0.3, "square": 0.1, "triangle": 0.15, "sawtooth": 0.15})
    random_phase: bool = True                         # phase ~ U(0, 1) cycle; False: paper-literal f(wt)
    noise_sigma_range: tuple[float, float] = (0.01, 0.5)  # log-uniform absolute sigma_eps

    def __post_init__(self) -> None:
        _check_range("k_range", self.k_range, lo=1, hi=8)
        if any(int(k) != k for k in self.k_range):
            raise ConfigError(f"k_range must hold integers, got {self.k_range!r}")
        _check_range("amplitude_range", self.amplitude_range)
        if not (self.min_period > 0 and self.max_period_factor > 0):
            raise ConfigError("min_period and max_period_factor must be > 0")
        _check_weights("shape_weights", self.shape_weights, WAVE_SHAPES)
        _check_noise_range("noise_sigma_range", self.noise_sigma_range)


@dataclass(frozen=True)
class IFFTBConfig:
    """Per-bin Gaussian amplitude/phase spectrum, then inverse FFT (eq. 14).

    ``spectrum`` is ``"builtin:smooth"``, ``"builtin:peaky"`` or a path to a ``.npz``/``.json``
    file written by ``realts fit-spectrum``.
    """

    spectrum: str = "builtin:smooth"

    def __post_init__(self) -> None:
        if not isinstance(self.spectrum, str) or not self.spectrum:
            raise ConfigError(f"spectrum must be a non-empty string, got {self.spectrum!r}")


@dataclass(frozen=True)
class RWBConfig:
    """Gaussian random walk, eq. 19. The paper gives no sigma: ours is log-uniform per series."""

    step_sigma_range: tuple[float, float] = (0.1, 1.0)
    start_range: tuple[float, float] = (-10.0, 10.0)

    def __post_init__(self) -> None:
        _check_range("step_sigma_range", self.step_sigma_range, positive=True)
        _check_range("start_range", self.start_range)


@dataclass(frozen=True)
class LGBConfig:
    """Logistic growth K / (1 + exp(-r (t - t0))), eqs. 20-22; t in steps, t0 ~ U(frac) * L."""

    capacity_range: tuple[float, float] = (1.0, 10.0)   # ln K ~ U(ln 1, ln 10)
    rate_range: tuple[float, float] = (0.001, 0.1)      # ln r ~ U(ln 0.001, ln 0.1)
    midpoint_fraction_range: tuple[float, float] = (0.0, 1.0)
    noise_rel_range: tuple[float, float] = (0.005, 0.05)  # sigma_eps / K, log-uniform

    def __post_init__(self) -> None:
        _check_range("capacity_range", self.capacity_range, positive=True)
        _check_range("rate_range", self.rate_range, positive=True)
        _check_range("midpoint_fraction_range", self.midpoint_fraction_range)
        _check_noise_range("noise_rel_range", self.noise_rel_range)


@dataclass(frozen=True)
class TWDBConfig:
    """Linear trend plus waves a*t + b + sum A f(wt), eqs. 23-25.

    The trend's time is ``t = trend_time_step * step``. The default 1.0 is the paper read
    literally (slope per step): over 1232 steps the trend then spans up to +-1232 and dwarfs
    the waves (amplitude <= 40). A smaller step (e.g. 0.01) gives visible waves on a trend.
    """

    slope_range: tuple[float, float] = (-1.0, 1.0)        # a ~ U(-1, 1)
    intercept_range: tuple[float, float] = (-10.0, 10.0)  # b ~ U(-10, 10)
    waves: WaveConfig = field(default_factory=WaveConfig)
    trend_time_step: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.trend_time_step, (int, float)) and self.trend_time_step > 0):
            raise ConfigError(f"trend_time_step must be > 0, got {self.trend_time_step!r}")
        _check_range("slope_range", self.slope_range)
        _check_range("intercept_range", self.intercept_range)


@dataclass(frozen=True)
class SeasonalConfig:
    """The authors' unpublished extra behaviour; ours: a random piecewise-linear cycle of
    integer period repeated over the series, plus a small trend and noise."""

    min_period: float = 4.0
    max_period_factor: float = 0.25        # at least four cycles per series
    knots_range: tuple[int, int] = (3, 12)
    amplitude_range: tuple[float, float] = (0.5, 5.0)
    slope_range: tuple[float, float] = (-0.005, 0.005)
    noise_sigma_range: tuple[float, float] = (0.01, 0.5)

    def __post_init__(self) -> None:
        if not (self.min_period >= 2 and self.max_period_factor > 0):
            raise ConfigError("seasonal min_period must be >= 2 and max_period_factor > 0")
        _check_range("knots_range", self.knots_range, lo=2, hi=16)
        _check_range("amplitude_range", self.amplitude_range)
        _check_range("slope_range", self.slope_range)
        _check_noise_range("noise_sigma_range", self.noise_sigma_range)


@dataclass(frozen=True)
class AugmentConfig:
    """Appendix A.3 augmentations, each applied independently with its probability.

    Sizes of level shifts, spikes and variance bursts are multiples of the series' std.
    Order of application: replication, smoothing, detrending, level shift, spikes,
    variance change, time reversal, negation.
    """

    replication_p: float = 0.2
    replication_copies: tuple[int, int] = (2, 4)
    replication_behaviours: tuple[str, ...] = PERIODIC_BEHAVIOURS
    smoothing_p: float = 0.1
    smoothing_window: tuple[int, int] = (3, 33)             # log-uniform width in steps
    detrend_p: float = 0.1
    detrend_window_fraction: tuple[float, float] = (0.1, 0.3)  # moving-average width / L
    level_shift_p: float = 0.1
    level_shift_size: tuple[float, float] = (0.5, 2.0)
    spike_p: float = 0.1
    spike_count: tuple[int, int] = (1, 5)
    spike_size: tuple[float, float] = (2.0, 5.0)
    variance_change_p: float = 0.1
    variance_change_fraction: tuple[float, float] = (0.1, 0.5)
    variance_change_sigma: tuple[float, float] = (0.2, 1.0)
    reversal_p: float = 0.5                                 # authors' code: 0.5
    negation_p: float = 0.5                                 # authors' code: 0.5

    def __post_init__(self) -> None:
        for name in ("replication_p", "smoothing_p", "detrend_p", "level_shift_p", "spike_p",
                     "variance_change_p", "reversal_p", "negation_p"):
            _check_probability(name, getattr(self, name))
        _check_range("replication_copies", self.replication_copies, lo=2)
        unknown = sorted(set(self.replication_behaviours) - set(BEHAVIOURS))
        if unknown:
            raise ConfigError(f"replication_behaviours: unknown behaviour(s) {unknown}")
        _check_range("smoothing_window", self.smoothing_window, lo=1, positive=True)
        _check_range("detrend_window_fraction", self.detrend_window_fraction, lo=0, hi=1, positive=True)
        _check_range("level_shift_size", self.level_shift_size, lo=0)
        _check_range("spike_count", self.spike_count, lo=1, hi=5)
        _check_range("spike_size", self.spike_size, lo=0)
        _check_range("variance_change_fraction", self.variance_change_fraction, lo=0, hi=1, positive=True)
        _check_range("variance_change_sigma", self.variance_change_sigma, lo=0)


@dataclass(frozen=True)
class RealTSConfig:
    """Complete generator configuration. ``RealTSConfig()`` is the authors' mixture."""

    weights: dict[str, float] = field(default_factory=lambda: dict(AUTHORS_WEIGHTS))
    ifftb1: IFFTBConfig = field(default_factory=lambda: IFFTBConfig("builtin:smooth"))
    ifftb2: IFFTBConfig = field(default_factory=lambda: IFFTBConfig("builtin:peaky"))
    rwb: RWBConfig = field(default_factory=RWBConfig)
    seasonal: SeasonalConfig = field(default_factory=SeasonalConfig)
    pwb: WaveConfig = field(default_factory=WaveConfig)
    twdb: TWDBConfig = field(default_factory=TWDBConfig)
    lgb: LGBConfig = field(default_factory=LGBConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    noise: bool = True            # False: every behaviour's observation noise is zero
    augmentations: bool = True    # False: no augmentation is applied
    normalize: str = "none"       # "zscore": each series to mean 0, std 1 after augmentation

    def __post_init__(self) -> None:
        _check_weights("weights", self.weights, BEHAVIOURS)
        if self.normalize not in NORMALIZATIONS:
            raise ConfigError(f"normalize must be one of {NORMALIZATIONS}, got {self.normalize!r}")

    # -- helpers -------------------------------------------------------------------------
    def only(self, behaviour: str, *, noise: bool | None = None,
             augmentations: bool | None = None) -> "RealTSConfig":
        """This config restricted to one behaviour (weight 1), optionally noise/augment off."""
        if behaviour not in BEHAVIOURS:
            raise ConfigError(f"unknown behaviour {behaviour!r}; known: {list(BEHAVIOURS)}")
        changes: dict[str, Any] = {"weights": {behaviour: 1.0}}
        if noise is not None:
            changes["noise"] = noise
        if augmentations is not None:
            changes["augmentations"] = augmentations
        return dataclasses.replace(self, **changes)

    def check_length(self, length: int) -> None:
        """Length-dependent checks (period ranges need the series length)."""
        length = check_count("length", length)
        if length < MIN_LENGTH:
            raise ConfigError(f"length must be >= {MIN_LENGTH}, got {length}")
        for name, waves in (("pwb", self.pwb), ("twdb.waves", self.twdb.waves)):
            if waves.min_period > waves.max_period_factor * length:
                raise ConfigError(f"{name}: min_period {waves.min_period} exceeds "
                                  f"max_period_factor*length = {waves.max_period_factor * length}")
        if self.seasonal.min_period > self.seasonal.max_period_factor * length:
            raise ConfigError(f"seasonal: min_period {self.seasonal.min_period} exceeds "
                              f"max_period_factor*length = {self.seasonal.max_period_factor * length}")
        if self.augment.replication_copies[1] > length // 2:
            raise ConfigError("augment.replication_copies high exceeds length // 2")

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RealTSConfig":
        return _from_plain(cls, data, "config")

    @classmethod
    def from_json(cls, text: str) -> "RealTSConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError("config JSON must be an object")
        return cls.from_dict(data)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (tuple, list)):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _to_plain(v) for k, v in obj.items()}
    return obj


def _from_plain(cls: type, data: Mapping[str, Any], where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {sorted(names)}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _from_plain(hint, value, f"{where}.{key}")
        elif typing.get_origin(hint) is tuple:
            if not isinstance(value, (list, tuple)):
                raise ConfigError(f"{where}.{key} must be a list, got {value!r}")
            kwargs[key] = tuple(value)
        elif typing.get_origin(hint) is dict:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}.{key} must be an object, got {value!r}")
            try:
                kwargs[key] = {str(k): float(v) for k, v in value.items()}
            except (TypeError, ValueError):
                raise ConfigError(f"{where}.{key} values must be numbers, got {value!r}") from None
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # e.g. a string where a number belongs
        raise ConfigError(f"{where}: {exc}") from exc


def load_config(path: str) -> RealTSConfig:
    """Read a JSON config file (as written by ``realts config``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return RealTSConfig.from_json(fh.read())
    except OSError as exc:
        raise ConfigError(f"cannot read config {path!r}: {exc}") from exc
