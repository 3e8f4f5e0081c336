"""UEA classification (TimesNet protocol, honest model selection) for TVNet and
Peri-midFormer beside the non-learned feature floor (ridge and 1-NN).

    TSFM_DATA_DIR=/path/to/data python recipes/task_classification.py \
        --backbones tvnet perimidformer --datasets JapaneseVowels UWaveGestureLibrary \
        --seed 2021 2022 2023 --threads 1

Each cell (backbone, data set, seed) calls `tsfm.tasks.classification.run_classification_experiment`:
a stratified 20% of TRAIN is held out for early stopping (the official code early-stops on
TEST), every series is padded to the longest over TRAIN and TEST, channels are standardised
with training-part statistics, and TEST accuracy is computed once over every test sample.
The baselines (`FeatureClassifier`, ridge and 1-NN, fitted on all of TRAIN) run once per
data set. Rows are merged into benchmarks/results/<name>.json/.md/.png as each cell finishes
(the report is locked while it is updated, so several invocations can fill one report; a
re-run replaces the cells it recomputes). `--report-only` rewrites the report from the JSON.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsfm.evaluation.report import load_report_rows, markdown_table, report_lock, write_report
from tsfm.tasks.classification import FEATURE_METHODS, run_classification_experiment, run_feature_baseline
from tsfm.training import TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATASETS = ("JapaneseVowels", "UWaveGestureLibrary")
BACKBONES = ("tvnet", "perimidformer")

# Small-CPU versions of the papers' settings. Training: TimesNet's classification protocol
# (batch 16, lr 1e-3, up to 30 epochs, patience 10) for TVNet, whose paper follows it; the
# Peri-midFormer spec's 20 epochs / patience 5 for Peri-midFormer (its Table 7: lr 1e-4 to
# 5e-3, batch 2-64). Adam at a constant rate (TSLib uses RAdam and halves the rate every 5
# epochs). Early stopping on the held-out cross-entropy (TSLib: on test accuracy).
TRAINING = {
    "tvnet": {"epochs": 30, "patience": 10, "batch_size": 16, "learning_rate": 1e-3, "lr_schedule": "constant"},
    "perimidformer": {"epochs": 20, "patience": 5, "batch_size": 16, "learning_rate": 1e-3,
                      "lr_schedule": "constant"},
}
# Architectures. TVNet: the notebook's family at C_m = 32, 2 blocks; the patch length scales
# with L (JapaneseVowels L = 29 -> 4 patches of 8, UWave L = 315 -> 20 patches of 16).
# Peri-midFormer: inside the paper's Table 7 classification ranges (k 2-8, 1-4 layers,
# d_model 16-128), 8 heads as its scripts.
BACKBONE_KWARGS: dict[str, dict[str, dict[str, Any]]] = {
    "tvnet": {
        "JapaneseVowels": {"d_model": 32, "num_layers": 2, "patch_len": 8},
        "UWaveGestureLibrary": {"d_model": 32, "num_layers": 2, "patch_len": 16},
    },
    "perimidformer": {
        "JapaneseVowels": {"d_model": 64, "n_heads": 8, "e_layers": 2, "top_k": 3},
        "UWaveGestureLibrary": {"d_model": 64, "n_heads": 8, "e_layers": 2, "top_k": 3},
    },
}

# Paper accuracy (%) per data set. Peri-midFormer: Table 11 (full classification results,
# seed 003), column "Peri-midFormer"; the same table's TimesNet column is quoted in the notes.
PAPER_ACCURACY: dict[tuple[str, str], float] = {
    ("perimidformer", "JapaneseVowels"): 97.3,
    ("perimidformer", "UWaveGestureLibrary"): 85.6,
}
TIMESNET_IN_TABLE_11 = {"JapaneseVowels": 98.4, "UWaveGestureLibrary": 85.3}
BACKBONE_ORDER = {"tvnet": 0, "perimidformer": 1, "features-ridge": 2, "features-1nn": 3}

COLUMNS = ["dataset", "backbone", "seed", "accuracy_%", "paper_%", "gap_pp", "val_accuracy_%",
           "epochs_run", "train_size", "val_size", "test_size", "context_length", "channels",
           "classes", "parameters", "seconds"]
HEADERS = ["data", "model", "seed", "test acc %", "paper %", "gap (pp)", "val acc %", "epochs",
           "train", "val", "test", "L", "C", "K", "params", "seconds"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbones", nargs="*", default=list(BACKBONES), choices=list(BACKBONES))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--baselines", nargs="*", default=list(FEATURE_METHODS), choices=list(FEATURE_METHODS),
                        help="feature floors to (re)compute; pass none to skip them")
    parser.add_argument("--epochs", type=int, default=None, help="override the per-backbone epochs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (share the CPU fairly)")
    parser.add_argument("--seed", type=int, nargs="+", default=[2021],
                        help="training seed(s); a seed also draws the validation hold-out")
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--name", default="task_classification", help="report name under benchmarks/results")
    parser.add_argument("--runs-dir", default="runs/task_classification", help="scratch training state")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from its JSON rows")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- report
def _key(row: dict[str, Any]) -> tuple:
    return row["backbone"], row["dataset"], row.get("seed")


def _sort_key(row: dict[str, Any]) -> tuple:
    dataset_order = {d: i for i, d in enumerate(DATASETS)}
    return (dataset_order.get(row["dataset"], 9), row["dataset"], BACKBONE_ORDER.get(row["backbone"], 9),
            row["backbone"], row.get("seed") or 0)


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in sorted(rows, key=_sort_key):
        paper = PAPER_ACCURACY.get((row["backbone"], row["dataset"]))
        ours = 100.0 * row["accuracy"]
        out.append(dict(
            row,
            **{"accuracy_%": ours,
               "paper_%": paper,
               "gap_pp": None if paper is None else ours - paper,
               "val_accuracy_%": None if row.get("val_accuracy") is None else 100.0 * row["val_accuracy"],
               "seconds": round(float(row["seconds"]), 1)},
        ))
    return out


def summary(rows: list[dict[str, Any]]) -> str:
    """Mean (min-max) test accuracy over seeds per (data set, model)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=_sort_key):
        groups.setdefault((row["dataset"], row["backbone"]), []).append(row)
    lines = []
    for (dataset, backbone), members in groups.items():
        acc = np.array([100.0 * r["accuracy"] for r in members])
        paper = PAPER_ACCURACY.get((backbone, dataset))
        lines.append({
            "dataset": dataset, "backbone": backbone, "runs": len(members),
            "mean": float(acc.mean()), "min": float(acc.min()), "max": float(acc.max()),
            "paper": paper, "seconds": float(np.mean([r["seconds"] for r in members])),
        })
    return markdown_table(lines, ["dataset", "backbone", "runs", "mean", "min", "max", "paper", "seconds"],
                          ["data", "model", "runs", "mean test acc %", "min", "max", "paper %", "mean seconds"])


