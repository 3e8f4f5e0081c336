"""Batch generation: series i of seed s is a pure function of (s, i, config).

A batch is a contiguous index range. Its uniforms are one contiguous Philox draw (see
`realts.rng`); rows are grouped by behaviour and each group is generated with numpy
broadcasting, so there is no Python loop over time steps or (for the bulk of the work) over
series.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from . import augment as augment_mod
from . import behaviours as bh
from . import rng
from .config import BEHAVIOURS, RealTSConfig, check_count
from .errors import ConfigError
from .spectra import bin_distributions

DEFAULT_BATCH_SIZE = 1024
_NOISE_FREE_OK = ("lgb", "pwb", "twdb", "seasonal")  # behaviours whose normals are only noise


@dataclass
class Batch:
    """Series ``indices[j]`` has values ``values[j]`` and behaviour ``BEHAVIOURS[codes[j]]``."""

    indices: np.ndarray            # int64 [n]
    values: np.ndarray             # float32 [n, L]
    behaviour_codes: np.ndarray    # int8 [n]
    group_params: dict[str, bh.Params]
    group_position: np.ndarray     # row j is row group_position[j] of its behaviour group
    augmentations: augment_mod.AugmentRecord
    _described: dict[str, list[dict]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def behaviours(self) -> list[str]:
        return [BEHAVIOURS[c] for c in self.behaviour_codes]

    def augmentation_names(self, row: int) -> list[str]:
        return self.augmentations.names(row)

    def params(self, row: int | None = None, *, full_spectrum: bool = False) -> Any:
        """Parameters of series `row` (or a list for all rows): the behaviour's draws and the
        augmentations applied."""
        if full_spectrum or self._described is None:
            described = {name: bh.describe_group(name, p, full_spectrum=full_spectrum)
                         for name, p in self.group_params.items()}
            if not full_spectrum:
                self._described = described
        else:
            described = self._described
        rows = range(len(self)) if row is None else [row]
        out = [{"behaviour": described[BEHAVIOURS[self.behaviour_codes[j]]][self.group_position[j]],
                "augmentations": self.augmentations.params[j]} for j in rows]
        return out if row is None else out[0]

    def params_json(self) -> list[str]:
        return [json.dumps(p, separators=(",", ":")) for p in self.params()]


def check_arguments(num_series: int, length: int, seed: int, start_index: int, config: RealTSConfig) -> None:
    """Validate everything up front, including spectrum files, so bad input fails before any
    work (or any file) is done."""
    check_count("num_series", num_series)
    check_count("start_index", start_index, minimum=0)
    rng.stream_key(seed)  # validates the seed
    if not isinstance(config, RealTSConfig):
        raise ConfigError(f"config must be a RealTSConfig, got {type(config).__name__}")
    config.check_length(length)
    for name in ("ifftb1", "ifftb2"):
        if config.weights.get(name, 0.0) > 0:
            bin_distributions(getattr(config, name).spectrum, int(length))


def generate_batch(start_index: int, num_series: int, length: int, seed: int,
                   config: RealTSConfig | None = None) -> Batch:
    """Series start_index .. start_index + num_series - 1, with their parameters."""
    config = RealTSConfig() if config is None else config
    check_arguments(num_series, length, seed, start_index, config)
    return _generate(int(start_index), int(num_series), int(length), int(seed), config)


def _generate(start: int, count: int, length: int, seed: int, config: RealTSConfig) -> Batch:
    u = rng.uniform_rows(rng.stream_key(seed), start, count, rng.row_width(length))
    weights = np.array([config.weights.get(b, 0.0) for b in BEHAVIOURS])
    codes = rng.categorical(u[:, rng.CHOICE_SLOT], weights).astype(np.int8)
    values = np.empty((count, length), np.float32)
    position = np.zeros(count, np.int64)
    group_params: dict[str, bh.Params] = {}
    normal_slots = slice(rng.NORMAL_OFFSET, rng.NORMAL_OFFSET + rng.normal_count(length))
    for code, name in enumerate(BEHAVIOURS):
        rows = np.flatnonzero(codes == code)
        if rows.size == 0:
            continue
        position[rows] = np.arange(rows.size)
        pu = u[rows, rng.BEHAVIOUR_SLOTS]
        needs_normals = config.noise or name not in _NOISE_FREE_OK
        z = rng.box_muller(u[rows, normal_slots]) if needs_normals else None
        if name.startswith("ifftb"):
            out, params = bh.ifftb(z, length, getattr(config, name))
        else:
            fn = getattr(bh, name)
            out, params = fn(pu, z, length, getattr(config, name), config.noise)
        values[rows] = out
        group_params[name] = params
    indices = np.arange(start, start + count, dtype=np.int64)
    if config.augmentations:
        record = augment_mod.augment(values, u[:, rng.AUGMENT_SLOTS], codes, indices, seed, config.augment)
    else:
        record = augment_mod.AugmentRecord(np.zeros((count, len(augment_mod.AUGMENTATIONS)), bool),
                                           [{} for _ in range(count)])
    if config.normalize == "zscore":
        mean = values.mean(axis=1, dtype=np.float64, keepdims=True)
        std = values.std(axis=1, dtype=np.float64, keepdims=True)
        values[:] = ((values - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
    return Batch(indices, values, codes, group_params, position, record)


def iter_batches(num_series: int | None, length: int, seed: int, config: RealTSConfig | None = None, *,
                 batch_size: int = DEFAULT_BATCH_SIZE, start_index: int = 0) -> Iterator[Batch]:
    """Consecutive batches covering [start_index, start_index + num_series); endless when
    num_series is None."""
    config = RealTSConfig() if config is None else config
    check_count("batch_size", batch_size)
    check_arguments(1 if num_series is None else num_series, length, seed, start_index, config)
    stop = None if num_series is None else start_index + num_series
    begin = int(start_index)
    while stop is None or begin < stop:
        count = batch_size if stop is None else min(batch_size, stop - begin)
        yield _generate(begin, count, int(length), int(seed), config)
        begin += count


def generate(num_series: int, length: int, seed: int, config: RealTSConfig | None = None, *,
             start_index: int = 0, workers: int = 1, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """float32 [num_series, length]: rows are series start_index .. start_index + num_series - 1.

    The result does not depend on `workers` or `batch_size`; a slice [a, b) of a larger call
    equals ``generate(b - a, ..., start_index=a)``.
    """
    config = RealTSConfig() if config is None else config
    check_count("workers", workers)
    check_count("batch_size", batch_size)
    check_arguments(num_series, length, seed, start_index, config)
    if workers > 1 and num_series > batch_size:
        from .parallel import generate_parallel
        return generate_parallel(num_series, length, seed, config, start_index=start_index,
                                 workers=workers, batch_size=batch_size)
    out = np.empty((num_series, length), np.float32)
    for batch in iter_batches(num_series, length, seed, config, batch_size=batch_size, start_index=start_index):
        out[batch.indices[0] - start_index: batch.indices[-1] - start_index + 1] = batch.values
    return out


def generate_behaviour(behaviour: str, num_series: int, length: int, seed: int,
                       config: RealTSConfig | None = None, *, noise: bool = False,
                       augmentations: bool = False, start_index: int = 0) -> tuple[np.ndarray, bh.Params]:
    """Only `behaviour` (weight 1), noise and augmentations off by default, returning the
    values and the full parameter arrays (for checking priors)."""
    config = (RealTSConfig() if config is None else config).only(behaviour, noise=noise, augmentations=augmentations)
    batch = generate_batch(start_index, num_series, length, seed, config)
    return batch.values, batch.group_params.get(behaviour, {})
