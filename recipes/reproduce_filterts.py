"""Reproduce FilterTS's Table 1 on ETT (lookback 96), or its ablation on ETTh1-96.

    TSFM_DATA_DIR=/path/to/data python recipes/reproduce_filterts.py \
        --datasets ETTh1 ETTh2 ETTm1 ETTm2 --horizons 96 192 336 720

Every cell trains the preset `filterts/<dataset>-<horizon>` (the official scripts'
e_layers / d_model / learning rate; batch 32, <= 10 epochs, patience 3, type1 schedule,
seed 2021) through `tsfm.experiment.run_forecast_experiment` and scores every test
window. Rows are merged into benchmarks/results/filterts_ett.{json,md} as each cell
finishes, so partial runs are kept and several processes (e.g. one per data set) can
fill one table.

    python recipes/reproduce_filterts.py --ablation     # ETTh1-96: layer chaining x
                                                        # embedding x static-mask fold
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch

from tsfm.evaluation.report import write_report, with_paper
from tsfm.experiment import run_forecast_experiment, training_config_for
from tsfm_filterts.presets import PAPER_RESULTS, preset_name

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

# name -> backbone options; "paper-default" is what FilterTSConfig defaults to.
ABLATION_VARIANTS: dict[str, dict[str, Any]] = {
    "chained + fourier + contiguous": dict(chain_layers=True, embedding="fourier_interpolate", static_mask="contiguous"),
    "chained + fourier + modulo": dict(chain_layers=True, embedding="fourier_interpolate", static_mask="modulo"),
    "chained + linear + contiguous": dict(chain_layers=True, embedding="linear", static_mask="contiguous"),
    "chained + linear + modulo": dict(chain_layers=True, embedding="linear", static_mask="modulo"),
    "unchained + linear + modulo (official code)": dict(chain_layers=False, embedding="linear", static_mask="modulo"),
    "unchained + fourier + contiguous": dict(chain_layers=False, embedding="fourier_interpolate", static_mask="contiguous"),
}

GRID_COLUMNS = ["dataset", "prediction_length", "e_layers", "d_model", "learning_rate",
                "test_mse", "paper_mse", "gap_mse_%", "test_mae", "paper_mae", "gap_mae_%",
                "epochs_run", "test_windows", "seconds"]
GRID_HEADERS = ["data", "H", "e", "D", "lr", "MSE (ours)", "MSE (paper)", "gap MSE %",
                "MAE (ours)", "MAE (paper)", "gap MAE %", "epochs", "test windows", "s"]
ABLATION_COLUMNS = ["variant", "test_mse", "paper_mse", "gap_mse_%", "test_mae", "paper_mae",
                    "gap_mae_%", "parameters", "epochs_run", "seconds"]
ABLATION_HEADERS = ["variant", "MSE", "MSE (paper)", "gap MSE %", "MAE", "MAE (paper)",
                    "gap MAE %", "trainable params", "epochs", "s"]

GRID_NOTES = """
Ours: mean over every test window (no drop_last), default options (layers chained,
Fourier-interpolation embedding, contiguous static-mask fold; see docs/filterts.md).
Gap = ours / paper - 1 (negative is better than the paper). The paper's ETTm2-336 MAE
(0.398) is almost certainly a typo for 0.338 (it exceeds its own 720 value).
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["ETTh1", "ETTh2", "ETTm1", "ETTm2"])
    parser.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    parser.add_argument("--context-length", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--ablation", action="store_true",
                        help="run the ETTh1-96 ablation (chaining x embedding x mask fold) instead")
    parser.add_argument("--variants", nargs="+", default=None, help="ablation variants to run (default all)")
    parser.add_argument("--name", default=None, help="report name under benchmarks/results")
    parser.add_argument("--runs-dir", default="runs/filterts", help="training output folders")
    parser.add_argument("--save-checkpoints", default=None,
                        help="folder: save each trained model to <folder>/<dataset>-<horizon>")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python recipes/reproduce_filterts.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    if args.ablation:
        run_ablation(args, command)
    else:
        run_grid(args, command)


