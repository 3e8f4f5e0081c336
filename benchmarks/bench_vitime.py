"""ViTime inference cost on CPU: share of time in mapping + inverse mapping (paper Table 10:
0.0068 s of 0.082 s per batch of 4 on an RTX 3090, 8.3%) and series/s of the small config.

    python benchmarks/bench_vitime.py [--threads 1] [--repeats 5]

Stages timed separately, in the model's own order: mapping (context -> canvas resampling ->
binary image -> blur), network (patch embedding, encoder, decoder), inverse mapping (softmax
over rows -> horizon steps -> expectation). Figures are medians of --repeats runs measured in
one process; other jobs share this machine's CPUs (load average printed).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

import tsfm
from tsfm_vitime.mapping import (CanvasGeometry, columns_to_steps, gaussian_blur, image_from_values,
                                 resample_context, row_centres, values_from_probs)
from tsfm_vitime.network import patchify


def stage_times(model, batch: int, repeats: int) -> dict[str, float]:
    cfg = model.backbone_config
    emb, net = model.embedding, model.backbone
    length, horizon = model.config.context_length, model.config.prediction_length
    x = torch.randn(batch, length)
    observed = torch.ones_like(x, dtype=torch.bool)
    geometry = CanvasGeometry(length, horizon, cfg.canvas_columns)
    times: dict[str, list[float]] = {"mapping": [], "network": [], "inverse": []}
    with torch.no_grad():
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            ms = x.new_full((batch,), cfg.max_scale)
            values, mask = resample_context(x, observed, geometry)
            image = image_from_values(values, mask, cfg.rows, ms)
            image = torch.cat([image, image.new_zeros(batch, cfg.rows, geometry.horizon_columns)], -1)
            blurred = gaussian_blur(image, emb.blur, cfg.blur_gain)
            t1 = time.perf_counter()
            tokens = emb.patch_embed(patchify(blurred, cfg.patch_rows, cfg.patch_cols)) + emb.pos_embed
            h = tokens
            for block in net.encoder:
                h = block(h)
            h = net.decoder_embed(net.encoder_norm(h)) + net.decoder_pos
            for block in net.decoder:
                h = block(h)
            patches = net.decoder_pred(net.decoder_norm(h))
            t2 = time.perf_counter()
            logits = patches.reshape(batch, cfg.rows // cfg.patch_rows, cfg.canvas_columns // cfg.patch_cols,
                                     cfg.patch_rows, cfg.patch_cols).permute(0, 1, 3, 2, 4).reshape(
                                         batch, cfg.rows, cfg.canvas_columns)
            probs = torch.softmax(logits[..., geometry.context_columns:].transpose(1, 2), -1)
            steps = columns_to_steps(probs, geometry)
            values_from_probs(steps, row_centres(cfg.rows, ms), cfg.inverse)
            t3 = time.perf_counter()
            times["mapping"].append(t1 - t0)
            times["network"].append(t2 - t1)
            times["inverse"].append(t3 - t2)
    return {k: float(np.median(v[1:])) for k, v in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--paper", action="store_true", help="also time the paper config network (slow on CPU)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"ViTime CPU benchmark: torch {torch.__version__}, {args.threads} thread(s), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared machine)")
    configs = [("small", 4), ("small", 256)] + ([("paper", 4)] if args.paper else [])
    for preset, batch in configs:
        model = tsfm.create_model(f"vitime/{preset}", context_length=512, prediction_length=720).eval()
        t = stage_times(model, batch, args.repeats)
        total = sum(t.values())
        share = (t["mapping"] + t["inverse"]) / total
        print(f"{preset:6s} batch {batch:3d}: total {total:.4f} s = mapping {t['mapping']:.4f} + network "
              f"{t['network']:.4f} + inverse {t['inverse']:.4f}; mapping + inverse = {100 * share:.1f}% "
              f"(paper, GPU, batch 4: 0.0068 of 0.082 s = 8.3%)")
    # Paper geometry: the mapping alone (network too slow for a CPU benchmark without --paper).
    model = tsfm.create_model("vitime/paper", context_length=512, prediction_length=720).eval()
    cfg = model.backbone_config
    x = torch.randn(4, 512)
    geometry = CanvasGeometry(512, 720, cfg.canvas_columns)
    runs = []
    with torch.no_grad():
        for _ in range(args.repeats + 1):
            t0 = time.perf_counter()
            ms = x.new_full((4,), cfg.max_scale)
            v, m = resample_context(x, torch.ones_like(x, dtype=torch.bool), geometry)
            img = image_from_values(v, m, cfg.rows, ms)
            img = torch.cat([img, img.new_zeros(4, cfg.rows, geometry.horizon_columns)], -1)
            gaussian_blur(img, model.embedding.blur, cfg.blur_gain)
            probs = torch.softmax(torch.randn(4, geometry.horizon_columns, cfg.rows), -1)
            values_from_probs(columns_to_steps(probs, geometry), row_centres(cfg.rows, ms))
            runs.append(time.perf_counter() - t0)
    print(f"paper  batch   4: mapping + inverse mapping alone {np.median(runs[1:]):.4f} s on CPU "
          f"(h=128 x 2464 columns, 31x31 blur; paper 0.0068 s on GPU)")
    # Throughput through the public API (channel folding, instance norm, quantiles off).
    model = tsfm.create_model("vitime/small", context_length=512, prediction_length=720).eval()
    context = np.random.default_rng(0).standard_normal((256, 512, 1)).astype(np.float32)
    model.forecast(context[:8])
    runs = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        model.forecast(context)
        runs.append(time.perf_counter() - t0)
    print(f"small: {256 / np.median(runs):.0f} series/s through model.forecast (batch 256, L 512, H 720, "
          f"{args.threads} thread(s)); {model.num_parameters():,} parameters")


if __name__ == "__main__":
    main()
