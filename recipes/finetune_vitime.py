"""Fine-tune a pretrained ViTime on a fraction of a dataset's training split (the paper's
10% / 100% protocol, Table 8) and score MSE/MAE on every test window of each horizon.

    python recipes/finetune_vitime.py --checkpoint plugins/tsfm_vitime/weights/small \
        --dataset ETTh1 --fractions 0.1 1.0 --epochs 1

The model is channel-independent with one input channel, so every (window, channel) pair is
one training sample. One fine-tuned model (canvas horizon 720) serves every horizon (its first
H steps). Training: the core Trainer (Adam, early stopping on a validation subset).
Writes benchmarks/results/<name>.json/.md with the paper's MAE beside ours.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import torch
from torch.utils.data import Dataset, Subset


class ChannelFolded(Dataset):
    """Windows [L, C] / [H, C] -> C single-channel samples [L, 1] / [H, 1]."""

    def __init__(self, windows: Dataset, channels: int) -> None:
        self.windows, self.channels = windows, channels

    def __len__(self) -> int:
        return len(self.windows) * self.channels

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = self.windows[i // self.channels]
        c = i % self.channels
        return {"past_values": item["past_values"][:, c:c + 1], "future_values": item["future_values"][:, c:c + 1]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="plugins/tsfm_vitime/weights/small")
    p.add_argument("--dataset", default="ETTh1")
    p.add_argument("--fractions", nargs="+", type=float, default=[0.1, 1.0])
    p.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--val-stride", type=int, default=8, help="validate on every k-th validation window")
    p.add_argument("--stride", type=int, default=1, help="test window stride (1 = every window)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--runs-dir", default="runs/finetune_vitime")
    p.add_argument("--out-dir", default="benchmarks/results")
    p.add_argument("--name", default="vitime_finetune")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import tsfm
    from tsfm.data import load_forecast_data
    from tsfm.evaluation.report import write_report
    from tsfm.training import Trainer, TrainingConfig
    from tsfm_vitime.evaluation import score_series
    from tsfm_vitime.presets import PAPER_FINETUNE_MAE

    command = "python recipes/finetune_vitime.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    base = tsfm.from_pretrained(args.checkpoint)
    length, horizon = base.config.context_length, base.config.prediction_length
    data = load_forecast_data(args.dataset, length, horizon)
    channels = data.num_channels
    rows: list[dict] = []

    def write() -> None:
        columns = ["model", "dataset", "fraction", "prediction_length", "mse", "mae", "paper_mae", "windows", "steps"]
        headers = ["model", "dataset", "data fraction", "H", "MSE", "MAE", "paper MAE (Table 8)", "test windows",
                   "fine-tuning steps"]
        write_report(rows, Path(args.out_dir), args.name, f"ViTime fine-tuning ({args.dataset})", columns, headers,
                     command=command,
                     notes=(f"Lookback {length}; the first `fraction` of the training windows (x {channels} channels); "
                            f"{args.epochs} epoch(s) at most, lr {args.learning_rate}; test MSE/MAE over every "
                            f"test window (stride {args.stride}) of the scaled test split. Fraction 0 = zero-shot."))

    test = data.split("test")
    zero = score_series(base.eval(), test, length, args.horizons, stride=args.stride)
    for h in args.horizons:
        r = zero.result(h)
        rows.append({"model": "ViTime zero-shot", "dataset": args.dataset, "fraction": 0.0, "prediction_length": h,
                     "mse": r["mse"], "mae": r["mae"], "paper_mae": None, "windows": r["windows"], "steps": 0})
    write()
    for fraction in args.fractions:
        torch.manual_seed(args.seed)
        model = tsfm.from_pretrained(args.checkpoint)
        train = ChannelFolded(data.windows("train", fraction=fraction), channels)
        val_windows = data.windows("val")
        val = ChannelFolded(Subset(val_windows, range(0, len(val_windows), args.val_stride)), channels)
        out = Path(args.runs_dir) / f"{args.dataset}_f{fraction:g}"
        result = Trainer(TrainingConfig(output_dir=str(out), epochs=args.epochs, max_steps=args.max_steps,
                                        batch_size=args.batch_size, learning_rate=args.learning_rate,
                                        lr_schedule="type1", patience=2, seed=args.seed, progress=False,
                                        resume=False)).fit(model, train, val)
        scores = score_series(model.eval(), test, length, args.horizons, stride=args.stride)
        for h in args.horizons:
            r = scores.result(h)
            rows.append({"model": "ViTime fine-tuned", "dataset": args.dataset, "fraction": fraction,
                         "prediction_length": h, "mse": r["mse"], "mae": r["mae"],
                         "paper_mae": PAPER_FINETUNE_MAE.get((args.dataset, fraction, h)), "windows": r["windows"],
                         "steps": result.global_step})
        write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
