"""The `tsfm` command line and the recipes, end to end on small inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsfm.cli import main as cli

REPO = Path(__file__).resolve().parents[1]


def test_list(capsys):
    assert cli(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["linear"]["distribution"] == "tsfm-platform"
    assert listed["toy_mlp"]["distribution"] == "tsfm-testplugin"


def test_train_then_eval_then_forecast_a_csv(small_csv, tmp_path, capsys):
    run = tmp_path / "run"
    assert cli(["train", "--backbone", "linear", "--dataset", str(small_csv), "--context-length", "48",
                "--prediction-length", "12", "--epochs", "2", "--learning-rate", "1e-2",
                "--output-dir", str(run), "--no-progress"]) == 0
    row = json.loads((run / "results.json").read_text())[0]
    assert row["test_windows"] == 120 - 48 - 12 + 1 + 48  # 20% test rows, starting 48 rows early
    assert (run / "model" / "model.safetensors").is_file()
    card = (run / "model" / "README.md").read_text()
    assert "test MSE" in card

    out = tmp_path / "eval"
    assert cli(["eval", "--model", str(run / "model"), "--model", "seasonal_naive:season_length=24",
                "--datasets", str(small_csv), "--horizons", "12", "--context-length", "48",
                "--output-dir", str(out)]) == 0
    report = json.loads((out / "zero_shot.json").read_text())
    models = {r["model"] for r in report["rows"]}
    assert models == {"model", "seasonal_naive:season_length=24"}
    assert all(r["windows"] == row["test_windows"] for r in report["rows"])
    assert all(np.isfinite(r["remse"]) for r in report["rows"])
    assert (out / "zero_shot.md").read_text().count("|") > 10
    assert list(out.glob("*.png"))

    forecast_csv = tmp_path / "fc" / "forecast.csv"
    assert cli(["forecast", str(small_csv), "--model", str(run / "model"), "--output", str(forecast_csv)]) == 0
    forecast = pd.read_csv(forecast_csv, index_col=0, parse_dates=True)
    assert forecast.shape == (12, 3)
    source = pd.read_csv(small_csv, parse_dates=["date"])
    assert forecast.index[0] == source["date"].iloc[-1] + pd.Timedelta(hours=1)
    assert forecast_csv.with_suffix(".png").stat().st_size > 1000


def test_forecast_with_quantiles_from_a_probabilistic_plugin(small_csv, tmp_path):
    import tsfm

    model = tsfm.create_model("toy_mlp", context_length=48, prediction_length=6, num_channels=1)
    model.save_pretrained(tmp_path / "toy")
    out = tmp_path / "q" / "f.csv"
    assert cli(["forecast", str(small_csv), "--model", str(tmp_path / "toy"), "--output", str(out)]) == 0
    low, mid, high = (pd.read_csv(out.with_name(f"f_q{q}.csv"), index_col=0) for q in (10, 50, 90))
    assert (low.to_numpy() <= mid.to_numpy() + 1e-6).all() and (mid.to_numpy() <= high.to_numpy() + 1e-6).all()


def test_demo_main_job_runs_offline(tmp_path, capsys):
    assert cli(["demo", "--output-dir", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {"default model", "seasonal_naive", "naive"}
    # The embedded default (zero-shot ViTime) must beat repeating the last value on the demo series.
    assert summary["default model"]["mse"] < summary["naive"]["mse"]
    assert json.loads((tmp_path / "demo_eval.json").read_text())["rows"][0]["prediction_length"] == 48
    forecast = pd.read_csv(tmp_path / "forecast.csv", index_col=0)
    assert forecast.shape == (48, 3) and np.isfinite(forecast.to_numpy()).all()
    for name in ("forecast.csv", "forecast.png", "demo_eval.md", "demo_eval.json"):
        assert (tmp_path / name).is_file()


def test_zero_shot_recipe_writes_reports(tmp_path, data_dir):
    result = subprocess.run(
        [sys.executable, str(REPO / "recipes" / "zero_shot_eval.py"), "--datasets", "ETTh1",
         "--horizons", "96", "--context-length", "96", "--output-dir", str(tmp_path), "--no-plots"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads((tmp_path / "zero_shot.json").read_text())["rows"]
    assert {r["model"] for r in rows} == {"naive", "seasonal_naive:season_length=24", "seasonal_naive:season_length=96"}
    assert all(r["windows"] == 2785 for r in rows)  # every ETTh1 test window at L=96, H=96