def run_grid(args: argparse.Namespace, command: str) -> None:
    name = args.name or "filterts_ett"
    for dataset in args.datasets:
        for horizon in args.horizons:
            preset = f"filterts/{preset_name(dataset, horizon)}"
            row = _run_cell(args, preset, dataset, horizon, {}, tag=f"{dataset}-{horizon}")
            key = (row["dataset"], row["prediction_length"])
            _merge_and_write(name, row, lambda r: (r["dataset"], r["prediction_length"]) == key,
                             sort_key=lambda r: (_DATA_ORDER.get(r["dataset"], 9), r["prediction_length"]),
                             title="FilterTS on ETT, lookback 96: ours vs the paper's Table 1",
                             columns=GRID_COLUMNS, headers=GRID_HEADERS, command=command, notes=GRID_NOTES)


def run_ablation(args: argparse.Namespace, command: str) -> None:
    name = args.name or "filterts_ablation_etth1"
    horizon = args.horizons[0] if args.horizons != [96, 192, 336, 720] else 96
    dataset = args.datasets[0] if args.datasets != ["ETTh1", "ETTh2", "ETTm1", "ETTm2"] else "ETTh1"
    variants = args.variants or list(ABLATION_VARIANTS)
    for variant in variants:
        options = ABLATION_VARIANTS[variant]
        tag = f"{dataset}-{horizon}-" + "-".join(str(v) for v in options.values())
        row = _run_cell(args, f"filterts/{preset_name(dataset, horizon)}", dataset, horizon, options, tag)
        row["variant"] = variant
        _merge_and_write(name, row, lambda r: r.get("variant") == variant,
                         sort_key=lambda r: list(ABLATION_VARIANTS).index(r["variant"]),
                         title=f"FilterTS ablation on {dataset}-{horizon} (lookback {args.context_length})",
                         columns=ABLATION_COLUMNS, headers=ABLATION_HEADERS, command=command,
                         notes="chained/unchained: layers applied in sequence (paper) or each to the "
                               "embedding with the last kept (official code); fourier/linear: the "
                               "paper's Fourier-interpolation embedding or the code's linear maps; "
                               "contiguous/modulo: the paper's or the code's static-mask fold. "
                               "Same preset, seed and training protocol for every row.")


_DATA_ORDER = {"ETTh1": 0, "ETTh2": 1, "ETTm1": 2, "ETTm2": 3}


def _run_cell(args: argparse.Namespace, preset: str, dataset: str, horizon: int,
              options: dict[str, Any], tag: str) -> dict[str, Any]:
    overrides: dict[str, Any] = {"output_dir": str(Path(args.runs_dir) / tag), "resume": False,
                                 "progress": False}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    training = training_config_for(preset, **overrides)
    save_to = Path(args.save_checkpoints) / f"{dataset.lower()}-{horizon}" if args.save_checkpoints else None
    print(f"== {preset} {options or ''}", flush=True)
    row = run_forecast_experiment(preset, dataset, args.context_length, horizon, training,
                                  backbone_kwargs=options, save_to=save_to)
    from tsfm import get_spec

    hyper = get_spec("filterts").make_config(preset.split("/", 1)[1], **options)
    row.update(e_layers=hyper.e_layers, d_model=hyper.d_model, options=options)
    print(f"   {dataset}-{horizon}: MSE {row['test_mse']:.4f} MAE {row['test_mae']:.4f} "
          f"({row['epochs_run']} epochs, {row['seconds']} s)", flush=True)
    return row


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _merge_and_write(name: str, row: dict[str, Any], same, sort_key, **report: Any) -> None:
    """Replace this cell's row in the report (kept across runs and processes), rewrite it."""
    json_path = RESULTS / f"{name}.json"
    with _locked(REPO / "runs" / f"{name}.lock"):
        rows = json.loads(json_path.read_text())["rows"] if json_path.is_file() else []
        rows = [r for r in rows if not same(r)] + [row]
        rows = with_paper(sorted(rows, key=sort_key), PAPER_RESULTS,
                          key=("dataset", "context_length", "prediction_length"))
        write_report(rows, RESULTS, name, **report)


if __name__ == "__main__":
    main()
