"""Reproduce TVNet's long-term forecasting grid beside the linear baseline (RLinear).

Each cell (dataset, lookback L, horizon H) trains the requested variants with
`tsfm.experiment.run_forecast_experiment` and scores every test window:
  tvnet   -- preset tvnet/cpu (C_m = 64, 3 blocks, P = S = 24, dynamic weights)
  static  -- preset tvnet/cpu-static (the ablation: alpha == 1)
  linear  -- the registered "linear" backbone (RLinear), lr 5e-3
Finished runs are appended to benchmarks/results/<name>_runs.json as they finish, and
the merged table is rewritten after every run to benchmarks/results/<name>.json and .md.
A re-run skips finished cells; several invocations may run at once (the file is locked
while it is updated and a cell in training is claimed, so none is trained twice).
`--report-only` rewrites the report from the runs file.

    TSFM_DATA_DIR=/path/to/data python recipes/reproduce_tvnet.py \
        --datasets ETTh1 --horizons 96 192 336 720 --variants tvnet linear
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
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
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the runs file")
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
        if row.get("tvnet_mse") is not None and row.get("static_mse") is not None:
            row["static_vs_tvnet_%"] = 100.0 * (row["static_mse"] / row["tvnet_mse"] - 1.0)
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
    if "static" in variants and "tvnet" in variants:
        columns.append("static_vs_tvnet_%")
        headers.append("α≡1 vs TVNet MSE %")
    notes = (
        "Every test window scored (tsfm.evaluation.scoring), scaled values, scaler fitted on train only. "
        "tvnet = preset tvnet/cpu (C_m=64, 3 blocks, P=S=24, lr 3e-4, batch 32, <= 4 epochs, type1 schedule, "
        "early stopping on validation MSE, patience 2); static = the same with alpha == 1; linear = RLinear, lr 5e-3. "
        "Averages only over all four horizons. The paper's figures (from the seed summary) are "
        "averages whose lookback is not stated; 'gap vs paper' is ours / paper - 1. "
        "An --epochs in a command overrides TVNet's epoch count (not the linear baseline's)."
    )
    write_report(rows, RESULTS, name, "TVNet long-term forecasting (ETT)", columns, headers,
                 command=command, notes=notes)


class ResultsFile:
    """<name>_runs.json shared by concurrent invocations: updates happen under a file
    lock, and a cell being trained is claimed (by process id) so no other invocation
    trains it too."""

    def __init__(self, name: str, command: str, scratch: Path) -> None:
        self.name, self.command = name, command
        self.runs_path = RESULTS / f"{name}_runs.json"
        self.scratch = scratch  # lock and claims live with the (git-ignored) training state
        self.claims_path = scratch / f"{name}.claims.json"
        RESULTS.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(parents=True, exist_ok=True)

    def _locked(self):
        handle = open(self.scratch / f"{self.name}.lock", "w")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    def load_runs(self) -> list[dict[str, Any]]:
        return json.loads(self.runs_path.read_text()) if self.runs_path.exists() else []

    def claim(self, cell: tuple) -> bool:
        """True if this process may train `cell` (not done, not claimed by a live process)."""
        with self._locked():
            done = {(r["variant"], r["dataset"], r["context_length"], r["prediction_length"]) for r in self.load_runs()}
            if cell in done:
                return False
            claims = json.loads(self.claims_path.read_text()) if self.claims_path.exists() else []
            claims = [c for c in claims if _alive(c["pid"])]
            if any(tuple(c["cell"]) == cell for c in claims):
                return False
            claims.append({"cell": list(cell), "pid": os.getpid()})
            self.claims_path.write_text(json.dumps(claims))
            return True

    def record(self, row: dict[str, Any]) -> None:
        with self._locked():
            runs = self.load_runs()
            runs.append(row)
            write_outputs(runs, self.name, self.command)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python recipes/reproduce_tvnet.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    results = ResultsFile(args.name, command, Path(args.runs_dir))
    if args.report_only:
        runs = results.load_runs()
        write_outputs(runs, args.name, runs[-1]["command"] if runs else command)
        return
    for dataset in args.datasets:
        for context in args.context_lengths:
            for horizon in args.horizons:
                for variant in args.variants:
                    if not results.claim((variant, dataset, context, horizon)):
                        continue
                    row = run_cell(variant, dataset, context, horizon, args)
                    row["command"] = command
                    print(json.dumps({k: row[k] for k in ("variant", "dataset", "context_length",
                                                          "prediction_length", "test_mse", "test_mae",
                                                          "epochs_run", "seconds")}), flush=True)
                    results.record(row)


if __name__ == "__main__":
    main()
