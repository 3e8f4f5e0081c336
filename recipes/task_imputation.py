"""Imputation on ETT (TimesNet protocol: L = 96, random point masks at 12.5/25/37.5/50 %),
every test window scored on the hidden entries (normalised scale), beside linear
interpolation on the same masks and the papers' figures.

    TSFM_DATA_DIR=/path/to/data python recipes/task_imputation.py \
        --backbones tvnet perimidformer --datasets ETTh1 ETTm1

Each finished cell is merged into benchmarks/results/<name>.json/.md (several processes
may fill one report); a PNG shows one test window per backbone and data set.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsfm.evaluation.report import load_report_rows, report_lock, write_report
from tsfm.experiment import training_config_for
from tsfm.tasks.imputation import MASK_RATIOS, run_imputation_experiment

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# Per-ratio figures (MSE, MAE) from Peri-midFormer's Table 15; TVNet's summary gives only
# the ETTm1 average MSE (0.018).
PAPER = {
    ("perimidformer", "ETTh1"): {0.125: (0.060, 0.164), 0.25: (0.069, 0.181), 0.375: (0.092, 0.200),
                                 0.5: (0.112, 0.220)},
    ("perimidformer", "ETTm1"): {0.125: (0.030, 0.108), 0.25: (0.031, 0.112), 0.375: (0.034, 0.117),
                                 0.5: (0.041, 0.125)},
}
PAPER_AVG = {("tvnet", "ETTm1"): (0.018, None)}

# Small-CPU settings (the papers train D = 64-768 for 10-15 epochs on a GPU).
DEFAULTS: dict[str, dict[str, Any]] = {
    "tvnet": {"model": {"d_model": 32, "num_layers": 2, "patch_len": 24},
              "training": {"learning_rate": 1e-3, "batch_size": 32, "epochs": 10, "patience": 2}},
    "perimidformer": {"model": {"d_model": 64, "top_k": 3, "e_layers": 1},
                      "training": {"learning_rate": 1e-3, "batch_size": 32, "epochs": 10, "patience": 2}},
}

COLUMNS = ["backbone", "dataset", "mask_ratio", "test_mse", "test_mae", "paper_mse", "paper_mae", "interp_mse",
           "interp_mae", "test_windows", "epochs_run", "seconds"]
HEADERS = ["backbone", "data", "mask", "MSE", "MAE", "paper MSE", "paper MAE", "lin. interp. MSE",
           "lin. interp. MAE", "test windows", "epochs", "s"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbones", nargs="+", default=list(DEFAULTS))
    parser.add_argument("--datasets", nargs="+", default=["ETTh1", "ETTm1"])
    parser.add_argument("--ratios", nargs="+", type=float, default=list(MASK_RATIOS))
    parser.add_argument("--context-length", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--max-steps", type=int, default=None, help="cap training steps (smoke runs)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--name", default="task_imputation")
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--runs-dir", default="runs/imputation")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the Markdown/JSON report from the rows already in the JSON and exit")
    return parser.parse_args(argv)


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The per-ratio rows of an existing report (its average rows are recomputed)."""
    return [r for r in load_report_rows(path) if r["mask_ratio"] != "avg"]


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        paper = PAPER.get((r["backbone"], r["dataset"]), {}).get(r["mask_ratio"], (None, None))
        out.append(dict(r, paper_mse=paper[0], paper_mae=paper[1]))
    for backbone, dataset in sorted({(r["backbone"], r["dataset"]) for r in rows}):
        cell = [r for r in rows if r["backbone"] == backbone and r["dataset"] == dataset]
        if len({r["mask_ratio"] for r in cell}) < len(MASK_RATIOS):
            continue  # averages only over all four ratios
        paper = [PAPER.get((backbone, dataset), {}).get(ratio) for ratio in MASK_RATIOS]
        paper_avg = (tuple(float(np.mean([p[i] for p in paper])) for i in range(2)) if all(paper)
                     else PAPER_AVG.get((backbone, dataset), (None, None)))
        mean = {k: float(np.mean([r[k] for r in cell])) for k in ("test_mse", "test_mae", "interp_mse", "interp_mae")}
        out.append(dict(mean, backbone=backbone, dataset=dataset, mask_ratio="avg", paper_mse=paper_avg[0],
                        paper_mae=paper_avg[1], test_windows=None, epochs_run=None,
                        seconds=sum(r["seconds"] for r in cell)))
    return out


