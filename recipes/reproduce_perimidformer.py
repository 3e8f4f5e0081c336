"""Reproduce Peri-midFormer's long-term forecasting results on ETTh1/ETTh2.

    TSFM_DATA_DIR=/path/to/data python recipes/reproduce_perimidformer.py \
        --datasets ETTh1 ETTh2 --horizons 96 192 336 720 --lookbacks 96
    python recipes/reproduce_perimidformer.py --datasets ETTh1 --horizons 96 --lookbacks 512

Each cell trains the preset "perimidformer/<dataset>-<H>" (lookback 96) or
"<dataset>-L512-<H>" via `tsfm.experiment.run_forecast_experiment`, scores every test
window and is merged into benchmarks/results/<report>.json/.md as soon as it finishes
(cells already there from other invocations are kept; a re-run cell is replaced).
--batch-size changes the preset's batch and scales its learning rate by
sqrt(new/old) (recorded in the row); --epochs caps the preset's 15 epochs.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from pathlib import Path

import torch

from tsfm import get_spec
from tsfm.evaluation.report import with_paper, write_report
from tsfm.experiment import run_forecast_experiment, training_config_for
from tsfm_perimidformer.presets import PAPER_RESULTS, preset_name

RESULTS_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
KEY = ("dataset", "context_length", "prediction_length")
COLUMNS = ["dataset", "context_length", "prediction_length", "test_mse", "paper_mse", "gap_mse_%",
           "test_mae", "paper_mae", "gap_mae_%", "periods", "batch_size", "learning_rate", "epochs_run",
           "test_windows", "seconds"]
HEADERS = ["dataset", "L", "H", "MSE", "paper MSE", "gap MSE %", "MAE", "paper MAE", "gap MAE %",
           "periods", "batch", "lr", "epochs", "test windows", "seconds"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["ETTh1", "ETTh2"])
    parser.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    parser.add_argument("--lookbacks", nargs="+", type=int, default=[96])
    parser.add_argument("--epochs", type=int, default=None, help="cap on the preset's epochs")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="override the preset's batch; the learning rate scales by sqrt(new/old)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (shared machines: 1-2)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--report", default="perimidformer_ett", help="report name under benchmarks/results")
    parser.add_argument("--runs-dir", default="runs/perimidformer")
    parser.add_argument("--backbone-kwargs", default="{}", help="JSON of hyperparameter overrides (ablations)")
    return parser.parse_args(argv)


def run_cell(args: argparse.Namespace, dataset: str, lookback: int, horizon: int) -> dict | None:
    preset = preset_name(dataset, lookback, horizon)
    spec = get_spec("perimidformer")
    if preset not in spec.presets:
        print(f"skip {dataset} L={lookback} H={horizon}: no preset {preset!r} (the spec lacks this script)")
        return None
    name = f"perimidformer/{preset}"
    base = training_config_for(name)
    batch_size = args.batch_size or base.batch_size
    learning_rate = base.learning_rate * math.sqrt(batch_size / base.batch_size)
    training = training_config_for(
        name,
        batch_size=batch_size,
        learning_rate=learning_rate,
        epochs=min(args.epochs, base.epochs) if args.epochs else None,
        seed=args.seed,
        output_dir=str(Path(args.runs_dir) / f"{dataset}-L{lookback}-H{horizon}"),
        resume=False,
        progress=False,
        eval_batch_size=128,
    )
    overrides = json.loads(args.backbone_kwargs)
    row = run_forecast_experiment(name, dataset, lookback, horizon, training, backbone_kwargs=overrides,
                                  save_to=Path(training.output_dir) / "final")
    from tsfm import from_pretrained

    model = from_pretrained(row["checkpoint"])
    row["periods"] = " ".join(str(p) for p in model.embedding.stored_periods())
    row["preset_batch_size"] = base.batch_size
    row["preset_learning_rate"] = base.learning_rate
    row["backbone_kwargs"] = overrides
    row["command"] = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    return row


def merge_and_write(args: argparse.Namespace, row: dict) -> None:
    path = RESULTS_DIR / f"{args.report}.json"
    rows = json.loads(path.read_text())["rows"] if path.is_file() else []
    rows = [r for r in rows if tuple(r[k] for k in KEY) != tuple(row[k] for k in KEY)] + [row]
    rows.sort(key=lambda r: tuple(r[k] for k in KEY))
    rows = with_paper(rows, PAPER_RESULTS, KEY)
    commands = sorted({r["command"] for r in rows})
    notes = (
        "Every test window scored (no drop_last). Paper: Table 14 (L=96) and Table 13 (L=512). "
        "Gap = ours / paper - 1. Periods: fitted once on the training split (see docs/perimidformer.md). "
        "No calendar (time-mark) features. Rows whose batch differs from the preset use "
        "lr = preset lr * sqrt(batch / preset batch).\n\nCommands of the rows:\n\n"
        + "\n".join(f"    {c}" for c in commands)
    )
    write_report(rows, RESULTS_DIR, args.report, "Peri-midFormer on ETTh1/ETTh2 (test MSE/MAE, every window)",
                 COLUMNS, HEADERS, command=commands[-1] if len(commands) == 1 else "see the commands below",
                 notes=notes)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    for lookback in args.lookbacks:
        for dataset in args.datasets:
            for horizon in args.horizons:
                row = run_cell(args, dataset, lookback, horizon)
                if row is None:
                    continue
                merge_and_write(args, row)
                print(json.dumps({k: row.get(k) for k in (*KEY, "test_mse", "test_mae", "periods", "seconds")}),
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
