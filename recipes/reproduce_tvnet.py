"""Reproduce TVNet's long-term forecasting grid beside the linear baseline (RLinear).

Each cell (dataset, lookback L, horizon H) trains the requested variants with
`tsfm.experiment.run_forecast_experiment` and scores every test window:
  tvnet   -- preset tvnet/cpu (C_m = 64, 3 blocks, P = S = 24, dynamic weights)
  static  -- preset tvnet/cpu-static (the ablation: alpha == 1)
  linear  -- the registered "linear" backbone (RLinear), lr 5e-3
Finished runs are appended to benchmarks/results/<name>_runs.json as they finish (a
re-run skips cells already there; several invocations may run at once, the file is
locked while it is updated), and the merged table is rewritten after every run to
benchmarks/results/<name>.json and .md.

    TSFM_DATA_DIR=/work/shared/data python recipes/reproduce_tvnet.py \
        --datasets ETTh1 --horizons 96 192 336 720 --variants tvnet linear
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsfm.evaluation.report import with_paper, write_report
from tsfm.experiment import run_forecast_experiment, save_rows, training_config_for
from tsfm_tvnet.presets import PAPER_RESULTS

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
VARIANTS = {
    "tvnet": ("tvnet/cpu", {}),
    "static": ("tvnet/cpu-static", {}),
    "linear": ("linear", {"learning_rate": 5e-3}),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["ETTh1", "ETTh2", "ETTm1", "ETTm2"])
    parser.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    parser.add_argument("--context-lengths", nargs="+", type=int, default=[96])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=["tvnet", "linear"])
    parser.add_argument("--epochs", type=int, default=None, help="override the presets' epochs (TVNet only)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--name", default="tvnet_ett", help="report name under benchmarks/results/")
    parser.add_argument("--runs-dir", default="runs/tvnet_repro", help="scratch training state")
    return parser.parse_args(argv)


def run_cell(variant: str, dataset: str, context: int, horizon: int, args: argparse.Namespace) -> dict[str, Any]:
    backbone, overrides = VARIANTS[variant]
    output_dir = Path(args.runs_dir) / f"{variant}_{dataset}_{context}_{horizon}"
    shutil.rmtree(output_dir, ignore_errors=True)  # never resume a stale state
    epochs = args.epochs if variant != "linear" else None
    training = training_config_for(
        backbone, output_dir=str(output_dir), progress=False, seed=args.seed, epochs=epochs, **overrides
    )
    row = run_forecast_experiment(backbone, dataset, context, horizon, training)
    row["variant"] = variant
    shutil.rmtree(output_dir, ignore_errors=True)
    return row


def merged_table(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (dataset, L, H) with each variant's MSE/MAE, plus per-(dataset, L) averages."""
    cells: dict[tuple, dict[str, Any]] = {}
    for run in runs:
        key = (run["dataset"], run["context_length"], run["prediction_length"])
        row = cells.setdefault(key, {"dataset": key[0], "context_length": key[1], "prediction_length": key[2]})
        row[f"{run['variant']}_mse"] = run["test_mse"]
        row[f"{run['variant']}_mae"] = run["test_mae"]
        row[f"{run['variant']}_epochs"] = run["epochs_run"]
        row["test_windows"] = run["test_windows"]
    rows = [cells[k] for k in sorted(cells)]
    out: list[dict[str, Any]] = []
    for dataset, context in sorted({(r["dataset"], r["context_length"]) for r in rows}):
        group = [r for r in rows if r["dataset"] == dataset and r["context_length"] == context]
        out.extend(group)
        average: dict[str, Any] = {"dataset": dataset, "context_length": context, "prediction_length": "avg"}
        for metric in sorted({k for r in group for k in r if k.endswith(("_mse", "_mae"))}):
            values = [r.get(metric) for r in group]
            # An average is only reported over all four horizons.
            if len(group) == 4 and all(v is not None for v in values):
                average[metric] = float(np.mean(values))
        out.append(average)
    for row in out:
        row["test_mse"], row["test_mae"] = row.get("tvnet_mse"), row.get("tvnet_mae")
    out = with_paper(out, PAPER_RESULTS, key=("dataset", "prediction_length"), metrics=("mse",))
    for row in out:
        row.pop("test_mse"), row.pop("test_mae")
        if row.get("tvnet_mse") is not None and row.get("linear_mse") is not None:
            row["tvnet_vs_linear_%"] = 100.0 * (row["tvnet_mse"] / row["linear_mse"] - 1.0)
    return out


def write_outputs(runs: list[dict[str, Any]], name: str, command: str) -> None:
    # Every invocation that contributed rows, in order (prefixed with the data location).
    commands = list(dict.fromkeys([r.get("command", command) for r in runs] + [command]))
    command = "\n".join(f"TSFM_DATA_DIR=<data> {c}" for c in commands)
    save_rows(runs, RESULTS / f"{name}_runs.json")
    rows = merged_table(runs)
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in runs)]
    columns = ["dataset", "context_length", "prediction_length"]
    headers = ["dataset", "L", "H"]
    for v in variants:
        columns += [f"{v}_mse", f"{v}_mae"]
        headers += [f"{v} MSE", f"{v} MAE"]
    columns += ["paper_mse", "gap_mse_%"]
    headers += ["paper TVNet MSE", "gap vs paper %"]
    if "linear" in variants and "tvnet" in variants:
        columns.append("tvnet_vs_linear_%")
        headers.append("TVNet vs linear MSE %")
    notes = (
        "Every test window scored (tsfm.evaluation.scoring), scaled values, scaler fitted on train only. "
        "tvnet = preset tvnet/cpu (C_m=64, 3 blocks, P=S=24, lr 3e-4, batch 32, <= 4 epochs, type1 schedule, "
        "early stopping on validation MSE, patience 2); static = the same with alpha == 1; linear = RLinear, lr 5e-3. "
        "Averages only over all four horizons. The paper's figures (from the seed summary) are "
        "averages whose lookback is not stated; 'gap vs paper' is ours / paper - 1."
    )
    write_report(rows, RESULTS, name, "TVNet long-term forecasting (ETT)", columns, headers,
                 command=command, notes=notes)


def record(row: dict[str, Any], name: str, command: str) -> None:
    """Append a finished run under a lock (concurrent invocations share the file)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        runs = load_runs(name)
        runs.append(row)
        write_outputs(runs, name, command)


def load_runs(name: str) -> list[dict[str, Any]]:
    path = RESULTS / f"{name}_runs.json"
    return json.loads(path.read_text()) if path.exists() else []


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python recipes/reproduce_tvnet.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    done = {(r["variant"], r["dataset"], r["context_length"], r["prediction_length"]) for r in load_runs(args.name)}
    for dataset in args.datasets:
        for context in args.context_lengths:
            for horizon in args.horizons:
                for variant in args.variants:
                    if (variant, dataset, context, horizon) in done:
                        continue
                    row = run_cell(variant, dataset, context, horizon, args)
                    row["command"] = command
                    print(json.dumps({k: row[k] for k in ("variant", "dataset", "context_length",
                                                          "prediction_length", "test_mse", "test_mae",
                                                          "epochs_run", "seconds")}), flush=True)
                    record(row, args.name, command)


if __name__ == "__main__":
    main()
