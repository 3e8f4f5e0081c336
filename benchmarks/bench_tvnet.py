"""TVNet training cost at lookback L = 96 and L = 720: step time and peak memory.

For each L (and C_m, batch), a fresh subprocess builds the model, runs a few training
steps (Adam, MSE) on random data and reports:
  step_ms        median wall time of one forward + backward + optimiser step
  activations_MB bytes of the tensors autograd saves for backward (one step)
  peak_rss_MB    the process's peak resident memory minus its resident memory once the
                 model and data were built (so: one step's activations, gradients,
                 optimiser state and allocator overhead)
  params         trainable parameters (embedding + backbone + head)
The paper's claim (eq. 9): space O(C_m^2 + L*C_m) -- memory grows with L no faster
than the activations. Figures, not a timed test; ratios are measured within one run.

    python benchmarks/bench_tvnet.py [--threads 1] [--batch-size 32] [--d-model 64]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

CHANNELS, HORIZON = 7, 96


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def measure(context: int, d_model: int, batch: int, steps: int, threads: int, dynamic: bool) -> dict:
    import tsfm

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = tsfm.create_model("tvnet", context_length=context, prediction_length=HORIZON,
                              num_channels=CHANNELS, d_model=d_model, dynamic=dynamic).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = {"past_values": torch.randn(batch, context, CHANNELS), "future_values": torch.randn(batch, HORIZON, CHANNELS)}

    def step() -> None:
        optimiser.zero_grad(set_to_none=True)
        model(data).loss.backward()
        optimiser.step()

    baseline = _rss_mb()  # model, data and interpreter, before any step
    step()  # warm-up: allocates optimiser state and gradients
    saved: list[int] = []

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        saved.append(tensor.untyped_storage().nbytes())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(data).loss
    del loss
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "L": context, "d_model": d_model, "batch": batch, "dynamic": dynamic,
        "params": model.num_parameters(),
        "step_ms": 1000 * statistics.median(times),
        "activations_MB": sum(saved) / 2**20,
        "peak_rss_MB": peak - baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", nargs="+", type=int, default=[96, 720])
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--single", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--static", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single is not None:
        print(json.dumps(measure(args.single, args.d_model, args.batch_size, args.steps, args.threads, not args.static)))
        return
    results = []
    for context in args.lengths:
        for static in (False, True):
            cmd = [sys.executable, __file__, "--single", str(context), "--d-model", str(args.d_model),
                   "--batch-size", str(args.batch_size), "--steps", str(args.steps), "--threads", str(args.threads)]
            out = subprocess.run(cmd + (["--static"] if static else []), check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"TVNet training step, C={CHANNELS}, H={HORIZON}, batch {args.batch_size}, C_m {args.d_model}, "
          f"{args.threads} thread(s), torch {torch.__version__}, CPU")
    print(f"{'L':>5} {'alpha':>8} {'params':>9} {'step ms':>9} {'activations MB':>15} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['L']:>5} {'dynamic' if r['dynamic'] else 'ones':>8} {r['params']:>9} {r['step_ms']:>9.1f} "
              f"{r['activations_MB']:>15.1f} {r['peak_rss_MB']:>12.1f}")
    for dynamic in (True, False):
        rows = [r for r in results if r["dynamic"] == dynamic]
        if len(rows) >= 2:
            a, b = rows[0], rows[-1]
            print(f"alpha {'dynamic' if dynamic else 'ones'}: L {a['L']} -> {b['L']} (x{b['L'] / a['L']:.1f}): "
                  f"step time x{b['step_ms'] / a['step_ms']:.2f}, activations x{b['activations_MB'] / a['activations_MB']:.2f}, "
                  f"peak RSS x{b['peak_rss_MB'] / max(a['peak_rss_MB'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
