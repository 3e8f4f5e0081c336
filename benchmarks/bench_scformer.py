"""SCFormer figures: HiPPO-LegS precompute time on ETTm1 and the training step time.

    TSFM_DATA_DIR=/path/to/data python benchmarks/bench_scformer.py [--threads 1] [--steps 20]

Prints (no assertions): the state precompute over the whole scaled ETTm1 series (7 x 69,680,
order 512) for the official 2048-step window and for the full history, what the data stage
pays for the three splits of one experiment, the memory of the cached rows, and the
time of one training step (forward + backward + Adam, batch 32) of each ETT preset.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

import tsfm
from tsfm.data import load_forecast_data
from tsfm_scformer.hippo import HippoStateProvider, window_kernel


def timed(fn):
    """(result, wall seconds); the CPU seconds of the process are kept in `timed.cpu`."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    timed.cpu = time.process_time() - cpu
    return result, time.perf_counter() - started


def bench_hippo(context_length: int) -> None:
    data = load_forecast_data("ETTm1", context_length, 96)
    series = data.values
    print(f"ETTm1: {series.shape[0]} rows x {series.shape[1]} channels, HiPPO-LegS order 512, L={context_length}")
    _, seconds = timed(lambda: window_kernel.__wrapped__(512, 2048))
    print(f"  window kernel [2048, 512] (2048 backward bilinear steps): {seconds:.2f} s wall, {timed.cpu:.2f} s CPU")
    for mode in ("window", "full"):
        provider = HippoStateProvider(order=512, mode=mode)
        rows, seconds = timed(lambda: provider.compute(series, context_length))
        print(f"  {mode:6s} state, whole series -> {rows.shape} float32 "
              f"({rows.nbytes / 2**30:.2f} GiB): {seconds:.1f} s wall, {timed.cpu:.1f} s CPU")
        del rows
        total = cpu = 0.0
        for split in ("train", "val", "test"):
            _, seconds = timed(lambda: data.windows(split, feature_providers=[provider]))
            total, cpu = total + seconds, cpu + timed.cpu
        print(f"  {mode:6s} state, data stage of one experiment (train + val + test windows): "
              f"{total:.1f} s wall, {cpu:.1f} s CPU")


def bench_steps(steps: int) -> None:
    for preset, dataset in (("etth1", "ETTh1"), ("ettm1", "ETTm1")):
        torch.manual_seed(0)
        model = tsfm.create_model(f"scformer/{preset}", context_length=96, prediction_length=96, num_channels=7)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
        generator = torch.Generator().manual_seed(0)
        batch = {
            "past_values": torch.randn(32, 96, 7, generator=generator),
            "future_values": torch.randn(32, 96, 7, generator=generator),
            "hippo_state": torch.randn(32, 7, 512, generator=generator),
        }

        def step() -> None:
            optimizer.zero_grad()
            model(batch).loss.backward()
            optimizer.step()

        step()  # warm-up
        times, cpu_times = [], []
        for _ in range(steps):
            times.append(timed(step)[1])
            cpu_times.append(timed.cpu)
        windows = len(load_forecast_data(dataset, 96, 96).windows("train"))
        per_step = float(np.median(times))
        variant = model.backbone_config.variant
        print(f"  scformer/{preset} ({variant}, {model.num_parameters():,} parameters): "
              f"{1000 * per_step:.1f} ms wall / {1000 * float(np.median(cpu_times)):.1f} ms CPU per step "
              f"(median of {steps}), "
              f"~{per_step * np.ceil(windows / 32):.0f} s per {dataset}-96 epoch ({windows} windows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--context-length", type=int, default=96)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (wall time grows with the load, CPU time much less)")
    bench_hippo(args.context_length)
    print("Training step, batch 32, L=96, H=96:")
    bench_steps(args.steps)


if __name__ == "__main__":
    main()
