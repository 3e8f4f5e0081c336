"""FilterTS cost on ETTh1-96 (preset filterts/etth1-96, batch 32): training step time,
peak memory, inference throughput; the paper's chained layers beside the official
code's variant, measured in one run.

    TSFM_DATA_DIR=/path/to/data python benchmarks/bench_filterts.py [--threads 1] [--steps 30]

Memory on CPU: bytes of parameters + gradients + Adam state, bytes of the tensors
autograd saves for backward in one step (activations; counted with saved_tensors_hooks),
and the process's peak RSS. On CUDA, torch.cuda.max_memory_allocated as well.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch
from torch.utils.data import DataLoader

import tsfm
from tsfm.data import load_forecast_data

VARIANTS = {
    "chained + linear + modulo (tsfm default)": {},
    "unchained + linear + modulo (official code)": dict(chain_layers=False),
    "chained + fourier + contiguous (paper as written)": dict(embedding="fourier_interpolate", static_mask="contiguous"),
}


def _batches(dataset, batch_size: int, count: int, device: torch.device) -> list[dict[str, torch.Tensor]]:
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
    out = []
    for batch in loader:
        out.append({k: v.to(device) for k, v in batch.items()})
        if len(out) == count:
            break
    return out


def _saved_bytes(model: tsfm.TSModel, batch: dict[str, torch.Tensor]) -> int:
    total = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(batch).loss
    loss.backward()
    model.zero_grad(set_to_none=True)
    return total


def bench(name: str, options: dict, data, args: argparse.Namespace, device: torch.device) -> dict[str, float]:
    torch.manual_seed(2021)
    model = tsfm.create_model("filterts/etth1-96", context_length=96, prediction_length=96,
                              num_channels=data.num_channels, **options).to(device)
    model.prepare(data.split("train"))
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    batches = _batches(data.windows("train"), 32, args.steps + args.warmup, device)
    model.train()
    for i, batch in enumerate(batches):
        if i == args.warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            started = time.perf_counter()
        model(batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    step_ms = (time.perf_counter() - started) / args.steps * 1000
    state_bytes = sum(p.numel() * p.element_size() * 4 for p in model.parameters() if p.requires_grad)  # w, g, m, v
    activation_bytes = _saved_bytes(model, batches[0])
    model.eval()
    test = _batches(data.windows("test"), 256, args.inference_batches, device)
    with torch.no_grad():
        model(test[0])
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        windows = 0
        for batch in test:
            model(batch)
            windows += batch["past_values"].shape[0]
        if device.type == "cuda":
            torch.cuda.synchronize()
    per_second = windows / (time.perf_counter() - started)
    result = {"step_ms": step_ms, "state_mb": state_bytes / 2**20, "activation_mb": activation_bytes / 2**20,
              "windows_per_s": per_second, "params": model.num_parameters()}
    if device.type == "cuda":
        result["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--inference-batches", type=int, default=8)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    data = load_forecast_data("ETTh1", 96, 96)
    print(f"FilterTS, ETTh1 96->96, preset filterts/etth1-96 (e_layers 4, D 128), batch 32, "
          f"device {device}, {args.threads} thread(s), torch {torch.__version__}")
    results = {name: bench(name, options, data, args, device) for name, options in VARIANTS.items()}
    header = f"{'variant':50s} {'params':>8s} {'step ms':>8s} {'params+grad+Adam MB':>20s} {'activations MB':>15s} {'windows/s':>10s} {'series/s':>10s}"
    print(header)
    for name, r in results.items():
        print(f"{name:50s} {r['params']:8d} {r['step_ms']:8.1f} {r['state_mb']:20.2f} {r['activation_mb']:15.2f} "
              f"{r['windows_per_s']:10.0f} {r['windows_per_s'] * data.num_channels:10.0f}"
              + (f"  cuda peak {r['cuda_peak_mb']:.1f} MB" if "cuda_peak_mb" in r else ""))
    a, b = (results[name] for name in list(VARIANTS)[:2])
    print(f"ratio chained / official: step time {a['step_ms'] / b['step_ms']:.2f}x, "
          f"activation memory {a['activation_mb'] / b['activation_mb']:.2f}x, "
          f"inference throughput {a['windows_per_s'] / b['windows_per_s']:.2f}x")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(whole process: Python, torch, the data set)")
    print("The official variant runs only its last layer: the code applies every layer to the embedding "
          "and discards all outputs but the last, so its forward output is the same but the official "
          "code spends about e_layers times this layer cost (plus ~3.5x for autograd.detect_anomaly).")
    print("windows/s: multivariate test windows (7 channels each) forecast per second at batch 256; "
          "series/s = windows/s x 7. Timings on a shared CPU vary run to run; ratios come from one run.")


if __name__ == "__main__":
    main()
