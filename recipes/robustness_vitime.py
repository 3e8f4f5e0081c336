"""Robust zero-shot inference (paper Table 9 / Fig. 15): ViTime under Gaussian noise
(sigma 0.1, 0.3 on the scaled context), missing context (10%..90%, no imputation: empty image
columns) and an added harmonic, beside the clean score and the paper's numbers. One command
writes benchmarks/results/vitime_robustness.{json,md} and a plot.

    python recipes/robustness_vitime.py --checkpoint plugins/tsfm_vitime/weights/small --dataset ETTh1
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import torch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="plugins/tsfm_vitime/weights/small")
    p.add_argument("--dataset", default="ETTh1")
    p.add_argument("--horizons", nargs="+", type=int, default=[96, 192, 336, 720])
    p.add_argument("--context-length", type=int, default=512)
    p.add_argument("--noise", nargs="+", type=float, default=[0.1, 0.3])
    p.add_argument("--missing", nargs="+", type=float, default=[0.1, 0.3, 0.5, 0.7, 0.9])
    p.add_argument("--harmonic-period", type=float, default=12.0, help="period (steps) of the added harmonic")
    p.add_argument("--harmonic-amplitude", type=float, default=0.5)
    p.add_argument("--stride", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out-dir", default="benchmarks/results")
    p.add_argument("--name", default="vitime_robustness")
    return p.parse_args(argv)


def noise(sigma: float):
    def perturb(contexts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return (contexts + rng.normal(0.0, sigma, contexts.shape)).astype(np.float32)
    return perturb


def harmonic(period: float, amplitude: float):
    def transform(series: np.ndarray) -> np.ndarray:
        t = np.arange(len(series), dtype=np.float64)[:, None]
        return (series + amplitude * np.sin(2 * np.pi * t / period)).astype(np.float32)
    return transform


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from tsfm.evaluation.report import write_report
    from tsfm_vitime.evaluation import evaluate_zero_shot
    from tsfm_vitime.presets import PAPER_ROBUSTNESS_ETTH1, PAPER_RESULTS
    sys.path.insert(0, str(Path(__file__).parent))
    from zero_shot_vitime import missing_perturbation

    command = "python recipes/robustness_vitime.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    settings: list[tuple[str, dict]] = [("clean", {})]
    settings += [(f"noise {s:g}", {"perturb": noise(s)}) for s in args.noise]
    settings += [(f"missing {m:g}", {"perturb": missing_perturbation(m)}) for m in args.missing]
    settings += [(f"harmonic (P={args.harmonic_period:g}, A={args.harmonic_amplitude:g})",
                  {"transform_series": harmonic(args.harmonic_period, args.harmonic_amplitude)})]
    rows: list[dict] = []
    out = Path(args.out_dir)

    def write() -> None:
        table = []
        for r in rows:
            paper = PAPER_ROBUSTNESS_ETTH1.get((r["setting"], r["prediction_length"])) if args.dataset == "ETTh1" else None
            if r["setting"] == "clean" and paper is None:
                ref = PAPER_RESULTS.get((args.dataset, args.context_length, r["prediction_length"]), {})
                paper = (ref.get("remse"), ref.get("remae")) if ref else None
            table.append({**r, "paper_remse": paper[0] if paper else None, "paper_remae": paper[1] if paper else None})
        by_setting: dict[str, list] = {}
        for r in table:
            by_setting.setdefault(r["setting"], []).append(r)
        clean = by_setting.get("clean", [])
        clean_avg = float(np.mean([r["remse"] for r in clean])) if len(clean) == len(args.horizons) else None
        for setting, items in list(by_setting.items()):
            if len(items) == len(args.horizons):
                avg = {"setting": setting, "prediction_length": "avg",
                       "remse": float(np.mean([i["remse"] for i in items])),
                       "remae": float(np.mean([i["remae"] for i in items]))}
                if clean_avg:
                    avg["vs_clean_pct"] = 100 * (avg["remse"] / clean_avg - 1)
                papers = [i["paper_remse"] for i in items]
                avg["paper_remse"] = float(np.mean(papers)) if all(p is not None for p in papers) else None
                table.append(avg)
        columns = ["setting", "prediction_length", "remse", "remae", "vs_clean_pct", "paper_remse", "paper_remae",
                   "windows"]
        headers = ["perturbation", "H", "ReMSE", "ReMAE", "ReMSE vs clean (%)", "paper ReMSE", "paper ReMAE",
                   "test windows"]
        notes = (f"{args.dataset}, lookback {args.context_length}, window stride {args.stride}, seed {args.seed}. "
                 "Noise and missing values perturb the context only (targets clean); missing steps are NaN -> "
                 "empty image columns (no imputation). The harmonic is added to the whole test split "
                 "(context and target). Paper: Table 9 (ViTime, ETTh1) where it reports the setting.")
        write_report(table, out, args.name, f"ViTime robustness ({args.dataset})", columns, headers,
                     command=command, notes=notes)
        _plot(table, out / f"{args.name}.png", args.dataset)

    for setting, kwargs in settings:
        def on_row(row: dict, setting: str = setting) -> None:
            rows.append({**row, "setting": setting})
            write()
        evaluate_zero_shot({"ViTime": args.checkpoint}, [args.dataset], args.horizons, args.context_length,
                           batch_size=args.batch_size, stride=args.stride, seed=args.seed, on_row=on_row, **kwargs)
    return 0


def _plot(table: list[dict], path: Path, dataset: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    avg = {r["setting"]: r for r in table if r.get("prediction_length") == "avg"}
    if "clean" not in avg:
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    miss = sorted((float(s.split()[1]), r["remse"]) for s, r in avg.items() if s.startswith("missing"))
    a.plot([0.0] + [m for m, _ in miss], [avg["clean"]["remse"]] + [v for _, v in miss], "o-")
    a.set_xlabel("share of context missing")
    a.set_ylabel("ReMSE (mean over horizons)")
    a.set_title(f"{dataset}: missing data (no imputation)")
    others = [s for s in avg if not s.startswith("missing")]
    b.bar(range(len(others)), [avg[s]["remse"] for s in others])
    b.set_xticks(range(len(others)), others, rotation=20, ha="right", fontsize=8)
    b.set_ylabel("ReMSE (mean over horizons)")
    b.set_title("noise / harmonic")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
