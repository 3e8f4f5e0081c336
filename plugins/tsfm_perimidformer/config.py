"""Hyperparameters of Peri-midFormer (defaults: the ETTh1-96, L=96 script)."""

from __future__ import annotations

from dataclasses import dataclass

from tsfm.data.calendar import validate_feature_names
from tsfm.errors import ConfigError

PERIOD_RULES = ("train", "batch")
PERIOD_SOURCES = ("window", "seasonal")
TRIM_RULES = ("oldest", "newest")
POSITIONAL_RULES = ("start", "official")


@dataclass
class PeriMidFormerConfig:
    """d_model: width of a component token; n_heads/e_layers: PPAM encoder.
    top_k: number of frequencies, i.e. the maximum number of pyramid levels.
    d_ff: hidden width of the FFN (the official FFN is D -> D -> D, so None = d_model).
    moving_avg: kernel of the seasonal/trend decomposition.
    periods: fixed periods (descending, the first being the context length); when set,
        nothing is fitted from data.
    period_selection: "train" = periods fitted once on the training split (amplitudes
        averaged over every training window) and stored in the checkpoint, so every
        sample sees the same pyramid (batch invariant); "batch" = the official rule
        (amplitudes averaged over the current batch): a sample's output depends on its
        batch, kept only for comparison.
    period_source: which spectrum picks the periods: "seasonal" = the seasonal part
        (paper Eq. 1, taken literally); "window" = the instance-normalised window before
        decomposition. The official code's seasonal part also carries a Linear(4 -> C)
        embedding of calendar features (absent here), which puts the low frequencies
        back: on ETTh1/ETTh2 (L=96, k=5) it selects (96, 48, 32, 24, 12), and so does
        "window", while "seasonal" alone gives (96, 24, 19, 16, 12). Default "window".
    trim: when a level's period does not divide the running series, drop the remainder
        from the "oldest" end (default: the most recent points stay in every level) or
        the "newest" end (what the official code does).
    positional: "start" = a sinusoid of each component's start time (components of a
        level are told apart); "official" = the official code's table, a sinusoid of
        width C indexed along D, identical for every token of a channel (no order).
    time_features: calendar features of the context steps (names from
        `tsfm.data.calendar.CALENDAR_FEATURES`, e.g. FREQUENCY_FEATURES["hourly"] = the
        official code's four hourly marks); when set, a Linear(F -> C, no bias) of them is
        added to the seasonal part, as the official code does, and the data must carry
        timestamps. Empty (default) = no calendar input.
    cache_structure: build the attention mask and feature-flow paths once per period set
        (True) or rebuild them in numpy on every forward, as the official code does
        (False; only for the benchmark).
    """

    d_model: int = 512
    n_heads: int = 8
    e_layers: int = 1
    top_k: int = 5
    d_ff: int | None = None
    dropout: float = 0.1
    moving_avg: int = 25
    periods: tuple[int, ...] | None = None
    period_selection: str = "train"
    period_source: str = "window"
    trim: str = "oldest"
    positional: str = "start"
    time_features: tuple[str, ...] = ()
    cache_structure: bool = True

    def __post_init__(self) -> None:
        if self.d_model < 1 or self.n_heads < 1 or self.d_model % self.n_heads:
            raise ConfigError(
                f"d_model ({self.d_model}) must be a positive multiple of n_heads ({self.n_heads})"
            )
        if self.e_layers < 1:
            raise ConfigError(f"e_layers must be >= 1, got {self.e_layers}")
        if self.top_k < 2:
            raise ConfigError(f"top_k must be >= 2 (a pyramid needs two levels), got {self.top_k}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")
        if self.moving_avg < 1:
            raise ConfigError(f"moving_avg must be >= 1, got {self.moving_avg}")
        if self.period_selection not in PERIOD_RULES:
            raise ConfigError(f"period_selection must be one of {PERIOD_RULES}, got {self.period_selection!r}")
        if self.period_source not in PERIOD_SOURCES:
            raise ConfigError(f"period_source must be one of {PERIOD_SOURCES}, got {self.period_source!r}")
        if self.positional not in POSITIONAL_RULES:
            raise ConfigError(f"positional must be one of {POSITIONAL_RULES}, got {self.positional!r}")
        if self.trim not in TRIM_RULES:
            raise ConfigError(f"trim must be one of {TRIM_RULES}, got {self.trim!r}")
        self.time_features = validate_feature_names(self.time_features)
        if self.periods is not None:
            periods = tuple(int(p) for p in self.periods)
            if not periods or len(periods) > self.top_k:
                raise ConfigError(f"periods must hold 1..top_k ({self.top_k}) values, got {periods}")
            if any(p < 1 for p in periods) or list(periods) != sorted(set(periods), reverse=True):
                raise ConfigError(f"periods must be positive, distinct and descending, got {periods}")
            self.periods = periods

    @property
    def ffn_width(self) -> int:
        return self.d_ff or self.d_model
