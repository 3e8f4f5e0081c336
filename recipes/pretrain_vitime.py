"""Pretrain ViTime (or a numerical baseline) on a streamed RealTS corpus.

    accelerate launch --num_processes 1 --cpu recipes/pretrain_vitime.py --config small   # 1 CPU process
    accelerate launch --multi_gpu --num_processes 2 recipes/pretrain_vitime.py --config small   # 2 CPU processes
                                                            # (no CUDA: the recipe joins them in a gloo group)
    accelerate launch --multi_gpu --num_processes 8 recipes/pretrain_vitime.py --config paper \
        --batch-size 32 --epochs 50 --output-dir runs/pretrain_vitime_paper
    python recipes/pretrain_vitime.py --backbone linear --output-dir runs/pretrain_linear_realts

Each epoch streams `--series-per-epoch` fresh RealTS series (20,000 as in the paper) of
length context + horizon, seeded by `--seed`; the model sees the context columns of the
image and learns the masked horizon columns. The core Trainer (Accelerate) checkpoints a
resumable state every `--checkpoint-every` steps and at every epoch end; rerunning the same
command resumes. The final model goes to <output-dir>/model with a model card (command,
seed, loss curve), and `--push-to-hub org/name` uploads it.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

import torch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="small", help="vitime preset: small, paper, paper-refine")
    p.add_argument("--backbone", default="vitime",
                   help="vitime, or a numerical backbone trained on the same stream (e.g. linear)")
    p.add_argument("--context-length", type=int, default=512)
    p.add_argument("--horizon", type=int, default=720)
    p.add_argument("--series-per-epoch", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None, help="per process")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--warmup-steps", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimiser steps")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    p.add_argument("--mixed-precision", default="no", choices=("no", "fp16", "bf16"))
    p.add_argument("--output-dir", default=None)
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--no-calibrate", action="store_true",
                   help="skip fitting the quantile temperature on fresh RealTS windows")
    p.add_argument("--calibrate-only", action="store_true",
                   help="only (re)fit the quantile temperature of <output-dir>/model")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from accelerate import PartialState

    import tsfm
    from tsfm.experiment import training_config_for
    from tsfm.training import Trainer
    from tsfm_vitime.data import RealTSForecastStream

    # Without CUDA, `accelerate launch --multi_gpu --num_processes N` starts N CPU processes
    # that only join one gloo process group when the state is created with cpu=True.
    state = PartialState(cpu=not torch.cuda.is_available())
    if args.calibrate_only:
        if state.is_main_process:
            calibrate(Path(args.output_dir), args.seed)
        return 0
    is_vitime = args.backbone == "vitime"
    name = f"vitime/{args.config}" if is_vitime else args.backbone
    out = Path(args.output_dir or f"runs/pretrain_{name.replace('/', '_')}")
    base = training_config_for("vitime/small" if not is_vitime else name)
    batch_size = args.batch_size or base.batch_size
    # Accelerate dispatches distinct batches to each process: one optimiser step consumes
    # batch_size x processes series, so an epoch of N series is N / (batch x processes) steps.
    steps_per_epoch = max(1, math.ceil(args.series_per_epoch / (batch_size * state.num_processes)))
    training = training_config_for(
        "vitime/small" if not is_vitime else name,
        output_dir=str(out), epochs=args.epochs, batch_size=batch_size, learning_rate=args.learning_rate,
        warmup_steps=args.warmup_steps, max_steps=args.max_steps, steps_per_epoch=steps_per_epoch,
        checkpoint_every=args.checkpoint_every, log_every=args.log_every, seed=args.seed,
        resume=not args.no_resume, mixed_precision=args.mixed_precision, progress=not args.no_progress,
        patience=0,
    )
    torch.manual_seed(args.seed)
    model = tsfm.create_model(name, context_length=args.context_length, prediction_length=args.horizon)
    stream = RealTSForecastStream(args.context_length, args.horizon, batch_size, seed=args.seed,
                                  series_per_epoch=args.series_per_epoch)
    command = "accelerate launch recipes/pretrain_vitime.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    state.print(f"pretraining {name}: {model.num_parameters():,} parameters, {state.num_processes} process(es), "
                f"{steps_per_epoch} steps/epoch x {training.epochs} epochs, batch {batch_size}/process")
    started = time.time()
    result = Trainer(training).fit(model, stream)
    if state.is_main_process:
        curve = _loss_curve(out)
        card = {
            "title": f"{name} pretrained on RealTS only",
            "training_data": (f"RealTS (this repository's `realts` package), seed {args.seed}, "
                              f"{args.series_per_epoch} fresh series per epoch, length "
                              f"{args.context_length}+{args.horizon}; no real data."),
            "training": {"command": command, "seed": args.seed, "processes": state.num_processes,
                         "global_step": result.global_step, "epochs_run": result.epochs_run,
                         "series_seen": result.global_step * batch_size * state.num_processes,
                         "final_epoch_loss": curve[-1]["train_loss"] if curve else None,
                         "seconds_this_run": round(time.time() - started, 1)},
        }
        model.card_data = {}
        model.save_pretrained(out / "model", **card)
        if is_vitime and not args.no_calibrate:
            calibrate(out, args.seed)
        (out / "loss_curve.json").write_text(json.dumps(curve, indent=1), encoding="utf-8")
        _plot_curve(out)
        if args.push_to_hub:
            print(model.push_to_hub(args.push_to_hub, **card))
        print(f"saved {out / 'model'} (step {result.global_step})")
    state.wait_for_everyone()
    return 0


def calibrate(out: Path, seed: int) -> None:
    """Fit ViTime's quantile temperature on RealTS series the training never drew (another
    seed), so that the [q0.1, q0.9] interval covers 80% of them; rewrite <out>/model."""
    import tsfm
    from tsfm_vitime.calibrate import calibrate_temperature
    from tsfm_vitime.evaluation import with_backbone_overrides

    folder = out / "model"
    model = tsfm.from_pretrained(folder)
    card = _card_fields(model.card_data.get("card_text", ""))
    calibration_seed = seed + 1_000_003
    temperature, coverage = calibrate_temperature(model, num_series=512, seed=calibration_seed)
    calibrated = with_backbone_overrides(model, quantile_temperature=temperature)
    card.setdefault("training", {})["quantile_calibration"] = {
        "realts_seed": calibration_seed, "series": 512, "temperature": temperature, "coverage80": coverage}
    calibrated.save_pretrained(folder, **card)
    print(f"quantile temperature {temperature:.3f} (80% interval covers {coverage:.3f} of 512 RealTS series)")


def _card_fields(text: str) -> dict:
    """Title, training data and the training JSON back from a model card written by this script."""
    import re

    fields: dict = {}
    title = re.search(r"^# (.+)$", text, re.M)
    if title:
        fields["title"] = title.group(1)
    data = re.search(r"## Training data\n\n(.+?)\n", text, re.S)
    if data:
        fields["training_data"] = data.group(1)
    block = re.search(r"## Training\n\n```json\n(.+?)\n```", text, re.S)
    if block:
        fields["training"] = json.loads(block.group(1))
    return fields


def _loss_curve(out: Path) -> list[dict]:
    log = out / "log.jsonl"
    if not log.is_file():
        return []
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in records if r.get("event") == "epoch"]


def _plot_curve(out: Path) -> None:
    log = out / "log.jsonl"
    if not log.is_file():
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    steps = [r for r in records if r.get("event") == "step"]
    epochs = [r for r in records if r.get("event") == "epoch"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if steps:
        ax.plot([r["step"] for r in steps], [r["loss"] for r in steps], lw=0.8, alpha=0.6, label="step loss")
    if epochs:
        ax.plot([r["step"] for r in epochs], [r["train_loss"] for r in epochs], "o-", label="epoch mean")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "loss_curve.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
