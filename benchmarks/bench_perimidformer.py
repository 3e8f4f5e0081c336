"""Training step time and peak memory of Peri-midFormer with the pyramid structure
(attention mask, feature-flow paths) cached vs rebuilt in numpy on every forward (what
the official code does).

    python benchmarks/bench_perimidformer.py [--steps 40] [--threads 1]

Config: the ETTh1-96 preset (L=96, H=96, 7 channels, D=512, k=5, 1 layer) at the official
batch 2 with the periods the training split gives, (96, 48, 32, 24, 12); plus the
L=512 preset (2 layers, batch 4) as a second case. Each variant runs in its own
process so that peak RSS (ru_maxrss) is its own. Figures are ratios measured in one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

CASES = {
    "ETTh1-96 L=96 (D512 k5, batch 2)": {"preset": "etth1-96", "context_length": 96, "batch": 2,
                                         "periods": [96, 48, 32, 24, 12]},
    "ETTh1-96 L=512 (D512 k5 2 layers, batch 4)": {"preset": "etth1-L512-96", "context_length": 512,
                                                   "batch": 4, "periods": [512, 256, 170, 24, 23]},
}


def measure(case: dict, cached: bool, steps: int, threads: int) -> dict:
    import torch

    import tsfm

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = tsfm.create_model(
        f"perimidformer/{case['preset']}", context_length=case["context_length"], prediction_length=96,
        num_channels=7, periods=tuple(case["periods"]), cache_structure=cached,
    ).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    batches = [
        {"past_values": torch.randn(case["batch"], case["context_length"], 7, generator=generator),
         "future_values": torch.randn(case["batch"], 96, 7, generator=generator)}
        for _ in range(8)
    ]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for step in range(steps + 5):
        started = time.perf_counter()
        loss = model(batches[step % len(batches)]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 5:  # warm-up excluded
            times.append(time.perf_counter() - started)
    structure = model.embedding.structures
    build_started = time.perf_counter()
    for _ in range(20):
        structure.enabled = False
        structure.get(tuple(case["periods"]), torch.device("cpu"))
    build_ms = (time.perf_counter() - build_started) / 20 * 1e3
    layout_tensors = structure.get(tuple(case["periods"]), torch.device("cpu"))
    return {
        "step_ms": statistics.median(times) * 1e3,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_steps_mib": rss_before,
        "structure_build_ms": build_ms,
        "components": layout_tensors.layout.num_components,
        "flows": int(layout_tensors.paths.shape[0]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, cached = json.loads(args.worker)
        print(json.dumps(measure(CASES[name], cached, args.steps, args.threads)))
        return 0
    print(f"Peri-midFormer training step (forward+backward+Adam), median of {args.steps} steps, "
          f"{args.threads} thread(s); peak = process max RSS")
    for name in CASES:
        results = {}
        for cached in (True, False):
            out = subprocess.run(
                [sys.executable, __file__, "--steps", str(args.steps), "--threads", str(args.threads),
                 "--worker", json.dumps([name, cached])],
                capture_output=True, text=True, check=True,
            )
            results[cached] = json.loads(out.stdout.strip().splitlines()[-1])
        c, r = results[True], results[False]
        print(f"\n{name}: {c['components']} components, {c['flows']} feature flows; "
              f"building mask + path list once: {c['structure_build_ms']:.2f} ms")
        print(f"  cached structure : step {c['step_ms']:8.2f} ms   peak RSS {c['peak_rss_mib']:8.1f} MiB")
        print(f"  rebuilt each fwd : step {r['step_ms']:8.2f} ms   peak RSS {r['peak_rss_mib']:8.1f} MiB")
        print(f"  rebuilt / cached : step time x{r['step_ms'] / c['step_ms']:.3f}, "
              f"peak RSS x{r['peak_rss_mib'] / c['peak_rss_mib']:.3f}, "
              f"time saved per step {r['step_ms'] - c['step_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
