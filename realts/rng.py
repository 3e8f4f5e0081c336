"""Counter-based random numbers: series i of seed s reads its own fixed block of a Philox stream.

Philox is a counter-based generator: the value at stream position p depends only on (key, p).
Every series owns ``row_width(length)`` consecutive float32 uniforms starting at position
``index * row_width``; a batch of consecutive indices is therefore one contiguous draw, which
is what makes generation both vectorised and a pure function of (seed, index, config): any
slicing of the index range into batches, shards, workers or ranks reads the same numbers.

Layout of one row (slot numbers are part of STREAM_VERSION):
  [0]                 behaviour choice
  [1, 48)             behaviour parameters (meaning depends on the behaviour)
  [48, 96)            augmentation decisions and parameters
  [96, 96 + 2F)       uniforms turned into 2F standard normals (F = length // 2 + 1)
  padding to a multiple of 8 (one Philox block = 4 x uint64 = 8 x uint32)
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

CHOICE_SLOT = 0
BEHAVIOUR_SLOTS = slice(1, 48)
AUGMENT_SLOTS = slice(48, 96)
NORMAL_OFFSET = 96
_FLOATS_PER_BLOCK = 8          # Philox4x64 emits 4 uint64 = 8 uint32 per counter step
_MAIN_STREAM = 0x5EA1_75        # stream tags keep the main and auxiliary streams disjoint
_AUX_STREAM = 0xA0C5_11
_UNIT = np.float32(2.0 ** -23)


def normal_count(length: int) -> int:
    """Normals available per series: 2F >= length, enough for an rfft of length `length`."""
    return 2 * (length // 2 + 1)


def row_width(length: int) -> int:
    width = NORMAL_OFFSET + normal_count(length)
    return -(-width // _FLOATS_PER_BLOCK) * _FLOATS_PER_BLOCK


def stream_key(seed: int, aux: bool = False) -> np.ndarray:
    """Philox key (2 x uint64) for a user seed; SeedSequence hashing decorrelates nearby seeds."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    tag = _AUX_STREAM if aux else _MAIN_STREAM
    return np.random.SeedSequence([int(seed), tag]).generate_state(2, dtype=np.uint64)


def uniform_rows(key: np.ndarray, start: int, count: int, width: int) -> np.ndarray:
    """Uniforms in (0, 1) as float32 [count, width] for rows start..start+count-1.

    23-bit resolution: (k + 0.5) * 2^-23 is exact in float32 and never 0 or 1, so the
    logarithm in Box-Muller is always finite.
    """
    if width % _FLOATS_PER_BLOCK:
        raise ValueError("width must be a multiple of 8")
    if count == 0:
        return np.empty((0, width), np.float32)
    bits = np.random.Philox(key=key, counter=int(start) * (width // _FLOATS_PER_BLOCK))
    raw = bits.random_raw(count * width // 2)
    words = np.ascontiguousarray(raw, dtype="<u8").view("<u4").reshape(count, width)
    out = (words >> np.uint32(9)).astype(np.float32)
    out += np.float32(0.5)
    out *= _UNIT
    return out


def box_muller(u: np.ndarray) -> np.ndarray:
    """Standard normals from an even number of uniform columns (float32, |z| <= 5.6)."""
    half = u.shape[-1] // 2
    radius = np.sqrt(np.float32(-2.0) * np.log(u[..., :half]))
    angle = np.float32(2.0 * np.pi) * u[..., half:2 * half]
    out = np.empty(u.shape[:-1] + (2 * half,), np.float32)
    np.multiply(radius, np.cos(angle), out=out[..., :half])
    np.multiply(radius, np.sin(angle), out=out[..., half:])
    return out


def aux_normals(seed: int, indices: np.ndarray, count: int) -> np.ndarray:
    """`count` extra normals for each listed index from a disjoint stream (used sparsely:
    only augmentations that need fresh per-step noise, so the main row stays short)."""
    width = -(-count // _FLOATS_PER_BLOCK) * _FLOATS_PER_BLOCK
    key = stream_key(seed, aux=True)
    out = np.empty((len(indices), count), np.float32)
    for row, index in enumerate(indices):
        out[row] = box_muller(uniform_rows(key, int(index), 1, width))[0, :count]
    return out


# -- turning uniforms into parameters ----------------------------------------------------

def uniform(u: np.ndarray, low: float, high: float) -> np.ndarray:
    return low + u.astype(np.float64) * (high - low)


def log_uniform(u: np.ndarray, low: float, high: float) -> np.ndarray:
    if high == 0:  # (0, 0) is the documented "off" setting for noise ranges
        return np.zeros(u.shape, np.float64)
    return np.exp(np.log(low) + u.astype(np.float64) * (np.log(high) - np.log(low)))


def integer(u: np.ndarray, low: int, high: int) -> np.ndarray:
    """Uniform integer in {low..high}."""
    k = low + np.floor(u.astype(np.float64) * (high - low + 1)).astype(np.int64)
    return np.minimum(k, high)


def categorical(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index i with probability weights[i] (weights sum to 1)."""
    edges = np.cumsum(np.asarray(weights, np.float64))
    return np.minimum(np.searchsorted(edges, u.astype(np.float64), side="right"), len(edges) - 1)


def bernoulli(u: np.ndarray, p: float) -> np.ndarray:
    return u.astype(np.float64) < p
