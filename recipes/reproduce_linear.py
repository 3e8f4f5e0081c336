"""The linear baseline (RLinear) on ETT at lookback 96, beside the published numbers.

    TSFM_DATA_DIR=../shared/data python recipes/reproduce_linear.py --datasets ETTh1 --horizons 96

Writes benchmarks/results/linear_ett.json and .md. RLinear's published figures (as
reported in iTransformer's Table, lookback 96) are beside ours.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from tsfm.evaluation.report import with_paper, write_report
from tsfm.experiment import run_forecast_experiment, training_config_for

# RLinear, lookback 96 (iTransformer, ICLR 2024, Table 10).
PAPER = {
    ("ETTh1", 96): {"mse": 0.386, "mae": 0.395}, ("ETTh1", 192): {"mse": 0.437, "mae": 0.424},
    ("ETTh1", 336): {"mse": 0.479, "mae": 0.446}, ("ETTh1", 720): {"mse": 0.481, "mae": 0.470},
    ("ETTh2", 96): {"mse": 0.288, "mae": 0.338}, ("ETTh2", 192): {"mse": 0.374, "mae": 0.390},
    ("ETTh2", 336): {"mse": 0.415, "mae": 0.426}, ("ETTh2", 720): {"mse": 0.420, "mae": 0.440},
    ("ETTm1", 96): {"mse": 0.355, "mae": 0.376}, ("ETTm1", 192): {"mse": 0.391, "mae": 0.392},
    ("ETTm1", 336): {"mse": 0.424, "mae": 0.415}, ("ETTm1", 720): {"mse": 0.487, "mae": 0.450},
    ("ETTm2", 96): {"mse": 0.182, "mae": 0.265}, ("ETTm2", 192): {"mse": 0.246, "mae": 0.304},
    ("ETTm2", 336): {"mse": 0.307, "mae": 0.342}, ("ETTm2", 720): {"mse": 0.407, "mae": 0.398},
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["ETTh1"])
    parser.add_argument("--horizons", nargs="+", type=int, default=[96])
    parser.add_argument("--learning-rate", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--out-dir", default="benchmarks/results")
    args = parser.parse_args(argv)
    rows = []
    for dataset in args.datasets:
        for horizon in args.horizons:
            training = training_config_for("linear", output_dir=f"runs/linear-{dataset}-{horizon}",
                                           learning_rate=args.learning_rate, seed=args.seed, resume=False)
            row = run_forecast_experiment("linear", dataset, 96, horizon, training)
            print(f"{dataset} H={horizon}: test MSE {row['test_mse']:.4f} MAE {row['test_mae']:.4f} "
                  f"({row['test_windows']} windows, {row['seconds']}s)")
            rows.append(row)
    rows = with_paper(rows, PAPER, key=("dataset", "prediction_length"))
    command = "python recipes/reproduce_linear.py " + " ".join(shlex.quote(a) for a in argv)
    write_report(rows, args.out_dir, "linear_ett", "Linear baseline (RLinear) on ETT, lookback 96",
                 ["dataset", "prediction_length", "test_mse", "test_mae", "paper_mse", "paper_mae",
                  "gap_mse_%", "test_windows", "epochs_run", "seconds"],
                 ["dataset", "H", "MSE", "MAE", "paper MSE", "paper MAE", "MSE gap %", "test windows",
                  "epochs", "seconds"],
                 command=command,
                 notes="Paper: RLinear at lookback 96 as reported in iTransformer (ICLR 2024). Adam, "
                       "batch 32, type1 schedule, early stopping (patience 3) on validation MSE, seed 2021.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
