"""How much the official test loader's `drop_last` (batch 32) moves a test score.

Re-scores a saved forecasting checkpoint on every test window, then without the windows
a drop_last loader of batch 32 never sees (the last len % 32), and prints both.

    python recipes/reproduce_scformer.py --datasets ETTh1 --horizons 720 --seed 2021 --threads 1
    TSFM_DATA_DIR=/path/to/data python benchmarks/drop_last_effect.py \\
        runs/scformer/ETTh1-96-720-triangular-seed2021/best ETTh1
"""

from __future__ import annotations

import argparse

import torch
from torch.utils.data import DataLoader

import tsfm
from tsfm.data.forecasting import load_forecast_data
from tsfm.evaluation.scoring import score_loader


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("dataset")
    parser.add_argument("--batch-size", type=int, default=32, help="the official test batch")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = tsfm.from_pretrained(args.checkpoint)
    data = load_forecast_data(args.dataset, model.config.context_length, model.config.prediction_length)
    windows = data.windows("test", feature_providers=model.feature_providers)
    every = score_loader(model, DataLoader(windows, batch_size=256))
    kept = DataLoader(windows, batch_size=args.batch_size, drop_last=True)
    dropped = score_loader(model, kept)
    print(f"{args.dataset} L={model.config.context_length} H={model.config.prediction_length} ({args.checkpoint})")
    print(f"every window        : {every['windows']:6d} windows  MSE {every['mse']:.4f}  MAE {every['mae']:.4f}")
    print(f"drop_last, batch {args.batch_size:3d}: {dropped['windows']:6d} windows  MSE {dropped['mse']:.4f}  "
          f"MAE {dropped['mae']:.4f}  (MSE {100 * (dropped['mse'] / every['mse'] - 1):+.2f}%)")


if __name__ == "__main__":
    main()