def notes(rows: list[dict[str, Any]]) -> str:
    settings = []
    for backbone in BACKBONES:
        for dataset in DATASETS:
            settings.append(f"- {backbone} / {dataset}: {BACKBONE_KWARGS[backbone][dataset]}, "
                            f"training {TRAINING[backbone]}")
    return "\n".join([
        "## Mean over seeds",
        "",
        summary(rows),
        "",
        "## Protocol",
        "",
        "- Honest model selection: a stratified, seeded 20% of TRAIN is held out for early stopping on its",
        "  cross-entropy; the model trains on the other 80%, and TEST is scored once (argmax of the logits) over",
        "  every test sample. The official TimesNet / Peri-midFormer code early-stops on TEST accuracy, which",
        "  peeks at the test set; our numbers are therefore not directly comparable and are expected lower.",
        "- Every series is right-padded to the longest over TRAIN and TEST (JapaneseVowels: TRAIN 26, TEST 29",
        "  steps; nothing truncated); padded steps reach the model as zeros with past_observed_mask False.",
        "- No instance normalisation for classification (identity scale in the core); each channel is",
        "  standardised with the mean/std of the training part (observed entries only).",
        "- Peri-midFormer's periods are fitted on the training part's series concatenated along time.",
        "- The feature floors (`FeatureClassifier`: 7 summary statistics + 16 resampled points per channel,",
        "  ridge or 1-NN) are fitted on all of TRAIN; they have no seed.",
        "",
        "## Paper figures",
        "",
        "- Peri-midFormer: Table 11 of the paper (full classification results, seed 003): JapaneseVowels 97.3,",
        "  UWaveGestureLibrary 85.6 (TimesNet in the same table: 98.4 and 85.3), reached with early stopping",
        "  on TEST and 3 repeats.",
        "- TVNet: its sources (seed 000, specs/tvnet.md) give only an average accuracy of 74.6% over 10 UEA",
        "  data sets, no per-data-set figure, so the TVNet rows have no paper column.",
        "",
        "## Peri-midFormer classifies the undecomposed series",
        "",
        "As the official classification code (specs/perimidformer.md), the plugin skips the trend/seasonal",
        "split for this task: the whole standardised series enters the pyramid. An earlier version",
        "classified only the seasonal part (x minus a 25-step moving average) and reached 35.6 / 40.0 / 42.5%",
        "on UWaveGestureLibrary (seeds 2021-2023), whose classes differ mainly in the slow shape.",
        "",
        "## Settings (small-CPU versions of the papers')",
        "",
        "Cells take seconds on one thread (the ~10 minute budget is far from binding). TVNet's C_m = 32 /",
        "2 blocks was picked among five variants on the validation loss of seed 2021 (JapaneseVowels and",
        "UWave); Peri-midFormer's settings were not tuned.",
        "",
        *settings,
    ])


