"""RealTS -> training batches for the core Trainer (pretraining on synthetic data).

Each RealTS series of length L + H becomes one window: past_values [b, L, 1] and
future_values [b, H, 1], both normalised with the mean/std of the lookback part (appendix
B's eq. 26 takes its statistics from S_1:T; the authors' RealTS code normalised over the whole
sequence, a train/inference mismatch we avoid). Every epoch streams fresh series
(set_epoch moves to a new, reproducible index range of the seeded generator).

Sharding: by default (rank=None) the stream is not split here, because `accelerator.prepare`
dispatches batches of an IterableDataset from the main process to every process (each
process gets distinct batches). Pass rank/world_size to shard here instead (e.g. with
dispatch_batches=False).
"""

from __future__ import annotations

from typing import Any, Iterator

import torch
from torch.utils.data import IterableDataset

# Lookback std below this is treated as flat (avoids dividing by ~0 on constant series).
MIN_STD = 1e-4


class RealTSForecastStream(IterableDataset):
    """Batches {"past_values", "future_values"} of RealTS series; `yields_batches` tells the
    Trainer to use DataLoader(batch_size=None)."""

    yields_batches = True

    def __init__(self, context_length: int, prediction_length: int, batch_size: int, seed: int,
                 series_per_epoch: int | None = 20_000, config: Any = None, *, epoch: int = 0,
                 rank: int | None = None, world_size: int | None = None) -> None:
        super().__init__()
        from realts.torch_adapter import RealTSIterableDataset

        self.context_length = int(context_length)
        self.prediction_length = int(prediction_length)
        if rank is None and world_size is None:
            rank, world_size = 0, 1
        self.source = RealTSIterableDataset(series_per_epoch, self.context_length + self.prediction_length, seed,
                                            config, batch_size, epoch, rank=rank, world_size=world_size)

    def set_epoch(self, epoch: int) -> None:
        self.source.set_epoch(epoch)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for item in self.source:
            yield window_batch(item["values"], self.context_length)


def window_batch(values: torch.Tensor, context_length: int) -> dict[str, torch.Tensor]:
    """[b, L + H] series -> lookback-normalised past/future batch dict."""
    values = values.to(torch.float32)
    past = values[:, :context_length]
    mean = past.mean(dim=1, keepdim=True)
    std = past.std(dim=1, unbiased=False, keepdim=True).clamp_min(MIN_STD)
    normalised = (values - mean) / std
    return {
        "past_values": normalised[:, :context_length].unsqueeze(-1).contiguous(),
        "future_values": normalised[:, context_length:].unsqueeze(-1).contiguous(),
    }
