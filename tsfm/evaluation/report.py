"""Reports: JSON for machines, Markdown tables (ours beside the paper's), PNG plots."""

from __future__ import annotations

import json
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    return str(value)


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                   headers: Sequence[str] | None = None) -> str:
    headers = list(headers or columns)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def with_paper(rows: Sequence[Mapping[str, Any]], paper: Mapping[tuple, Mapping[str, float]],
               key: Sequence[str], metrics: Sequence[str] = ("mse", "mae")) -> list[dict[str, Any]]:
    """Add paper_<metric> and the relative gap (ours / paper - 1, in %) to each row."""
    out = []
    for row in rows:
        row = dict(row)
        ref = paper.get(tuple(row.get(k) for k in key))
        for metric in metrics:
            ours = row.get(f"test_{metric}", row.get(metric))
            theirs = None if ref is None else ref.get(metric)
            row[f"paper_{metric}"] = theirs
            row[f"gap_{metric}_%"] = (
                None if theirs in (None, 0) or ours is None else 100.0 * (ours / theirs - 1.0)
            )
        out.append(row)
    return out


def environment() -> dict[str, str]:
    import torch

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def load_report_rows(json_path: str | Path) -> list[dict[str, Any]]:
    """The rows of a report written by `write_report` (none if it does not exist yet)."""
    path = Path(json_path)
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("rows", []))


@contextmanager
def report_lock(lock_path: str | Path) -> Iterator[None]:
    """Exclusive lock (a file under `lock_path`, e.g. runs/<report>.lock) held while a recipe
    reads a report, merges its rows and rewrites it, so concurrent invocations that fill one
    report (one per data set or backbone) never drop each other's rows."""
    import fcntl

    path = Path(lock_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_report(
    rows: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    name: str,
    title: str,
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    command: str | None = None,
    notes: str = "",
) -> tuple[Path, Path]:
    """Write <name>.json and <name>.md under out_dir; returns both paths. No rows is an error
    (an existing report is never replaced by an empty one)."""
    rows = list(rows)
    if not rows:
        raise ValueError(f"report {name!r} has no rows: nothing written")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    json_path = out / f"{name}.json"
    md_path = out / f"{name}.md"
    json_path.write_text(
        json.dumps({"title": title, "command": command, "environment": env, "rows": rows},
                   indent=2, default=str),
        encoding="utf-8",
    )
    parts = [f"# {title}", ""]
    if command:
        parts += ["Produced by:", "", "```", command, "```", ""]
    parts += [markdown_table(rows, columns, headers), ""]
    if notes:
        parts += [notes.strip(), ""]
    parts += [f"Environment: {', '.join(f'{k} {v}' for k, v in env.items())}", ""]
    md_path.write_text("\n".join(parts), encoding="utf-8")
    return json_path, md_path


BAND_LEVELS = (0.1, 0.5, 0.9)


def forecast_frame(model: Any, frame: Any, horizon: int, quantiles: bool = True) -> tuple[Any, dict | None]:
    """Forecast a DataFrame context [L, C] -> (point forecast DataFrame [H, C],
    {level: DataFrame} or None). A probabilistic model (unless `quantiles` is False) gives
    its 10/50/90% quantiles in one pass and the median is the point forecast; any other
    model gives `forecast()`."""
    if model.capabilities.probabilistic and quantiles:
        levels = model.forecast_quantiles(frame, BAND_LEVELS, prediction_length=horizon)
        return levels[0.5], levels
    return model.forecast(frame, prediction_length=horizon), None


def plot_frame_forecast(path: str | Path, frame: Any, model: Any, forecast: Any, quantiles: dict | None,
                        title: str = "", channel: int = -1) -> Path:
    """Plot a `forecast_frame` result after the last max(4 H, L) steps of its context, with
    the 10-90% band when there are quantiles."""
    horizon, channels = forecast.shape
    past = frame.to_numpy(np.float32)[-max(4 * horizon, model.config.context_length):][None]
    bands = None
    if quantiles is not None:
        low, high = BAND_LEVELS[0], BAND_LEVELS[-1]
        bands = {f"{low:.0%}-{high:.0%}": (quantiles[low].to_numpy()[None], quantiles[high].to_numpy()[None])}
    return plot_forecasts(path, past, np.full((1, horizon, channels), np.nan),
                          {model.config.backbone: forecast.to_numpy()[None]}, title=title,
                          quantile_bands=bands, channel=channel)


def plot_forecasts(
    path: str | Path,
    past: np.ndarray,
    target: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    title: str = "",
    quantile_bands: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    channel: int = -1,
) -> Path:
    """One panel per window: context, truth and each model's forecast for `channel`.

    past [N, L, C], target [N, H, C], predictions {name: [N, H, C]}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = past.shape[0]
    fig, axes = plt.subplots(n, 1, figsize=(10, 2.6 * n), squeeze=False)
    for i, ax in enumerate(axes[:, 0]):
        length, horizon = past.shape[1], target.shape[1]
        t_past = np.arange(length)
        t_future = np.arange(length, length + horizon)
        ax.plot(t_past, past[i, :, channel], color="0.35", lw=1, label="context")
        ax.plot(t_future, target[i, :, channel], color="black", lw=1.2, label="truth")
        for name, pred in predictions.items():
            ax.plot(t_future, pred[i, :, channel], lw=1.2, label=name)
        for name, (low, high) in (quantile_bands or {}).items():
            ax.fill_between(t_future, low[i, :, channel], high[i, :, channel], alpha=0.25, label=name)
        ax.axvline(length - 0.5, color="0.6", ls=":", lw=0.8)
        if i == 0:
            ax.legend(loc="upper left", fontsize=7, ncol=4)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
