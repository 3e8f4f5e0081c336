"""Zero-shot scoring shared by the ViTime recipes: every test window, every horizon, ReMSE/ReMAE.

Same definitions as `tsfm.evaluation.runner.evaluate` (MSE/MAE over every window of the
scaled test split; ReMSE/ReMAE: the test split resampled with `resample_series` at each beta,
every window scored, errors averaged over beta), but one forward pass per window serves all
horizons: a model whose forecast of the first H steps does not depend on the requested H
(ViTime's fixed canvas, the RealTS-trained linear model, seasonal-naive) is run once at the
longest horizon and scored on the first H steps of each window that has H future steps.
This cuts the CPU cost by the number of horizons. Optional: context perturbations
(robustness), quantile coverage and CRPS (probabilistic models).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

import tsfm
from tsfm.data import load_forecast_data
from tsfm.evaluation.metrics import REMSE_BETAS, resample_series
from tsfm.model import TSModel

# Levels used for CRPS (pinball average) and the 80% interval (0.1, 0.9).
CRPS_LEVELS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))

Perturb = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass
class Scores:
    sq: dict[int, float] = field(default_factory=dict)
    ab: dict[int, float] = field(default_factory=dict)
    n: dict[int, float] = field(default_factory=dict)
    windows: dict[int, int] = field(default_factory=dict)
    crps: dict[int, float] = field(default_factory=dict)
    inside: dict[int, float] = field(default_factory=dict)

    def add(self, h: int, pred: np.ndarray, target: np.ndarray, quantiles: np.ndarray | None = None,
            levels: Sequence[float] = ()) -> None:
        diff = (pred - target).astype(np.float64)
        self.sq[h] = self.sq.get(h, 0.0) + float((diff ** 2).sum())
        self.ab[h] = self.ab.get(h, 0.0) + float(np.abs(diff).sum())
        self.n[h] = self.n.get(h, 0.0) + diff.size
        self.windows[h] = self.windows.get(h, 0) + len(pred)
        if quantiles is not None:
            lv = np.asarray(levels, dtype=np.float64)
            d = target[..., None].astype(np.float64) - quantiles
            pinball = np.maximum(lv * d, (lv - 1.0) * d)
            self.crps[h] = self.crps.get(h, 0.0) + float(2.0 * pinball.mean(-1).sum())
            lo, hi = quantiles[..., list(levels).index(0.1)], quantiles[..., list(levels).index(0.9)]
            self.inside[h] = self.inside.get(h, 0.0) + float(((target >= lo) & (target <= hi)).sum())

    def result(self, h: int) -> dict[str, float]:
        out = {"mse": self.sq[h] / self.n[h], "mae": self.ab[h] / self.n[h], "windows": self.windows[h]}
        if h in self.crps:
            out["crps"] = self.crps[h] / self.n[h]
            out["coverage80"] = self.inside[h] / self.n[h]
        return out


def load_model(source: str, context_length: int, horizon: int, **overrides: Any) -> TSModel:
    """A checkpoint folder / Hub id, or a parameter-free backbone "name[:k=v,...]" built for
    one channel (series are scored channel by channel). `overrides` replace backbone
    hyperparameters of a checkpoint that do not change its weights (e.g. adaptive_max_scale)."""
    from pathlib import Path

    if Path(source).exists() or "/" in source and not source.startswith(("seasonal_naive", "naive")):
        model = tsfm.from_pretrained(source)
        if overrides:
            model = with_backbone_overrides(model, **overrides)
        return model.eval()
    name, _, args = source.partition(":")
    kwargs = {}
    for item in filter(None, args.split(",")):
        key, _, value = item.partition("=")
        kwargs[key] = int(value) if value.isdigit() else value
    return tsfm.create_model(name, context_length=context_length, prediction_length=horizon, num_channels=1,
                             **kwargs).eval()


def with_backbone_overrides(model: TSModel, **overrides: Any) -> TSModel:
    """The same weights under changed inference-only hyperparameters."""
    cfg = model.config
    backbone = {**dataclasses.asdict(model.backbone_config), **overrides}
    name = f"{cfg.backbone}/{cfg.preset}" if cfg.preset else cfg.backbone
    other = tsfm.create_model(name, task=cfg.task, context_length=cfg.context_length,
                              prediction_length=cfg.prediction_length, num_channels=cfg.num_channels,
                              normalization=cfg.normalization, **backbone)
    other.load_state_dict(model.state_dict())
    return other.eval()


@torch.no_grad()
def predict(model: TSModel, contexts: np.ndarray, horizon: int,
            levels: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """contexts [B, L, C] (NaN = missing) -> point [B, H, C] and quantiles [B, H, C, Q]."""
    b, length, c = contexts.shape
    x = torch.from_numpy(np.ascontiguousarray(contexts.transpose(0, 2, 1).reshape(b * c, length, 1)))
    out = model({"past_values": x}, quantile_levels=levels)
    point = out.prediction[:, :horizon, 0].reshape(b, c, horizon).permute(0, 2, 1).numpy()
    quantiles = None
    if levels is not None and out.quantiles is not None:
        q = out.quantiles[:, :horizon, 0].reshape(b, c, horizon, -1).permute(0, 2, 1, 3)
        quantiles = q.numpy()
    return point, quantiles


def score_series(model: TSModel, series: np.ndarray, context_length: int, horizons: Sequence[int],
                 batch_size: int = 256, levels: Sequence[float] | None = None, perturb: Perturb | None = None,
                 seed: int = 0, stride: int = 1, progress: Callable[[int], None] | None = None,
                 part: tuple[int, int] = (0, 1)) -> Scores:
    """Every window (stride 1) of series [T, C]; each window scored on every horizon it has.
    part=(k, n): only windows k, k + n, k + 2n, ... (split one evaluation over n processes)."""
    hmax, hmin = max(horizons), min(horizons)
    total = len(series)
    starts = np.arange(0, total - context_length - hmin + 1, stride)[part[0]::part[1]]
    scores = Scores()
    rng = np.random.default_rng(seed)
    for lo in range(0, len(starts), batch_size):
        chunk = starts[lo: lo + batch_size]
        contexts = np.stack([series[s: s + context_length] for s in chunk]).astype(np.float32)
        if perturb is not None:
            contexts = perturb(contexts, rng)
        point, quantiles = predict(model, contexts, hmax, levels)
        for h in horizons:
            ok = chunk + context_length + h <= total
            if not ok.any():
                continue
            idx = np.nonzero(ok)[0]
            target = np.stack([series[s + context_length: s + context_length + h] for s in chunk[idx]])
            q = None if quantiles is None else quantiles[idx, :h]
            scores.add(h, point[idx, :h], target, q, levels or ())
        if progress is not None:
            progress(len(chunk))
    return scores


def evaluate_zero_shot(sources: dict[str, str], datasets: Sequence[str], horizons: Sequence[int],
                       context_length: int = 512, betas: Sequence[float] = REMSE_BETAS, batch_size: int = 256,
                       quantiles_for: Sequence[str] = (), perturb: Perturb | None = None, seed: int = 0,
                       stride: int = 1, overrides: dict[str, dict] | None = None,
                       log: Callable[[str], None] = print, on_row: Callable[[dict], None] | None = None,
                       transform_series: Callable[[np.ndarray], np.ndarray] | None = None,
                       with_test: bool = True, part: tuple[int, int] = (0, 1)) -> list[dict[str, Any]]:
    """Rows {model, dataset, prediction_length, mse, mae, remse, remae, [crps, coverage80]}.
    mse/mae: beta = 1 (the test split as is); remse/remae: mean over `betas`. with_test=False
    scores only `betas` (to split one evaluation over processes, one beta each; then `remse`
    is that beta's MSE and `remse_by_beta` carries it for merging)."""
    rows: list[dict[str, Any]] = []
    for dataset in datasets:
        data = load_forecast_data(dataset, context_length, max(horizons))
        test = data.split("test")
        if transform_series is not None:  # e.g. an added harmonic (context and target alike)
            test = transform_series(test)
        for label, source in sources.items():
            started = time.time()
            model = load_model(source, context_length, max(horizons), **(overrides or {}).get(label, {}))
            per_beta: dict[float, Scores] = {}
            for beta in sorted(set(betas) | ({1.0} if with_test else set())):
                series = test if beta == 1.0 else resample_series(test, beta)
                levels = CRPS_LEVELS if (label in quantiles_for and beta == 1.0) else None
                per_beta[beta] = score_series(model, series, context_length, horizons, batch_size, levels,
                                              perturb, seed, stride, part=part)
            for h in horizons:
                base = per_beta[1.0].result(h) if with_test else {"windows": per_beta[betas[0]].result(h)["windows"]}
                row = {"model": label, "dataset": data.name, "context_length": context_length,
                       "prediction_length": h, **base,
                       "remse": float(np.mean([per_beta[b].result(h)["mse"] for b in betas])),
                       "remae": float(np.mean([per_beta[b].result(h)["mae"] for b in betas])),
                       "remse_by_beta": {str(b): per_beta[b].result(h)["mse"] for b in betas},
                       "remae_by_beta": {str(b): per_beta[b].result(h)["mae"] for b in betas}}
                rows.append(row)
                if on_row is not None:
                    on_row(row)
            log(f"{label} on {data.name}: {time.time() - started:.0f}s")
    return rows
