"""`tsfm` command line: list, train, eval, forecast, push.

Each subcommand is a thin layer over library functions (tsfm.experiment,
tsfm.evaluation.runner, TSModel.forecast, TSModel.push_to_hub).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Sequence

DEFAULT_CHECKPOINT = "default"


def _cmd_list(args: argparse.Namespace) -> int:
    from .registry import backbone_specs

    specs = backbone_specs()
    if args.json:
        print(json.dumps({name: {"distribution": s.distribution, "version": s.distribution_version,
                                 "tasks": list(s.capabilities.tasks), "presets": sorted(s.presets)}
                          for name, s in specs.items()}, indent=2))
        return 0
    width = max((len(n) for n in specs), default=4)
    for name, spec in specs.items():
        caps = spec.capabilities
        flags = [t for t in caps.tasks]
        if caps.handles_missing:
            flags.append("missing-ok")
        if caps.probabilistic:
            flags.append("quantiles")
        print(f"{name:<{width}}  {spec.distribution} {spec.distribution_version}  [{', '.join(flags)}]  {spec.description}")
        if spec.presets and args.presets:
            print(" " * (width + 2) + "presets: " + ", ".join(sorted(spec.presets)))
    return 0


def _parse_kv(items: Sequence[str]) -> dict:
    from .evaluation.runner import _literal

    result = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--set expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        result[key] = _literal(value)
    return result


def _cmd_train(args: argparse.Namespace) -> int:
    from .experiment import run_forecast_experiment, save_rows, training_config_for

    training = training_config_for(
        args.backbone,
        output_dir=args.output_dir,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lr_schedule=args.lr_schedule,
        patience=args.patience,
        seed=args.seed,
        data_fraction=args.data_fraction,
        max_steps=args.max_steps,
        checkpoint_every=args.checkpoint_every,
        progress=not args.no_progress,
    )
    data_kwargs = {"data_root": args.data_root}
    if args.target:
        data_kwargs["target"] = args.target
    if args.date_column != "date":
        data_kwargs["date_column"] = None if args.date_column == "none" else args.date_column
    row = run_forecast_experiment(
        args.backbone, args.dataset, args.context_length, args.prediction_length, training,
        backbone_kwargs=_parse_kv(args.set), data_kwargs=data_kwargs, loss=args.loss,
        save_to=Path(args.output_dir) / "model",
    )
    from accelerate import PartialState

    if PartialState().is_main_process:
        save_rows([row], Path(args.output_dir) / "results.json")
        print(json.dumps(row, indent=2, default=str))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation.runner import ModelSource, evaluate

    sources = [ModelSource.parse(m) for m in args.model]
    rows = evaluate(
        sources, args.datasets, args.horizons, args.context_length, args.output_dir,
        remse=not args.no_remse, data_root=args.data_root, batch_size=args.batch_size,
        plots=not args.no_plots, command="tsfm " + " ".join(shlex.quote(a) for a in args.argv),
        name=args.name, title=args.title,
    )
    for row in rows:
        extra = f"  ReMSE {row['remse']:.4f}  ReMAE {row['remae']:.4f}" if "remse" in row else ""
        print(f"{row['model']:<28} {row['dataset']:<8} H={row['prediction_length']:<4} "
              f"MSE {row['mse']:.4f}  MAE {row['mae']:.4f}{extra}")
    print(f"wrote {args.output_dir}/{args.name}.json, .md and PNG plots")
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    from .data import read_table
    from .evaluation.report import forecast_frame, plot_frame_forecast

    model = _load_model(args.model)
    frame = read_table(args.input, date_column=None if args.date_column == "none" else args.date_column,
                       columns=args.columns or None)
    horizon = args.prediction_length or model.config.prediction_length
    forecast, quantiles = forecast_frame(model, frame, horizon, quantiles=not args.no_quantiles)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    forecast.to_csv(output, index_label=frame.index.name or "index")
    if quantiles is not None:
        for level, table in quantiles.items():
            table.to_csv(output.with_name(f"{output.stem}_q{int(level * 100)}{output.suffix}"),
                         index_label=frame.index.name or "index")
    plot_path = output.with_suffix(".png")
    for channel in range(min(frame.shape[1], args.plot_channels)):
        path = plot_path if channel == 0 else plot_path.with_name(f"{plot_path.stem}_{frame.columns[channel]}.png")
        plot_frame_forecast(path, frame, model, forecast, quantiles,
                            title=f"{Path(args.input).name}: {frame.columns[channel]}", channel=channel)
    print(f"wrote {output} and {plot_path} ({horizon} steps x {frame.shape[1]} channels)")
    return 0


def _load_model(name: str):
    from . import from_pretrained

    if name == DEFAULT_CHECKPOINT:
        from .assets import default_checkpoint

        return from_pretrained(default_checkpoint())
    return from_pretrained(name)


def _cmd_push(args: argparse.Namespace) -> int:
    from . import from_pretrained

    model = from_pretrained(args.checkpoint)
    url = model.push_to_hub(args.repo_id, private=args.private, commit_message=args.message)
    print(f"pushed {args.checkpoint} to {args.repo_id}: {url}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    summary = run_demo(args.output_dir, model=None if args.model == DEFAULT_CHECKPOINT else args.model)
    for name, scores in summary.items():
        print(f"{name:<16} MSE {scores['mse']:.4f}  MAE {scores['mae']:.4f}")
    print(f"wrote {args.output_dir}/forecast.csv, forecast.png, demo_eval.md/.json/.png")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tsfm", description="time-series foundation-model pipeline")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="installed backbones")
    p.add_argument("--json", action="store_true")
    p.add_argument("--presets", action="store_true", help="show named presets")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("train", help="train a backbone on a dataset and score its test split")
    p.add_argument("--backbone", required=True, help='backbone or preset, e.g. "linear", "filterts/etth1-96"')
    p.add_argument("--dataset", required=True, help='benchmark name ("ETTh1") or a CSV/Parquet path')
    p.add_argument("--context-length", type=int, default=96)
    p.add_argument("--prediction-length", type=int, default=96)
    p.add_argument("--output-dir", default="runs/train")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--lr-schedule")
    p.add_argument("--patience", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--data-fraction", type=float, help="fine-tune on the first fraction of train windows")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--checkpoint-every", type=int)
    p.add_argument("--loss", default="mse", choices=["mse", "mae", "smape"])
    p.add_argument("--target", help="univariate: forecast only this column")
    p.add_argument("--date-column", default="date", help='timestamp column, or "none"')
    p.add_argument("--data-root", help="folder with the benchmark files (default $TSFM_DATA_DIR)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="backbone hyperparameter")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("eval", help="evaluate models zero-shot (MSE/MAE, ReMSE/ReMAE) on datasets")
    p.add_argument("--model", action="append", required=True,
                   help='checkpoint folder, Hub id, or backbone ("seasonal_naive:season_length=24"); repeatable')
    p.add_argument("--datasets", nargs="+", default=["ETTh1", "ETTm1"])
    p.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    p.add_argument("--context-length", type=int, default=512)
    p.add_argument("--output-dir", default="runs/eval")
    p.add_argument("--name", default="zero_shot")
    p.add_argument("--title", default="Zero-shot evaluation")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--data-root")
    p.add_argument("--no-remse", action="store_true")
    p.add_argument("--no-plots", action="store_true")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("forecast", help="forecast a CSV (CSV and PNG out)")
    p.add_argument("input", help="CSV/Parquet with a date column and one column per variable")
    p.add_argument("--model", default=DEFAULT_CHECKPOINT,
                   help="checkpoint folder or Hub id (default: the embedded default model)")
    p.add_argument("--output", default="forecast.csv")
    p.add_argument("--prediction-length", type=int)
    p.add_argument("--columns", nargs="*")
    p.add_argument("--date-column", default="date")
    p.add_argument("--plot-channels", type=int, default=1)
    p.add_argument("--no-quantiles", action="store_true")
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser("demo", help="quick start: forecast an embedded series with the embedded model")
    p.add_argument("--output-dir", default="runs/demo")
    p.add_argument("--model", default=DEFAULT_CHECKPOINT)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("push", help="upload a checkpoint folder to the Hugging Face Hub")
    p.add_argument("checkpoint")
    p.add_argument("repo_id")
    p.add_argument("--private", action="store_true")
    p.add_argument("--message", default="Upload tsfm model")
    p.set_defaults(func=_cmd_push)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    from .errors import TSFMError

    try:
        code = int(args.func(args) or 0)
    except TSFMError as exc:
        print(f"tsfm: error: {exc}", file=sys.stderr)
        return 2
    _leave_process_group()  # after success only: a barrier could wait forever on a failed peer
    return code


def _leave_process_group() -> None:
    """Under `accelerate launch` with several processes: leave together and tear the process
    group down, so that no rank exits while another is still in a collective."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
