"""Data stage: formats, standard splits, train-only scaling, every window kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsfm.data import WindowDataset, load_forecast_data, read_table, split_borders


def test_ett_split_borders_and_window_counts(data_dir):
    data = load_forecast_data("ETTh1", 96, 96)
    assert data.borders == {"train": (0, 8640), "val": (8544, 11520), "test": (11424, 14400)}
    assert data.columns == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    # Every window of the test split is kept (the official loaders drop a partial batch).
    assert len(data.windows("test")) == 2880 - 96 + 1 == 2785
    first = data.windows("test")[0]
    np.testing.assert_array_equal(first["past_values"].numpy(), data.values[11424:11520])
    np.testing.assert_array_equal(first["future_values"].numpy(), data.values[11520:11616])


def test_gzipped_minutely_ett(data_dir):
    data = load_forecast_data("ETTm1", 96, 96)
    assert data.borders["train"] == (0, 34560)
    assert data.borders["test"] == (46080 - 96, 57600)


def test_scaler_is_fitted_on_train_only(small_csv):
    frame = read_table(small_csv)
    base = load_forecast_data(frame, 24, 8)
    changed = frame.copy()
    n_train = base.borders["train"][1]
    changed.iloc[n_train:] *= 100.0  # only val/test rows change
    other = load_forecast_data(changed, 24, 8)
    np.testing.assert_allclose(base.scaler.mean, other.scaler.mean)
    np.testing.assert_allclose(base.scaler.std, other.scaler.std)
    train = base.split("train")
    np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(train.std(axis=0), 1.0, atol=1e-4)


def test_ratio_split_borders():
    borders = split_borders(1000, 96, "ratio")
    assert borders == {"train": (0, 700), "val": (604, 800), "test": (704, 1000)}
    with pytest.raises(ValueError, match="sum"):
        split_borders(1000, 96, "ratio", (0.5, 0.1, 0.1))


def test_parquet_dataframe_and_hf_datasets_give_the_same_data(small_csv, tmp_path):
    import datasets

    frame = pd.read_csv(small_csv)
    parquet = tmp_path / "small.parquet"
    frame.to_parquet(parquet)
    from_csv = load_forecast_data(small_csv, 24, 8)
    from_parquet = load_forecast_data(parquet, 24, 8)
    from_frame = load_forecast_data(frame, 24, 8)
    from_hf = load_forecast_data(datasets.Dataset.from_pandas(frame), 24, 8)
    for other in (from_parquet, from_frame, from_hf):
        np.testing.assert_array_equal(from_csv.values, other.values)
        assert other.columns == ["a", "b", "OT"]


def test_univariate_target_and_fraction(small_csv):
    data = load_forecast_data(small_csv, 24, 8, target="OT")
    assert data.num_channels == 1
    full = data.windows("train")
    tenth = data.windows("train", fraction=0.1)
    assert len(tenth) == int(len(full) * 0.1)
    assert tenth[0]["past_values"].shape == (24, 1)


def test_missing_values_stay_missing_with_observed_masks():
    values = np.arange(40, dtype=np.float32).reshape(20, 2)
    values[5, 1] = np.nan
    item = WindowDataset(values, 8, 4)[0]
    assert item["past_observed_mask"].sum() == 15 and not item["past_observed_mask"][5, 1]
    assert bool(item["past_values"][5, 1].isnan())
