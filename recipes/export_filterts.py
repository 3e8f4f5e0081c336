"""Train FilterTS on ETT at horizon 96 with the data set's preset and save checkpoints.

    TSFM_DATA_DIR=/path/to/data python recipes/export_filterts.py \
        --datasets ETTh1 ETTh2 ETTm1 ETTm2 --out checkpoints/filterts
    # optionally publish each one:  --push-to-hub tsfm-org/filterts-{dataset}

Each checkpoint folder (config.json, model.safetensors, README.md) carries the static
filters fitted on that data set's training split, so loading it needs no data:
    tsfm.from_pretrained("checkpoints/filterts/etth1")   # or the Hub id
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import tsfm
from tsfm.experiment import run_forecast_experiment, training_config_for
from tsfm_filterts.presets import preset_name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["ETTh1"])
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--context-length", type=int, default=96)
    parser.add_argument("--out", default="checkpoints/filterts", help="one sub-folder per data set")
    parser.add_argument("--push-to-hub", default=None,
                        help="repo id template, e.g. 'tsfm-org/filterts-{dataset}' ({dataset} is lower-cased)")
    parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs-dir", default="runs/filterts_export")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    for dataset in args.datasets:
        preset = f"filterts/{preset_name(dataset, args.horizon)}"
        folder = Path(args.out) / dataset.lower()
        overrides = {"output_dir": str(Path(args.runs_dir) / dataset.lower()), "resume": False, "progress": False}
        if args.epochs is not None:
            overrides["epochs"] = args.epochs
        row = run_forecast_experiment(preset, dataset, args.context_length, args.horizon,
                                      training_config_for(preset, **overrides), save_to=folder)
        print(f"{dataset}-{args.horizon}: test MSE {row['test_mse']:.4f} MAE {row['test_mae']:.4f} -> {folder}")
        if args.push_to_hub:
            repo_id = args.push_to_hub.format(dataset=dataset.lower())
            model = tsfm.from_pretrained(folder)
            # The reloaded model's card keeps no training metadata: pass it again.
            card = {"title": f"FilterTS {dataset}-{args.horizon} (lookback {args.context_length})",
                    "training_data": f"{dataset} train split (12 months), scaler fitted on train only",
                    "metrics": {f"{dataset} test MSE": row["test_mse"], f"{dataset} test MAE": row["test_mae"],
                                "test windows": row["test_windows"]}}
            print("pushed:", model.push_to_hub(repo_id, **card))


if __name__ == "__main__":
    main()
