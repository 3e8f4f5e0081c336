"""The quick-start job: forecast an embedded demo series with the embedded default
model (ViTime small, pretrained on RealTS only, so the forecast is zero-shot), compare
with the baselines on every held-out window, write CSV + PNG + report.
Needs no network and no data download."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

DEMO_SEED = 20261122
# Forecast horizon of the demo: two days of the hourly demo series (capped at the
# configured horizon of a model whose horizon cannot grow at inference).
DEMO_HORIZON = 48


def demo_frame(num_rows: int = 2400, num_channels: int = 3, seed: int = DEMO_SEED) -> pd.DataFrame:
    """An hourly series with daily and weekly cycles, a slow trend and noise;
    deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    t = np.arange(num_rows, dtype=np.float64)[:, None]
    daily = rng.uniform(0.5, 2.0, num_channels) * np.sin(2 * np.pi * t / 24 + rng.uniform(0, 2 * np.pi, num_channels))
    weekly = rng.uniform(0.2, 1.0, num_channels) * np.sin(2 * np.pi * t / 168 + rng.uniform(0, 2 * np.pi, num_channels))
    trend = rng.uniform(-1, 1, num_channels) * t / num_rows
    noise = 0.2 * rng.standard_normal((num_rows, num_channels))
    values = 10 + daily + weekly + trend + noise
    index = pd.date_range("2024-01-01", periods=num_rows, freq="h", name="date")
    return pd.DataFrame(values, index=index, columns=[f"sensor_{i}" for i in range(num_channels)])


def run_demo(output_dir: str | Path = "runs/demo", model: str | None = None,
             prediction_length: int = DEMO_HORIZON) -> dict:
    from . import from_pretrained
    from .assets import default_checkpoint
    from .evaluation.report import forecast_frame, plot_frame_forecast
    from .evaluation.runner import ModelSource, evaluate

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame = demo_frame()
    csv_path = out / "demo.csv"
    frame.to_csv(csv_path)
    source = model or str(default_checkpoint())
    forecaster = from_pretrained(source)
    context_length = forecaster.config.context_length
    horizon = prediction_length
    if not forecaster.capabilities.variable_horizon:  # any H up to the configured one
        horizon = min(prediction_length, forecaster.config.prediction_length)
    forecast, quantiles = forecast_frame(forecaster, frame, horizon)
    forecast.to_csv(out / "forecast.csv", index_label="date")
    plot_frame_forecast(out / "forecast.png", frame, forecaster, forecast, quantiles,
                        title="tsfm demo forecast", channel=0)
    sources = [ModelSource(label="default model", checkpoint=source),
               ModelSource(label="seasonal_naive", backbone="seasonal_naive", kwargs={"season_length": 24}),
               ModelSource(label="naive", backbone="naive")]
    rows = evaluate(sources, [str(csv_path)], [horizon], context_length, out, remse=False, name="demo_eval",
                    title="Demo: default model vs baselines on the held-out 20% of the demo series",
                    command="tsfm demo")
    summary = {r["model"]: {"mse": r["mse"], "mae": r["mae"]} for r in rows}
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary
