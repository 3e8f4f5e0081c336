"""Short-term forecasting on M4 (TimesNet protocol): one univariate model per frequency,
trained on the series' train parts with the SMAPE loss, scored on the official test
horizon with SMAPE, MASE and OWA (relative to Naive2).

Protocol (TimesNet / Time-Series-Library, with one documented deviation):
- Context L = context_multiplier * H (TimesNet: 2H; Hourly H = 48 -> L = 96), one channel,
  the `smape` point loss on the data scale (`tsfm.losses`).
- Training windows come from `tsfm.data.m4_windows` on each series' train part *minus its
  last H values*; the last window of the full train part (those last H values as its
  target) is the validation window of the series, and early stopping uses the mean SMAPE
  over these 414 (Hourly) windows. The official library validates on the M4 *test* part
  (its "val" loader reads the test CSV); tsfm never reads the test part before scoring.
- The test forecast uses the last L values of each full train part (`m4_test_inputs`).
- SMAPE (200 * |y - f| / (|y| + |f|), averaged over every point; all series share one
  horizon, so this equals the mean of per-series SMAPEs) and MASE (per series: mean
  absolute error over the mean absolute seasonal difference of its train part, averaged
  over the series) are the M4 definitions; OWA = (SMAPE / SMAPE_Naive2 + MASE /
  MASE_Naive2) / 2 with Naive2 computed here on the same series.
- Series shorter than a window are left-padded with NaN and a mask (`m4_windows`,
  `m4_test_inputs`); a backbone without `handles_missing` then fails fast with an error
  that names the number of series (on M4 Hourly, shortest series 700, nothing is padded).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .. import create_model, get_spec
from ..data import M4_FREQUENCIES, M4Data, load_m4, m4_test_inputs, m4_windows, naive2_forecast
from ..errors import InputValidationError
from ..evaluation.metrics import mase, owa, smape
from ..training import Trainer, TrainingConfig

# Keys of a window dict that become batch tensors (series_index/forecast_start stay numpy).
_BATCH_KEYS = ("past_values", "past_observed_mask", "future_values", "future_observed_mask")


class M4WindowDataset(Dataset):
    """A torch Dataset over the numpy windows of `m4_windows` / `m4_test_inputs`.

    windows: past_values [W, L, 1], past_observed_mask [W, L, 1], future_values [W, H, 1],
        optional future_observed_mask [W, H, 1], series_index [W].
    windows_per_series: None = every window is an item. k = each epoch shows k windows of
        every series (fewer if a series has fewer), drawn without replacement as a pure
        function of (seed, epoch): the window order is fixed, the choice fresh per epoch
        when `set_epoch` is called (the Trainer calls it every epoch). This is the
        TimesNet sampler's idea (random cut points in the recent history of every series
        each epoch) with a bounded cost per epoch.
    Items: dicts of float32/bool tensors under the keys above (without series_index).
    """

    def __init__(self, windows: Mapping[str, np.ndarray], windows_per_series: int | None = None,
                 seed: int = 0) -> None:
        if windows_per_series is not None and windows_per_series < 1:
            raise InputValidationError(f"windows_per_series must be >= 1, got {windows_per_series}")
        self.arrays = {k: torch.from_numpy(np.ascontiguousarray(windows[k]))
                       for k in _BATCH_KEYS if k in windows}
        owners = np.asarray(windows["series_index"])
        order = np.argsort(owners, kind="stable")
        counts = np.bincount(owners)
        # rows of series i: order[offsets[i] : offsets[i] + counts[i]]
        self._order, self._counts = order, counts
        self._offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.windows_per_series = windows_per_series
        self.seed = int(seed)
        self.epoch = 0
        self._rows = self._draw()

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self._rows = self._draw()

    def _draw(self) -> np.ndarray:
        if self.windows_per_series is None:
            return np.arange(len(self._order))
        rng = np.random.default_rng([self.seed, self.epoch])
        picks = []
        for offset, count in zip(self._offsets, self._counts):
            if count == 0:
                continue
            chosen = rng.permutation(count)[: self.windows_per_series]
            picks.append(self._order[offset + np.sort(chosen)])
        return np.concatenate(picks)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        row = int(self._rows[i])
        return {k: v[row] for k, v in self.arrays.items()}


@torch.no_grad()
def validation_smape(model: Any, loader: DataLoader, accelerator: Any = None) -> float:
    """SMAPE over every validation window: the early-stopping criterion for M4 (the metric
    and the training loss) instead of MSE, which over raw M4 values is dominated by the few
    series with the largest level; SMAPE is scale-free."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch in loader:
        target = batch["future_values"]
        prediction = model(batch).prediction[:, : target.shape[1]]
        per_window = _smape_per_window(target, prediction)
        if accelerator is not None:
            per_window = accelerator.gather_for_metrics(per_window)
        total += float(per_window.double().sum())
        count += per_window.numel()
    model.train(was_training)
    return total / max(count, 1)


def _smape_per_window(target: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
    """[B, H, 1] x2 -> [B]: 200 * mean |y - f| / (|y| + |f|), 0/0 counted as 0."""
    denom = target.abs() + prediction.abs()
    ratio = torch.where(denom > 0, 2.0 * (target - prediction).abs() / denom.clamp_min(1e-12),
                        torch.zeros_like(denom))
    return 100.0 * ratio.flatten(1).mean(1)


# ----------------------------------------------------------------------------- scoring


def naive2_forecasts(data: M4Data) -> np.ndarray:
    """Naive2 for every series' test horizon: [N, H]."""
    return np.stack([naive2_forecast(y, data.horizon, data.seasonality) for y in data.train])


def m4_scores(data: M4Data, forecasts: np.ndarray) -> dict[str, float]:
    """SMAPE and MASE of forecasts [N, H] against data.test, M4 definitions.

    SMAPE: `tsfm.evaluation.metrics.smape` over every point (200 * |y - f| / (|y| + |f|));
    MASE: per series (seasonality of the frequency, in-sample = its train part), then the
    mean over series. A flat train part gives an infinite MASE (reported, not hidden)."""
    forecasts = np.asarray(forecasts, dtype=np.float64)
    if forecasts.shape != data.test.shape:
        raise InputValidationError(f"forecasts {forecasts.shape} do not match the test part {data.test.shape}")
    if not np.isfinite(forecasts).all():
        raise InputValidationError(f"{int((~np.isfinite(forecasts)).sum())} forecast value(s) are not finite")
    per_series_mase = [mase(data.test[i], forecasts[i], data.train[i], data.seasonality)
                       for i in range(len(data))]
    return {"smape": smape(data.test, forecasts), "mase": float(np.mean(per_series_mase))}


def naive2_m4_row(frequency: str, *, data_root: str | Path | None = None,
                  data: M4Data | None = None) -> dict[str, Any]:
    """The Naive2 floor of an M4 table: SMAPE, MASE and OWA (1.0 by definition)."""
    started = time.time()
    data = data if data is not None else load_m4(frequency, root=data_root)
    scores = m4_scores(data, naive2_forecasts(data))
    return {
        "backbone": "naive2",
        "frequency": data.frequency,
        "context_length": None,
        "horizon": data.horizon,
        "smape": scores["smape"],
        "mase": scores["mase"],
        "owa": owa(scores["smape"], scores["mase"], scores["smape"], scores["mase"]),
        "naive2_smape": scores["smape"],
        "naive2_mase": scores["mase"],
        "series": len(data),
        "epochs_run": 0,
        "seconds": round(time.time() - started, 1),
        "seed": None,
        "parameters": 0,
    }


# ----------------------------------------------------------------------------- experiment


def _validation_split(data: M4Data) -> M4Data:
    """The train parts without their last H values (the validation targets); the test
    part is replaced by NaN so nothing downstream of training can read it."""
    H = data.horizon
    short = [data.ids[i] for i, y in enumerate(data.train) if len(y) <= 2 * H]
    if short:
        raise InputValidationError(
            f"{len(short)} series (e.g. {short[0]!r}) have at most 2H = {2 * H} train values: "
            f"holding out the last {H} for validation leaves no training window"
        )
    return dataclasses.replace(data, train=[y[:-H] for y in data.train],
                               test=np.full_like(data.test, np.nan))


def _check_padding(windows: Mapping[str, np.ndarray], what: str, backbone: str, handles_missing: bool,
                   context_length: int) -> None:
    padded = ~windows["past_observed_mask"].all(axis=(1, 2))
    if padded.any() and not handles_missing:
        series = len(np.unique(windows["series_index"][padded]))
        raise InputValidationError(
            f"{series} series are shorter than the {what} window needs (context {context_length}), "
            f"so their past is left-padded with NaN, and backbone {backbone!r} does not handle "
            "missing values; use a smaller context_multiplier or a backbone with handles_missing"
        )


def _prepare_values(data: M4Data) -> np.ndarray:
    """[T, 1] for backbones with data-derived buffers (Peri-midFormer's periods): every
    training series standardised by its own mean/std (the model sees instance-normalised
    windows, so the spectrum is read on that scale), then concatenated. Windows that
    straddle two series are a small minority of the sampled fitting windows."""
    parts = []
    for y in data.train:
        std = y.std()
        parts.append((y - y.mean()) / (std if std > 0 else 1.0))
    return np.concatenate(parts).astype(np.float32)[:, None]


@torch.no_grad()
def _predict(model: Any, inputs: Mapping[str, np.ndarray], batch_size: int) -> np.ndarray:
    """Point forecasts [N, H] for m4_test_inputs-style inputs (no targets in the batch)."""
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    past = torch.from_numpy(inputs["past_values"])
    observed = torch.from_numpy(inputs["past_observed_mask"])
    outputs = []
    for start in range(0, len(past), batch_size):
        batch = {"past_values": past[start : start + batch_size].to(device),
                 "past_observed_mask": observed[start : start + batch_size].to(device)}
        outputs.append(model(batch).prediction[..., 0].cpu().numpy())
    return np.concatenate(outputs).astype(np.float64)


def run_m4_experiment(
    backbone: str,
    frequency: str,
    training: TrainingConfig,
    *,
    context_multiplier: int = 2,
    loss: str = "smape",
    backbone_kwargs: Mapping[str, Any] | None = None,
    data_root: str | Path | None = None,
    max_windows_per_series: int | None = None,
    windows_per_series_per_epoch: int | None = None,
    return_forecasts: bool = False,
) -> dict[str, Any]:
    """Train `backbone` ("name" or "name/preset") on one M4 frequency and score the test part.

    max_windows_per_series: the pool of training windows keeps the most recent ones of
        each series (`m4_windows`); None = every window (Hourly: ~300k).
    windows_per_series_per_epoch: None = every pool window each epoch; k = k fresh windows
        per series each epoch (`M4WindowDataset`).
    return_forecasts: add "forecasts" [N, H] and "naive2_forecasts" [N, H] (numpy) to the row.
    The trained (early-stopping best) weights are in training.output_dir/best.

    Returns the row: backbone, frequency, context_length, horizon, smape, mase, owa,
    naive2_smape, naive2_mase, series, epochs_run, seconds, seed, parameters, and the
    training details (best_val_smape, steps, train windows, learning rate, batch size).
    """
    started = time.time()
    get_spec(backbone)  # an unknown backbone fails before any data is read
    if not isinstance(context_multiplier, int) or context_multiplier < 1:
        raise InputValidationError(f"context_multiplier must be a positive integer, got {context_multiplier!r}")
    data = load_m4(frequency, root=data_root)
    horizon = data.horizon
    context_length = context_multiplier * horizon

    torch.manual_seed(training.seed)
    model = create_model(backbone, task="forecast", context_length=context_length,
                         prediction_length=horizon, num_channels=1, loss=loss,
                         **dict(backbone_kwargs or {}))
    handles_missing = model.capabilities.handles_missing

    fit_part = _validation_split(data)
    train_windows = m4_windows(fit_part, context_length, max_windows_per_series)
    # The last window of each full train part: target = its last H values (never the test).
    val_windows = m4_windows(data, context_length, max_windows_per_series=1)
    test_inputs = m4_test_inputs(data, context_length)
    for windows, what in ((train_windows, "training"), (val_windows, "validation"), (test_inputs, "test")):
        _check_padding(windows, what, backbone, handles_missing, context_length)

    train_ds = M4WindowDataset(train_windows, windows_per_series_per_epoch, seed=training.seed)
    val_ds = M4WindowDataset(val_windows)
    # The Trainer calls set_epoch(epoch) before each epoch: fresh windows per epoch.
    trainer = Trainer(training, validation_score=validation_smape)
    prepare = _prepare_values(fit_part) if model.needs_preparation else None
    result = trainer.fit(model, train_ds, val_ds, prepare_values=prepare)
    if trainer.accelerator is not None:
        model = trainer.accelerator.unwrap_model(model)

    forecasts = _predict(model, test_inputs, training.eval_batch_size)
    naive2 = naive2_forecasts(data)
    ours, base = m4_scores(data, forecasts), m4_scores(data, naive2)
    row: dict[str, Any] = {
        "backbone": backbone,
        "frequency": data.frequency,
        "context_length": context_length,
        "horizon": horizon,
        "smape": ours["smape"],
        "mase": ours["mase"],
        "owa": owa(ours["smape"], ours["mase"], base["smape"], base["mase"]),
        "naive2_smape": base["smape"],
        "naive2_mase": base["mase"],
        "series": len(data),
        "epochs_run": result.epochs_run,
        "seconds": round(time.time() - started, 1),
        "seed": training.seed,
        "parameters": model.num_parameters(),
        "best_val_smape": result.best_val_loss,
        "steps": result.global_step,
        "train_windows_per_epoch": len(train_ds),
        "train_window_pool": len(train_windows["series_index"]),
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
        "loss": loss,
    }
    if return_forecasts:
        row["forecasts"] = forecasts
        row["naive2_forecasts"] = naive2
    return row


__all__ = [
    "M4WindowDataset",
    "M4_FREQUENCIES",
    "m4_scores",
    "naive2_forecasts",
    "naive2_m4_row",
    "run_m4_experiment",
]
