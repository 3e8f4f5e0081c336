"""Run by `accelerate launch --multi_gpu --num_processes 2` from tests/test_training.py.

Each rank trains the linear baseline on the same toy series, scores the validation windows
with `score_loader` (which gathers across ranks) and writes what it saw to rank<i>.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from accelerate import PartialState

import tsfm
from tsfm.data import WindowDataset
from tsfm.evaluation import score_loader
from tsfm.training import Trainer, TrainingConfig


def toy_series(n: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    return (np.sin(2 * np.pi * t / 16 + np.arange(channels)) + 0.1 * rng.standard_normal((n, channels))).astype(np.float32)


def main(out: str) -> None:
    torch.set_num_threads(1)  # two ranks share the CI machine's two cores
    series = toy_series(600)
    torch.manual_seed(0)
    model = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=2)
    val = WindowDataset(series[400:], 32, 8)
    trainer = Trainer(TrainingConfig(output_dir=out, epochs=2, learning_rate=1e-2, progress=False))
    result = trainer.fit(model, WindowDataset(series[:400], 32, 8), val)
    loader = trainer.accelerator.prepare(torch.utils.data.DataLoader(val, batch_size=16))
    scores = score_loader(model, loader, trainer.accelerator)
    state = PartialState()
    Path(out, f"rank{state.process_index}.json").write_text(json.dumps(
        {"world": state.num_processes, "windows": scores["windows"], "mse": scores["mse"],
         "best": result.best_val_loss, "expected_windows": len(val)}))
    # Leave together and tear gloo down explicitly: a rank that exits while its peer is still
    # in a collective can abort in the process group's destructor.
    state.wait_for_everyone()
    state.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
