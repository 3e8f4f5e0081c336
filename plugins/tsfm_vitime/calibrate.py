"""Fit the quantile temperature of a pretrained ViTime on fresh RealTS windows (synthetic
data only, so zero-shot evaluations stay zero-shot): the temperature whose [q0.1, q0.9]
interval covers 80% of the horizon values of those windows."""

from __future__ import annotations

import numpy as np
import torch

from tsfm.model import TSModel

from .data import window_batch
from .mapping import columns_to_steps, quantiles_from_probs


@torch.no_grad()
def interval_coverage_at(model: TSModel, batch: dict, temperatures: np.ndarray,
                         levels: tuple[float, float] = (0.1, 0.9)) -> np.ndarray:
    """Coverage of the [levels] interval for each temperature (one network pass)."""
    model.eval()
    values, observed = batch["past_values"], torch.ones_like(batch["past_values"], dtype=torch.bool)
    loc = values.mean(1, keepdim=True)
    scale = torch.sqrt(values.var(1, unbiased=False, keepdim=True) + 1e-5)
    canvas = model.backbone(model.embedding((values - loc) / scale, observed, {}))
    logits = canvas.logits[..., canvas.geometry.context_columns:].transpose(1, 2)
    target = ((batch["future_values"] - loc) / scale)[..., 0]  # [N, H]
    lv = torch.tensor(levels, dtype=logits.dtype)
    out = []
    for t in temperatures:
        probs = columns_to_steps(torch.softmax(logits / float(t), -1), canvas.geometry)
        q = quantiles_from_probs(probs, canvas.max_scale, lv)  # [N, H, 2]
        out.append(float(((target >= q[..., 0]) & (target <= q[..., 1])).float().mean()))
    return np.asarray(out)


def calibrate_temperature(model: TSModel, num_series: int = 512, seed: int = 10_000,
                          target: float = 0.8, grid: np.ndarray | None = None) -> tuple[float, float]:
    """(temperature, coverage at it) on `num_series` RealTS series of the model's length."""
    import realts

    grid = np.exp(np.linspace(np.log(0.5), np.log(20.0), 40)) if grid is None else grid
    length, horizon = model.config.context_length, model.config.prediction_length
    series = torch.from_numpy(realts.generate(num_series=num_series, length=length + horizon, seed=seed))
    coverage = interval_coverage_at(model, window_batch(series, length), grid)
    best = int(np.argmin(np.abs(coverage - target)))
    return float(grid[best]), float(coverage[best])
