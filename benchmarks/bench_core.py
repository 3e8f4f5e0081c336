"""Core throughput figures (printed, not asserted): data-loading windows/s and baseline
forecast latency. Machines are noisy: compare the ratios within one run.

    TSFM_DATA_DIR=../shared/data python benchmarks/bench_core.py [--out benchmarks/results/core_bench.txt]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from torch.utils.data import DataLoader

import tsfm
from tsfm.data import load_forecast_data


def _rate(fn, count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="benchmarks/results/core_bench.txt")
    args = parser.parse_args()
    lines = [f"# bench_core  torch {torch.__version__}  threads {torch.get_num_threads()}  "
             f"{platform.processor() or platform.machine()}  cpus {os.cpu_count()}  "
             f"load {os.getloadavg()[0]:.1f}"]

    start = time.perf_counter()
    data = load_forecast_data("ETTh1", 96, 96)
    lines.append(f"load ETTh1 CSV + split + scale: {time.perf_counter() - start:.2f} s")
    train = data.windows("train")
    for batch_size in (32, 256):
        loader = DataLoader(train, batch_size=batch_size, shuffle=True)
        rate = _rate(lambda: sum(1 for _ in loader), len(train), repeat=2)
        lines.append(f"data loading, ETTh1 train windows (L=96, H=96, C=7), batch {batch_size}: {rate:,.0f} windows/s")

    context = torch.from_numpy(data.split("test")[:96].copy())
    for name, kwargs in (("naive", {}), ("seasonal_naive", {"season_length": 24}), ("linear", {})):
        model = tsfm.create_model(name, context_length=96, prediction_length=96, num_channels=7, **kwargs).eval()
        model.forecast(context)  # warm-up
        n = 200
        start = time.perf_counter()
        for _ in range(n):
            model.forecast(context)
        single = (time.perf_counter() - start) / n
        batch = context[None].repeat(256, 1, 1)
        rate = _rate(lambda: model.forecast(batch), 256)
        lines.append(f"forecast latency {name:<15} batch 1: {single * 1e3:6.2f} ms   batch 256: {rate:,.0f} series/s")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