def plot_examples(examples: dict[str, dict[str, np.ndarray]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(examples), 1, figsize=(10, 2.6 * len(examples)), squeeze=False)
    for ax, (title, ex) in zip(axes[:, 0], sorted(examples.items())):
        channel = ex["values"].shape[1] - 1  # OT
        t = np.arange(len(ex["values"]))
        hidden = ex["hidden"][:, channel]
        ax.plot(t, ex["values"][:, channel], color="0.6", lw=1, label="truth")
        ax.scatter(t[hidden], ex["values"][hidden, channel], s=8, color="0.3", label="hidden")
        ax.plot(t, ex["interpolation"][:, channel], color="tab:orange", lw=1, label="linear interpolation")
        ax.plot(t, ex["model"][:, channel], color="tab:blue", lw=1, label="model")
        ax.set_title(title, fontsize=9)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_rows(rows: list[dict[str, Any]], out: Path, name: str) -> None:
    rows.sort(key=lambda r: (r["backbone"], r["dataset"], r["mask_ratio"]))
    commands = sorted({r["command"] for r in rows})
    write_report(table_rows(rows), out, name, "Imputation on ETT (L = 96, random point masks)",
                 COLUMNS, HEADERS, command="\n".join(commands), notes=NOTES)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python recipes/task_imputation.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    out = Path(args.out_dir)
    json_path = out / f"{args.name}.json"
    if args.report_only:
        with report_lock(Path(args.runs_dir) / f"{args.name}.lock"):
            write_rows(load_rows(json_path), out, args.name)  # write_report refuses no rows
        return
    for backbone in args.backbones:
        defaults = DEFAULTS.get(backbone, {"model": {}, "training": {}})
        for dataset in args.datasets:
            examples: dict[str, dict[str, np.ndarray]] = {}
            for ratio in args.ratios:
                tag = f"{backbone}-{dataset}-{ratio}"
                training = training_config_for(backbone, defaults["training"], epochs=args.epochs,
                                               max_steps=args.max_steps, seed=args.seed,
                                               output_dir=f"{args.runs_dir}/{tag}", resume=False, progress=False)
                run = run_imputation_experiment(backbone, dataset, ratio, training,
                                                context_length=args.context_length,
                                                backbone_kwargs=defaults["model"])
                row = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in run.row.items()}
                row["command"] = command
                print(f"[imputation] {tag}: MSE {row['test_mse']:.4f} MAE {row['test_mae']:.4f} "
                      f"(linear interpolation {row['interp_mse']:.4f} / {row['interp_mae']:.4f}; "
                      f"{row['test_windows']} windows, {row['seconds']} s)", flush=True)
                examples[f"{backbone} {dataset} mask {ratio:.1%} (OT, one test window)"] = dict(run.example)
                with report_lock(Path(args.runs_dir) / f"{args.name}.lock"):
                    # Re-read under the lock so that rows of concurrent runs of this script are kept.
                    rows = [r for r in load_rows(json_path)
                            if (r["backbone"], r["dataset"], r["mask_ratio"]) != (backbone, dataset, ratio)]
                    rows.append(row)
                    write_rows(rows, out, args.name)
            plot_examples(examples, out / f"{args.name}_{backbone}_{dataset}.png")


NOTES = """Every test window (stride 1, L = 96) of the ETT test split, scaler fitted on train only; the
masks hide each entry independently at the given ratio and are a pure function of (seed, window);
model and linear interpolation are scored on the same hidden entries (normalised scale).
Training: small-CPU settings (recipes/task_imputation.py DEFAULTS), early stopping on the
validation split's masked MSE. Both backbones see the hidden entries linearly interpolated
between their visible neighbours (Peri-midFormer before the pyramid, paper appendix E.5;
TVNet before its value embedding, TVNetConfig.missing_values = "interpolate").
Paper: Peri-midFormer Table 15 (per ratio); TVNet's summary gives only an ETTm1 average
(0.018), shown on its avg row."""


if __name__ == "__main__":
    main()
