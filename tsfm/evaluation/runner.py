"""Evaluate any model (a checkpoint, a Hub id or a parameter-free baseline) on named
datasets and horizons: MSE/MAE over every test window and ReMSE/ReMAE (ViTime's
rescaled protocol), written as JSON + Markdown + PNG plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader

from .. import create_model, from_pretrained, get_spec
from ..data import WindowDataset, load_forecast_data
from ..errors import TSFMError
from ..model import TSModel
from .metrics import REMSE_BETAS, resample_series
from .report import plot_forecasts, write_report


@dataclass
class ModelSource:
    """A model to evaluate: a backbone name with kwargs (built for each dataset and
    horizon, e.g. parameter-free baselines) or a checkpoint folder / Hub id."""

    label: str
    backbone: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    checkpoint: str | None = None
    revision: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, text: str) -> "ModelSource":
        """"seasonal_naive", "seasonal_naive:season_length=24", or a path / "org/name"."""
        name, _, args = text.partition(":")
        base = name.split("/", 1)[0]
        try:
            get_spec(base)
            is_backbone = not Path(name).exists()
        except TSFMError:
            is_backbone = False
        if is_backbone:
            kwargs = {}
            for item in filter(None, args.split(",")):
                key, _, value = item.partition("=")
                kwargs[key.strip()] = _literal(value.strip())
            return cls(label=text, backbone=name, kwargs=kwargs)
        return cls(label=Path(text).name if Path(text).exists() else text, checkpoint=name, revision=args or None)

    def model_for(self, context_length: int, prediction_length: int, num_channels: int) -> TSModel:
        if self.checkpoint is not None:
            if "model" not in self._cache:
                self._cache["model"] = from_pretrained(self.checkpoint, revision=self.revision)
            return self._cache["model"]
        return create_model(
            self.backbone,
            context_length=context_length,
            prediction_length=prediction_length,
            num_channels=num_channels,
            **self.kwargs,
        ).eval()


def _literal(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


@torch.no_grad()
def forecast_windows(model: TSModel, dataset: WindowDataset, horizon: int, batch_size: int = 256,
                     progress: Callable | None = None) -> dict[str, float]:
    """MSE/MAE over every window, through model.forecast (which crops a longer context,
    folds channels for channel-independent models and checks horizons)."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    sq = ab = count = 0.0
    for batch in loader:
        prediction = model.forecast(batch["past_values"], prediction_length=horizon)
        target = batch["future_values"][:, :horizon]
        mask = ~torch.isnan(target)
        diff = torch.where(mask, prediction - target, torch.zeros_like(target)).double()
        sq += float(diff.pow(2).sum())
        ab += float(diff.abs().sum())
        count += float(mask.sum())
        if progress is not None:
            progress(len(target))
    return {"mse": sq / max(count, 1.0), "mae": ab / max(count, 1.0), "windows": len(dataset)}


def evaluate(
    sources: Sequence[ModelSource],
    datasets: Sequence[str],
    horizons: Sequence[int],
    context_length: int,
    out_dir: str | Path,
    *,
    remse: bool = True,
    betas: Sequence[float] = REMSE_BETAS,
    paper: Mapping[tuple, Mapping[str, float]] | None = None,
    data_root: str | Path | None = None,
    batch_size: int = 256,
    plots: bool = True,
    command: str | None = None,
    name: str = "zero_shot",
    title: str = "Zero-shot evaluation",
) -> list[dict[str, Any]]:
    """Score every source on every dataset x horizon; write <name>.json/.md and PNGs.

    paper: {(model label, dataset, horizon): {"mse":..., "mae":..., "remse":..., "remae":...}}.
    """
    from tqdm.auto import tqdm

    rows: list[dict[str, Any]] = []
    out = Path(out_dir)
    for dataset in datasets:
        for horizon in horizons:
            data = load_forecast_data(dataset, context_length, horizon, data_root=data_root)
            test = data.windows("test")
            resampled = {}
            if remse:
                test_values = data.split("test")
                resampled = {b: WindowDataset(resample_series(test_values, b), context_length, horizon)
                             for b in betas}
            total = len(sources) * (len(test) + sum(len(w) for w in resampled.values()))
            bar = tqdm(total=total, desc=f"{data.name} H={horizon}", unit="win", leave=False)
            plot_preds: dict[str, np.ndarray] = {}
            pick = np.linspace(0, len(test) - 1, 3).astype(int)
            for source in sources:
                model = source.model_for(context_length, horizon, data.num_channels)
                row: dict[str, Any] = {"model": source.label, "dataset": data.name,
                                       "context_length": context_length, "prediction_length": horizon}
                scores = forecast_windows(model, test, horizon, batch_size, bar.update)
                row.update(mse=scores["mse"], mae=scores["mae"], windows=scores["windows"])
                if remse:
                    per_beta = {b: forecast_windows(model, w, horizon, batch_size, bar.update)
                                for b, w in resampled.items()}
                    row["remse"] = float(np.mean([s["mse"] for s in per_beta.values()]))
                    row["remae"] = float(np.mean([s["mae"] for s in per_beta.values()]))
                    row["remse_by_beta"] = {str(b): s["mse"] for b, s in per_beta.items()}
                ref = (paper or {}).get((source.label, data.name, horizon), {})
                for metric in ("mse", "mae", "remse", "remae"):
                    row[f"paper_{metric}"] = ref.get(metric)
                rows.append(row)
                if plots:
                    past = torch.stack([test[i]["past_values"] for i in pick])
                    plot_preds[source.label] = model.forecast(past, prediction_length=horizon).numpy()
            bar.close()
            if plots:
                past = np.stack([test[i]["past_values"].numpy() for i in pick])
                target = np.stack([test[i]["future_values"].numpy() for i in pick])
                plot_forecasts(out / f"{name}_{data.name}_H{horizon}.png", past, target, plot_preds,
                               title=f"{data.name}, L={context_length}, H={horizon} (channel {data.columns[-1]})")
    columns = ["model", "dataset", "prediction_length", "mse", "mae"]
    headers = ["model", "dataset", "H", "MSE", "MAE"]
    if remse:
        columns += ["remse", "remae"]
        headers += ["ReMSE", "ReMAE"]
    if paper:
        columns += ["paper_mse", "paper_mae", "paper_remse", "paper_remae"]
        headers += ["paper MSE", "paper MAE", "paper ReMSE", "paper ReMAE"]
    columns.append("windows")
    headers.append("test windows")
    notes = (
        f"Context length {context_length}; metrics on the train-fitted standard scale; every test "
        f"window scored (stride 1)."
    )
    if remse:
        notes += (f" ReMSE/ReMAE: the scaled test split linearly resampled at beta in {tuple(betas)}, "
                  f"every window of each resampled series scored, errors averaged over beta.")
    write_report(rows, out, name, title, columns, headers, command=command, notes=notes)
    return rows
