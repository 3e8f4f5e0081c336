"""PyTorch `IterableDataset` adapters (torch is imported only by this module).

Both adapters split their work over *consumers* = distributed ranks x DataLoader workers, so
each series index is yielded exactly once across all of them:

* `RealTSIterableDataset` generates on the fly. Index blocks of `batch_size` consecutive
  indices are dealt round-robin: block j goes to consumer j mod (world_size * num_workers).
* `RealTSCorpusDataset` streams a corpus written by `realts generate`; Parquet row groups are
  dealt round-robin the same way.

Rank and world size come from the explicit arguments, else from an initialised
`torch.distributed`, else from an already-initialised Accelerate `PartialState`, else 0 and 1.
If you shard by rank here, do not also let ``accelerator.prepare`` shard the DataLoader
(pass ``rank=0, world_size=1`` to leave the split to Accelerate instead).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .config import RealTSConfig, check_count
from .errors import ConfigError
from .generator import check_arguments, _generate

# Endless streams give each epoch its own index range: epoch e starts at e * 2**40.
INFINITE_EPOCH_STRIDE = 2 ** 40


def distributed_rank_and_world(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    if rank is not None or world_size is not None:
        if rank is None or world_size is None:
            raise ConfigError("pass both rank and world_size, or neither")
    elif torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
    else:
        rank, world_size = _accelerate_rank_and_world() or (0, 1)
    world_size = check_count("world_size", world_size)
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank must be in [0, {world_size}), got {rank}")
    return int(rank), int(world_size)


def _accelerate_rank_and_world() -> tuple[int, int] | None:
    try:
        from accelerate.state import PartialState
    except ImportError:
        return None
    # Only read an existing state: constructing one would initialise devices/processes.
    if not PartialState._shared_state:
        return None
    state = PartialState()
    return state.process_index, state.num_processes


def consumer_slot(rank: int, world_size: int) -> tuple[int, int]:
    """(this consumer's id, number of consumers) for the current DataLoader worker."""
    info = get_worker_info()
    workers, worker = (1, 0) if info is None else (info.num_workers, info.id)
    return rank * workers + worker, world_size * workers


class RealTSIterableDataset(IterableDataset):
    """Series generated on the fly, sharded by rank and worker.

    With ``batch_size`` set, yields dicts of batched tensors ``{"index": int64 [b],
    "values": float32 [b, L], "behaviour": list[str]}`` (use ``DataLoader(batch_size=None)``);
    with ``batch_size=None`` yields one series per item (internally still generated in blocks
    of 256). ``num_series=None`` streams forever. `set_epoch` moves to a fresh, reproducible
    index range (finite: offset epoch * num_series).
    """

    def __init__(self, num_series: int | None, length: int, seed: int, config: RealTSConfig | None = None,
                 batch_size: int | None = 256, epoch: int = 0, *, rank: int | None = None,
                 world_size: int | None = None) -> None:
        super().__init__()
        self.config = RealTSConfig() if config is None else config
        check_arguments(1 if num_series is None else num_series, length, seed, 0, self.config)
        self.num_series, self.length, self.seed = num_series, int(length), int(seed)
        self.batch_size = None if batch_size is None else check_count("batch_size", batch_size)
        self.epoch = check_count("epoch", epoch, minimum=0)
        self.rank, self.world_size = rank, world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = check_count("epoch", epoch, minimum=0)

    def epoch_start(self) -> int:
        stride = INFINITE_EPOCH_STRIDE if self.num_series is None else self.num_series
        return self.epoch * stride

    def __len__(self) -> int:
        if self.num_series is None:
            raise TypeError("an endless RealTSIterableDataset has no length")
        return self.num_series

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, world = distributed_rank_and_world(self.rank, self.world_size)
        consumer, consumers = consumer_slot(rank, world)
        block = self.batch_size or 256
        begin, stop = self.epoch_start(), None if self.num_series is None else self.epoch_start() + self.num_series
        start = begin + consumer * block
        while stop is None or start < stop:
            count = block if stop is None else min(block, stop - start)
            batch = _generate(start, count, self.length, self.seed, self.config)
            if self.batch_size is None:
                names = batch.behaviours()
                for j in range(count):
                    yield {"index": int(batch.indices[j]), "values": torch.from_numpy(batch.values[j]),
                           "behaviour": names[j]}
            else:
                yield {"index": torch.from_numpy(batch.indices), "values": torch.from_numpy(batch.values),
                       "behaviour": batch.behaviours()}
            start += consumers * block


class RealTSCorpusDataset(IterableDataset):
    """Stream a corpus directory (written by `realts generate`), sharded by rank and worker.

    Yields per-row-group dicts ``{"index": int64 [n], "values": float32 [n, L], "behaviour":
    list[str]}`` re-cut into `batch_size` pieces, or single rows when ``batch_size=None``.
    """

    def __init__(self, directory: str | os.PathLike[str], batch_size: int | None = 256, *,
                 rank: int | None = None, world_size: int | None = None) -> None:
        super().__init__()
        from .corpus import read_corpus_metadata
        self.meta = read_corpus_metadata(directory)  # fails early on a non-corpus path
        self.directory = os.fspath(directory)
        self.batch_size = None if batch_size is None else check_count("batch_size", batch_size)
        self.rank, self.world_size = rank, world_size

    def __len__(self) -> int:
        return int(self.meta["num_series"])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from .corpus import iter_corpus
        rank, world = distributed_rank_and_world(self.rank, self.world_size)
        consumer, consumers = consumer_slot(rank, world)
        for group in iter_corpus(self.directory, consumer=consumer, num_consumers=consumers):
            index, values, names = group["index"], group["values"], group["behaviour"]
            if self.batch_size is None:
                for j in range(len(index)):
                    yield {"index": int(index[j]), "values": torch.from_numpy(np.array(values[j])),
                           "behaviour": names[j]}
                continue
            for lo in range(0, len(index), self.batch_size):
                hi = lo + self.batch_size
                yield {"index": torch.from_numpy(np.array(index[lo:hi])),
                       "values": torch.from_numpy(np.array(values[lo:hi])), "behaviour": names[lo:hi]}
