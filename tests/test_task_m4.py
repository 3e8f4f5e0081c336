"""Short-term forecasting on M4 (tsfm.tasks.short_term) on a tiny synthetic M4 folder."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from tsfm.errors import InputValidationError, UnknownBackboneError
from tsfm.data import load_m4
from tsfm.evaluation.metrics import smape
from tsfm.tasks.short_term import (
    M4WindowDataset,
    m4_scores,
    naive2_forecasts,
    naive2_m4_row,
    run_m4_experiment,
)
from tsfm.training import TrainingConfig
from m4_layout import write_m4_table

H = 48  # the M4 Hourly horizon (fixed by the loader)
TINY_TVNET = {"d_model": 8, "num_layers": 2, "patch_len": 8, "dropout": 0.0}
TINY_PERI = {"d_model": 16, "n_heads": 2, "top_k": 3}


def _write_m4(root: Path, train: list[np.ndarray], test: np.ndarray) -> Path:
    """The competition layout: header V1..Vn, quoted cells, short rows padded with ''."""

    ids = [f"H{i + 1}" for i in range(len(train))]
    write_m4_table(root / "M4" / "Train" / "Hourly-train.csv",
          [[sid, *(f"{v:.4f}" for v in y)] for sid, y in zip(ids, train)])
    write_m4_table(root / "M4" / "Test" / "Hourly-test.csv",
          [[sid, *(f"{v:.4f}" for v in y)] for sid, y in zip(ids, test)])
    return root


def _series(lengths=(200, 216, 230, 240, 260), seed=0) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    train, test = [], []
    for k, n in enumerate(lengths):
        t = np.arange(n + H)
        y = 50 + 10 * k + 8 * np.sin(2 * np.pi * t / 24 + k) + 0.05 * t + rng.normal(0, 0.5, n + H)
        train.append(y[:n])
        test.append(y[n:])
    return train, np.stack(test)


@pytest.fixture
def m4_root(tmp_path) -> Path:
    train, test = _series()
    return _write_m4(tmp_path / "data", train, test)


def _training(out: Path, **overrides) -> TrainingConfig:
    values = dict(output_dir=str(out), epochs=1, batch_size=8, learning_rate=1e-3, progress=False,
                  resume=False, seed=7)
    values.update(overrides)
    return TrainingConfig(**values)


def _run(root: Path, out: Path, backbone="tvnet", kwargs=TINY_TVNET, **extra):
    return run_m4_experiment(backbone, "Hourly", _training(out), context_multiplier=1, backbone_kwargs=kwargs,
                             data_root=root, max_windows_per_series=4, **extra)


def test_row_is_finite_and_training_never_reads_the_test_part(m4_root, tmp_path):
    row = _run(m4_root, tmp_path / "a", return_forecasts=True)
    for key in ("backbone", "frequency", "context_length", "horizon", "smape", "mase", "owa", "naive2_smape",
                "naive2_mase", "series", "epochs_run", "seconds", "seed", "parameters"):
        assert key in row, key
    assert row["context_length"] == H and row["horizon"] == H and row["series"] == 5
    assert row["epochs_run"] == 1 and row["parameters"] > 0 and row["seed"] == 7
    assert all(math.isfinite(row[k]) for k in ("smape", "mase", "owa", "naive2_smape", "naive2_mase"))
    assert row["forecasts"].shape == (5, H)
    # Same numbers from the public scorer.
    data = load_m4("Hourly", root=m4_root)
    assert m4_scores(data, row["forecasts"])["smape"] == pytest.approx(row["smape"])

    # Perturb only the test CSV: the trained weights must be bit-identical, the scores not.
    train, test = _series()
    other = _write_m4(tmp_path / "perturbed", train, test * 1.5 + 7.0)
    row2 = _run(other, tmp_path / "b")
    first = load_file(str(tmp_path / "a" / "best" / "model.safetensors"))
    second = load_file(str(tmp_path / "b" / "best" / "model.safetensors"))
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert row2["best_val_smape"] == row["best_val_smape"]
    assert row2["smape"] != row["smape"] and row2["naive2_smape"] != row["naive2_smape"]


def test_backbone_that_fits_periods_is_prepared(m4_root, tmp_path):
    row = _run(m4_root, tmp_path / "peri", backbone="perimidformer", kwargs=TINY_PERI)
    assert math.isfinite(row["owa"])


def test_naive2_row_has_owa_exactly_one(m4_root):
    row = naive2_m4_row("hourly", data_root=m4_root)
    assert row["owa"] == 1.0
    assert row["smape"] == row["naive2_smape"] and row["mase"] == row["naive2_mase"]
    data = load_m4("Hourly", root=m4_root)
    assert row["smape"] == pytest.approx(smape(data.test, naive2_forecasts(data)))
    # Official SMAPE scale: a forecast of zero everywhere scores 200.
    assert m4_scores(data, np.zeros_like(data.test))["smape"] == pytest.approx(200.0)


def test_bad_inputs_raise_clear_errors(m4_root, tmp_path):
    with pytest.raises(UnknownBackboneError, match="unknown backbone 'nosuch'"):
        _run(m4_root, tmp_path / "x", backbone="nosuch")
    with pytest.raises(InputValidationError, match="unknown M4 frequency 'Minutely'.*Hourly"):
        run_m4_experiment("tvnet", "Minutely", _training(tmp_path / "y"), data_root=m4_root)
    with pytest.raises(InputValidationError, match="context_multiplier"):
        run_m4_experiment("tvnet", "Hourly", _training(tmp_path / "z"), context_multiplier=0, data_root=m4_root)
    # Context 2H = 96: the 200-step series are long enough, a 120-step one is padded in its
    # validation window; TVNet does not handle missing values.
    train, test = _series(lengths=(200, 120, 240))
    short = _write_m4(tmp_path / "short", train, test)
    with pytest.raises(InputValidationError, match="1 series are shorter.*does not handle missing"):
        run_m4_experiment("tvnet", "Hourly", _training(tmp_path / "w"), data_root=short,
                          backbone_kwargs=TINY_TVNET)
    # Holding out the last H values for validation needs more than 2H train values.
    train, test = _series(lengths=(200, 90))
    tiny = _write_m4(tmp_path / "tiny", train, test)
    with pytest.raises(InputValidationError, match="at most 2H"):
        _run(tiny, tmp_path / "v")


def test_window_dataset_draws_fresh_windows_per_epoch():
    owners = np.repeat(np.arange(3), [5, 2, 6])
    windows = {
        "past_values": np.arange(13, dtype=np.float32).reshape(13, 1, 1),
        "past_observed_mask": np.ones((13, 1, 1), dtype=bool),
        "future_values": np.zeros((13, 1, 1), dtype=np.float32),
        "series_index": owners,
    }
    every = M4WindowDataset(windows)
    assert len(every) == 13 and set(every[4]) == {"past_values", "past_observed_mask", "future_values"}
    some = M4WindowDataset(windows, windows_per_series=3, seed=1)
    picked = lambda ds: [int(ds[i]["past_values"].item()) for i in range(len(ds))]  # noqa: E731
    epoch0 = picked(some)
    assert len(some) == 3 + 2 + 3
    assert [owners[v] for v in epoch0] == [0, 0, 0, 1, 1, 2, 2, 2]
    some.set_epoch(1)
    epoch1 = picked(some)
    assert len(some) == 8 and epoch1 != epoch0
    some.set_epoch(0)
    assert picked(some) == epoch0  # a pure function of (seed, epoch)
