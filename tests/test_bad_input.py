"""Every bad input gives a clear error naming the problem and writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import tsfm
from tsfm.cli import main as cli
from tsfm.data import load_forecast_data, read_table
from tsfm.errors import (
    CheckpointError,
    DataFormatError,
    DataNotFoundError,
    InputValidationError,
    PluginConflictError,
    UnknownBackboneError,
)


@pytest.fixture
def linear():
    return tsfm.create_model("linear", context_length=16, prediction_length=4, num_channels=2)


def test_nan_rejected_where_backbone_does_not_handle_missing(linear):
    x = np.ones((16, 2), dtype=np.float32)
    x[3, 1] = np.nan
    with pytest.raises(InputValidationError, match="missing .*does not handle missing values"):
        linear.forecast(x)


def test_inf_rejected(linear):
    x = np.ones((16, 2), dtype=np.float32)
    x[0, 0] = np.inf
    with pytest.raises(InputValidationError, match="inf"):
        linear.forecast(x)


def test_all_nan_series_rejected_even_when_missing_values_are_handled():
    model = tsfm.create_model("naive", context_length=8, prediction_length=2, num_channels=2)
    x = np.ones((8, 2))
    x[:, 1] = np.nan
    with pytest.raises(InputValidationError, match="all-NaN"):
        model.forecast(x)


def test_context_too_short(linear):
    with pytest.raises(InputValidationError, match="context too short.*needs 16 steps, got 10"):
        linear.forecast(np.ones((10, 2)))


def test_wrong_channel_count(linear):
    with pytest.raises(InputValidationError, match="wrong channel count.*2 channel.*has 3"):
        linear.forecast(np.ones((16, 3)))


def test_prediction_length_beyond_model(linear):
    with pytest.raises(InputValidationError, match="prediction_length 9 exceeds"):
        linear.forecast(np.ones((16, 2)), prediction_length=9)


def test_non_numeric_context(linear):
    with pytest.raises(InputValidationError, match="numeric"):
        linear.forecast([["a", "b"]] * 16)


def test_unknown_backbone_lists_installed():
    with pytest.raises(UnknownBackboneError, match="unknown backbone 'nope'.*linear.*naive"):
        tsfm.create_model("nope")


def test_unknown_task_and_bad_sizes():
    with pytest.raises(tsfm.ConfigError, match="unknown task"):
        tsfm.create_model("linear", task="dance")
    with pytest.raises(tsfm.ConfigError, match="does not support task 'classification'"):
        tsfm.create_model("linear", task="classification", num_classes=3)
    with pytest.raises(tsfm.ConfigError, match="context_length must be a positive integer"):
        tsfm.create_model("linear", context_length=0)


# ----------------------------------------------------------------- checkpoints
@pytest.fixture
def checkpoint(tmp_path, linear) -> Path:
    return linear.save_pretrained(tmp_path / "ckpt")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_missing_weights(checkpoint):
    (checkpoint / "model.safetensors").unlink()
    before = _snapshot(checkpoint)
    with pytest.raises(CheckpointError, match="has no model.safetensors"):
        tsfm.from_pretrained(checkpoint)
    assert _snapshot(checkpoint) == before


def test_corrupt_weights(checkpoint):
    path = checkpoint / "model.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    before = _snapshot(checkpoint)
    with pytest.raises(CheckpointError, match="corrupt"):
        tsfm.from_pretrained(checkpoint)
    assert _snapshot(checkpoint) == before


def test_pickle_is_never_loaded(checkpoint):
    """A pickle dressed as model.safetensors is rejected, not unpickled."""
    torch.save({"x": torch.zeros(1)}, checkpoint / "model.safetensors")
    with pytest.raises(CheckpointError, match="corrupt or not a safetensors"):
        tsfm.from_pretrained(checkpoint)


def test_weights_for_another_shape(checkpoint, tmp_path):
    other = tsfm.create_model("linear", context_length=16, prediction_length=5, num_channels=2)
    shutil.copy(other.save_pretrained(tmp_path / "other") / "model.safetensors", checkpoint / "model.safetensors")
    with pytest.raises(CheckpointError, match="does not match"):
        tsfm.from_pretrained(checkpoint)


def test_future_format_version(checkpoint):
    config = json.loads((checkpoint / "config.json").read_text())
    config["format_version"] = 99
    (checkpoint / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="format_version 99 is newer"):
        tsfm.from_pretrained(checkpoint)


def test_config_not_json(checkpoint):
    (checkpoint / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        tsfm.from_pretrained(checkpoint)


def test_checkpoint_of_uninstalled_backbone(checkpoint):
    config = json.loads((checkpoint / "config.json").read_text())
    config["backbone"] = "someone_elses_model"
    config["plugin_distribution"] = "tsfm-someone"
    (checkpoint / "config.json").write_text(json.dumps(config))
    with pytest.raises(UnknownBackboneError, match="tsfm-someone"):
        tsfm.from_pretrained(checkpoint)


def test_not_a_folder_nor_hub_id(tmp_path):
    with pytest.raises(CheckpointError, match="neither a checkpoint folder nor a Hub repository id"):
        tsfm.from_pretrained(tmp_path / "does" / "not" / "exist")


def test_failed_save_writes_nothing(tmp_path, linear, monkeypatch):
    import tsfm.checkpoint as ckpt

    def broken_card(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ckpt, "model_card", broken_card)
    with pytest.raises(RuntimeError, match="disk full"):
        linear.save_pretrained(tmp_path / "out")
    assert list(tmp_path.iterdir()) == [], "a failed save must leave no files or folders"


# ----------------------------------------------------------------- plugin registry
def test_two_plugins_claiming_one_name_names_both_distributions():
    from tsfm import registry
    from tsfm_baselines.linear import LinearConfig, build_linear

    class Impostor:
        @tsfm.hookimpl
        def tsfm_backbones(self):
            return [tsfm.BackboneSpec(name="linear", config_cls=LinearConfig, build=build_linear)]

    impostor = Impostor()
    registry.register_plugin(impostor, name="impostor")
    try:
        with pytest.raises(PluginConflictError, match="'linear'.*tsfm-platform.*impostor|'linear'.*impostor.*tsfm-platform"):
            registry.backbone_specs()
    finally:
        registry.unregister_plugin(impostor)
    assert "linear" in tsfm.list_backbones()


# ----------------------------------------------------------------- data files
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return path


def test_csv_without_date_column(tmp_path):
    with pytest.raises(DataFormatError, match="missing date column 'date'"):
        read_table(_write(tmp_path, "time,a\n2020-01-01,1\n"))


def test_csv_with_non_numeric_value(tmp_path):
    path = _write(tmp_path, "date,a,b\n2020-01-01 00:00,1,2\n2020-01-01 01:00,x,3\n")
    with pytest.raises(DataFormatError, match="non-numeric value 'x' in column 'a' at row 1"):
        read_table(path)


def test_csv_with_unsorted_timestamps(tmp_path):
    path = _write(tmp_path, "date,a\n2020-01-01 02:00,1\n2020-01-01 01:00,2\n")
    with pytest.raises(DataFormatError, match="not sorted"):
        read_table(path)


def test_csv_with_duplicate_timestamps(tmp_path):
    path = _write(tmp_path, "date,a\n2020-01-01 01:00,1\n2020-01-01 01:00,2\n")
    with pytest.raises(DataFormatError, match="duplicate timestamp"):
        read_table(path)


def test_csv_with_unparseable_timestamp(tmp_path):
    path = _write(tmp_path, "date,a\nyesterday,1\n")
    with pytest.raises(DataFormatError, match="unparseable timestamps"):
        read_table(path)


def test_missing_dataset_names_the_files_tried(tmp_path):
    with pytest.raises(DataNotFoundError, match="ETTh1.*tried:.*ETT/ETTh1.csv.*TSFM_DATA_DIR"):
        load_forecast_data("ETTh1", 96, 96, data_root=tmp_path)


def test_missing_values_in_csv_are_kept_as_nan(tmp_path):
    path = _write(tmp_path, "date,a\n2020-01-01 00:00,1\n2020-01-01 01:00,\n2020-01-01 02:00,NaN\n")
    frame = read_table(path)
    assert np.isnan(frame["a"].to_numpy()[1:]).all()


def test_constant_training_column_is_not_divided_by_zero(tmp_path):
    n = 400
    frame = pd.DataFrame({"date": pd.date_range("2020", periods=n, freq="h"), "a": 3.0,
                          "b": np.arange(n, dtype=float)})
    data = load_forecast_data(frame, 24, 8)
    assert np.isfinite(data.values).all()
    assert np.all(data.values[:, 0] == 0.0)


def test_cli_train_on_malformed_csv_fails_cleanly_and_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, "date,a\n2020-01-01 01:00,1\n2020-01-01 01:00,2\n")
    out = tmp_path / "run"
    code = cli(["train", "--backbone", "linear", "--dataset", str(path), "--output-dir", str(out),
                "--context-length", "4", "--prediction-length", "2", "--no-progress"])
    assert code == 2
    assert "duplicate timestamp" in capsys.readouterr().err
    assert not out.exists()


def test_window_larger_than_series():
    from tsfm.data import WindowDataset

    with pytest.raises(InputValidationError, match="shorter than one window"):
        WindowDataset(np.zeros((10, 1)), 8, 4)