def write(rows: list[dict[str, Any]], name: str, command: str) -> None:
    rows = sorted(rows, key=_sort_key)
    commands = sorted({r["command"] for r in rows if r.get("command")})
    write_report(table_rows(rows), RESULTS, name,
                 "UEA classification (honest protocol): TVNet and Peri-midFormer vs feature floors",
                 COLUMNS, HEADERS, command="\n".join(commands) or command, notes=notes(rows))
    plot(rows, RESULTS / f"{name}.png")


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Per data set: accuracy bars (mean over seeds, min-max whiskers, paper marks) and the
    row-normalised test confusion matrix of each model (its first seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
    datasets += sorted({r["dataset"] for r in rows} - set(datasets))
    if not datasets:
        return
    models = sorted({r["backbone"] for r in rows}, key=lambda b: (BACKBONE_ORDER.get(b, 9), b))
    fig, axes = plt.subplots(len(datasets), 1 + len(models), figsize=(3.2 * (1 + len(models)), 3.2 * len(datasets)),
                             squeeze=False)
    for i, dataset in enumerate(datasets):
        ax = axes[i, 0]
        means, lows, highs, papers = [], [], [], []
        for model in models:
            acc = [100.0 * r["accuracy"] for r in rows if r["dataset"] == dataset and r["backbone"] == model]
            means.append(np.mean(acc) if acc else np.nan)
            lows.append(np.mean(acc) - np.min(acc) if acc else 0.0)
            highs.append(np.max(acc) - np.mean(acc) if acc else 0.0)
            papers.append(PAPER_ACCURACY.get((model, dataset), np.nan))
        x = np.arange(len(models))
        ax.bar(x, means, yerr=[lows, highs], color=["C0", "C1", "0.6", "0.8"][: len(models)], capsize=3)
        ax.scatter(x, papers, marker="_", s=400, color="red", label="paper", zorder=3)
        ax.set_xticks(x, models, rotation=30, ha="right", fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_ylabel("test accuracy %")
        ax.set_title(dataset, fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        for j, model in enumerate(models):
            ax = axes[i, 1 + j]
            members = sorted((r for r in rows if r["dataset"] == dataset and r["backbone"] == model),
                             key=lambda r: r.get("seed") or 0)
            if not members or not members[0].get("confusion"):
                ax.axis("off")
                continue
            counts = np.asarray(members[0]["confusion"], dtype=float)
            share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
            ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
            seed = members[0].get("seed")
            ax.set_title(f"{model}{'' if seed is None else f' (seed {seed})'}\n"
                         f"acc {100 * members[0]['accuracy']:.1f}%", fontsize=8)
            ax.set_xlabel("predicted", fontsize=7)
            ax.set_ylabel("true", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def merge(row: dict[str, Any], args: argparse.Namespace, command: str) -> None:
    json_path = RESULTS / f"{args.name}.json"
    with report_lock(Path(args.runs_dir) / f"{args.name}.lock"):
        # Re-read under the lock so that rows of concurrent invocations are kept.
        rows = [r for r in load_report_rows(json_path) if _key(r) != _key(row)]
        rows.append({k: v for k, v in row.items()
                     if k not in ("accuracy_%", "paper_%", "gap_pp", "val_accuracy_%")})
        write(rows, args.name, command)


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python recipes/task_classification.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    if args.report_only:
        with report_lock(Path(args.runs_dir) / f"{args.name}.lock"):
            write(load_report_rows(RESULTS / f"{args.name}.json"), args.name, command)
        return
    for dataset in args.datasets:
        for method in args.baselines:
            row = run_feature_baseline(dataset, method)
            row["command"] = command
            print(f"[classification] {dataset} features-{method}: accuracy {row['accuracy']:.4f}", flush=True)
            merge(row, args, command)
        for backbone in args.backbones:
            kwargs = BACKBONE_KWARGS[backbone].get(dataset, BACKBONE_KWARGS[backbone][DATASETS[0]])
            for seed in args.seed:
                overrides = dict(TRAINING[backbone])
                if args.epochs is not None:
                    overrides["epochs"] = args.epochs
                training = TrainingConfig(output_dir=f"{args.runs_dir}/{backbone}-{dataset}-{seed}", seed=seed,
                                          resume=False, progress=False, **overrides)
                started = time.time()
                print(f"[classification] {dataset} {backbone} seed {seed}: training {kwargs} {overrides}", flush=True)
                row = run_classification_experiment(backbone, dataset, training, backbone_kwargs=kwargs,
                                                    val_fraction=args.val_fraction)
                row["command"] = command
                row["threads"] = args.threads
                print(f"[classification] {dataset} {backbone} seed {seed}: accuracy {row['accuracy']:.4f} "
                      f"(val {row['val_accuracy']:.4f}, {row['epochs_run']} epochs, "
                      f"{time.time() - started:.0f} s)", flush=True)
                merge(row, args, command)


if __name__ == "__main__":
    main()
