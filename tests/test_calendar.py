"""Calendar (time-mark) features: the encoding, the data-stage provider, windows that carry
them, and Peri-midFormer's optional Linear(marks -> C) input (conformance included)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

import tsfm
from tsfm.data import load_forecast_data
from tsfm.data.calendar import (
    FREQUENCY_FEATURES,
    TIME_FEATURES_KEY,
    CalendarProvider,
    calendar_features,
)
from tsfm.errors import ConfigError, InputValidationError
from tsfm.testing import CONFORMANCE_CHECKS, Case

HOURLY = FREQUENCY_FEATURES["hourly"]


def test_encoding_of_known_timestamps():
    stamps = pd.DatetimeIndex(["2021-03-01 05:00", "2021-12-31 23:59"])  # a Monday; New Year's Eve (Friday)
    table = calendar_features(stamps, ("minute_of_hour", *HOURLY, "month_of_year"))
    expected = np.array([
        [0 / 59 - 0.5, 5 / 23 - 0.5, 0 / 6 - 0.5, 0 / 30 - 0.5, 59 / 365 - 0.5, 2 / 11 - 0.5],
        [59 / 59 - 0.5, 23 / 23 - 0.5, 4 / 6 - 0.5, 30 / 30 - 0.5, 364 / 365 - 0.5, 11 / 11 - 0.5],
    ], dtype=np.float32)
    np.testing.assert_allclose(table, expected, atol=1e-6)
    assert table.min() >= -0.5 and table.max() <= 0.5


def test_bad_names_and_missing_timestamps_are_refused():
    with pytest.raises(ConfigError, match="unknown calendar feature"):
        calendar_features(pd.date_range("2021", periods=3, freq="h"), ("hour_of_week",))
    with pytest.raises(ConfigError, match="repeat"):
        CalendarProvider(("hour_of_day", "hour_of_day")).compute(np.zeros((10, 1)), 4,
                                                                  pd.date_range("2021", periods=10, freq="h"))
    with pytest.raises(InputValidationError, match="NaT"):
        calendar_features(pd.DatetimeIndex(["2021-01-01", None]), HOURLY)
    provider = CalendarProvider(HOURLY)
    with pytest.raises(InputValidationError, match="timestamps"):
        provider.compute(np.zeros((10, 1)), 4)
    with pytest.raises(InputValidationError, match="9 timestamps for a series of 10"):
        provider.compute(np.zeros((10, 1)), 4, pd.date_range("2021", periods=9, freq="h"))
    with pytest.raises(InputValidationError, match="shorter than the context length 12"):
        provider.compute(np.zeros((10, 1)), 12, pd.date_range("2021", periods=10, freq="h"))
    with pytest.raises(InputValidationError, match="unparseable"):
        calendar_features(["2021-01-01 00:00", "not a date"], HOURLY)
    np.testing.assert_array_equal(calendar_features(["2021-03-01 05:00"], HOURLY),  # strings parse
                                  calendar_features(pd.DatetimeIndex(["2021-03-01 05:00"]), HOURLY))


def test_provider_rows_are_the_context_steps_features():
    stamps = pd.date_range("2021-02-27 20:00", periods=50, freq="h")
    rows = CalendarProvider(HOURLY).compute(np.zeros((50, 2)), 12, stamps)
    table = calendar_features(stamps, HOURLY)
    assert rows.shape == (39, 12, 4)
    for s in (0, 7, 38):
        np.testing.assert_array_equal(rows[s], table[s : s + 12])


def test_windows_carry_the_features_of_their_context():
    stamps = pd.date_range("2020-01-01", periods=400, freq="h")
    frame = pd.DataFrame({"date": stamps, "a": np.sin(np.arange(400) / 5.0), "b": np.cos(np.arange(400) / 7.0)})
    data = load_forecast_data(frame, 24, 6, ratios=(0.6, 0.2, 0.2))
    windows = data.windows("val", feature_providers=[CalendarProvider(HOURLY)])
    item = windows[3]
    first = int(windows.starts[3])
    expected = calendar_features(stamps[first : first + 24], HOURLY)
    np.testing.assert_array_equal(item[TIME_FEATURES_KEY].numpy(), expected)
    # The cache is one [T, F] table viewed per window, not T x L x F floats.
    assert windows.features[TIME_FEATURES_KEY].untyped_storage().nbytes() == 4 * 4 * len(stamps[: data.borders["val"][1]])
    # A table without a date column has no timestamps: a clear error, nothing silently zero.
    plain = load_forecast_data(frame.drop(columns="date"), 24, 6, ratios=(0.6, 0.2, 0.2), date_column=None)
    with pytest.raises(InputValidationError, match="timestamps"):
        plain.windows("train", feature_providers=[CalendarProvider(HOURLY)])


CALENDAR_CASE = Case("perimidformer", "forecast", (("time_features", HOURLY),))


@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_perimidformer_with_calendar_passes_conformance(check, tmp_path):
    check(CALENDAR_CASE, tmp_path)


def _calendar_model() -> tsfm.TSModel:
    torch.manual_seed(0)
    return tsfm.create_model("perimidformer", context_length=48, prediction_length=8, num_channels=2,
                             d_model=16, n_heads=2, top_k=3, periods=(48, 24, 12), time_features=HOURLY)


def test_perimidformer_reads_the_calendar(tmp_path):
    model = _calendar_model().eval()
    assert model.backbone_config.time_features == HOURLY
    assert model.embedding.time_projection.weight.shape == (2, 4)  # Linear(4 -> C), no bias
    values = np.sin(np.arange(200)[:, None] / 4.0 + np.array([0.0, 1.0])).astype(np.float32)
    monday = pd.DataFrame(values, index=pd.date_range("2021-03-01", periods=200, freq="h"))
    sunday = monday.set_axis(monday.index - pd.Timedelta(hours=30))
    a = model.forecast(monday)
    assert not np.allclose(a.to_numpy(), model.forecast(sunday).to_numpy()), "the timestamps must reach the output"
    model.save_pretrained(tmp_path / "ckpt")
    loaded = tsfm.from_pretrained(tmp_path / "ckpt")
    assert loaded.backbone_config.time_features == HOURLY
    np.testing.assert_allclose(loaded.forecast(monday).to_numpy(), a.to_numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(InputValidationError, match="DatetimeIndex"):
        model.forecast(values)


def test_perimidformer_recipe_reports_the_calendar_and_overrides(tmp_path, monkeypatch, load_recipe):
    recipe = load_recipe("reproduce_perimidformer")
    monkeypatch.setattr(recipe, "RESULTS_DIR", tmp_path)
    args = recipe.parse_args(["--report", "cal", "--time-features", "hourly"])
    assert args.time_features == "hourly"
    base = {"dataset": "ETTh2", "context_length": 96, "test_mse": 0.3, "test_mae": 0.35, "periods": "96 24",
            "batch_size": 2, "learning_rate": 5e-4, "epochs_run": 4, "test_windows": 2785, "seconds": 1.0}
    old = {**base, "prediction_length": 96, "backbone_kwargs": {}, "command": "python old"}  # written before the option
    (tmp_path / "cal.json").write_text(json.dumps({"rows": [old]}))
    new = {**base, "prediction_length": 192, "command": "python new",
           "backbone_kwargs": {"time_features": list(HOURLY), "positional": "official"}}
    recipe.merge_and_write(args, new)
    rows = {r["prediction_length"]: r for r in json.loads((tmp_path / "cal.json").read_text())["rows"]}
    assert (rows[96]["time_features"], rows[96]["overrides"]) == ("none", "-")
    assert (rows[192]["time_features"], rows[192]["overrides"]) == ("hourly", "positional=official")
    table = (tmp_path / "cal.md").read_text()
    assert "| hourly | positional=official |" in table and "| none | - |" in table
    # --rewrite-report re-renders the table from the JSON rows and trains nothing.
    (tmp_path / "cal.md").unlink()
    threads = torch.get_num_threads()
    try:
        assert recipe.main(["--report", "cal", "--rewrite-report"]) == 0
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / "cal.md").read_text().split("\n| ETTh2")[1:] == table.split("\n| ETTh2")[1:]
    try:
        with pytest.raises(SystemExit, match="no report"):
            recipe.main(["--report", "missing", "--rewrite-report"])
    finally:
        torch.set_num_threads(threads)


def test_perimidformer_recipe_names_the_calendar_however_it_was_asked_for(load_recipe):
    recipe = load_recipe("reproduce_perimidformer")
    assert recipe.calendar_label(None) == "none"
    assert recipe.calendar_label(list(HOURLY)) == "hourly"  # --time-features or --backbone-kwargs alike
    assert recipe.calendar_label(["hour_of_day"]) == "hour_of_day"
