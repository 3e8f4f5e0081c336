"""Imputation and anomaly-detection experiments (tiny configs), and the shared pieces they use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import tsfm
from tsfm.data.anomaly import AnomalySeries
from tsfm.errors import InputValidationError
from tsfm.layers import interpolate_unobserved
from tsfm.tasks.anomaly import run_anomaly_experiment, run_zscore_baseline
from tsfm.tasks.imputation import MaskedWindowDataset, run_imputation_experiment, score_imputation
from tsfm.training import TrainingConfig


def test_interpolate_unobserved_matches_numpy_interp():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 40, 2)).astype(np.float32)
    observed = rng.random((3, 40, 2)) > 0.4
    observed[0, :, 0] = False  # nothing observed: left as is
    out = interpolate_unobserved(torch.from_numpy(x), torch.from_numpy(observed)).numpy()
    for b in range(3):
        for c in range(2):
            seen = observed[b, :, c]
            if not seen.any():
                np.testing.assert_array_equal(out[b, :, c], x[b, :, c])
                continue
            expected = np.interp(np.arange(40), np.flatnonzero(seen), x[b, seen, c])
            np.testing.assert_allclose(out[b, :, c], expected, rtol=1e-5, atol=1e-6)


def _series(n: int = 900, channels: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    return (np.sin(2 * np.pi * t / 24 + np.arange(channels)) + 0.1 * rng.standard_normal((n, channels))).astype(np.float32)


def test_masks_are_reproducible_fresh_per_epoch_and_at_the_ratio():
    data = MaskedWindowDataset(_series(), 32, 0.25, seed=3)
    assert len(data) == 900 - 32 + 1  # every window, no horizon
    first = data[5]["imputation_mask"]
    assert torch.equal(first, MaskedWindowDataset(_series(), 32, 0.25, seed=3)[5]["imputation_mask"])
    data.set_epoch(1)
    assert not torch.equal(first, data[5]["imputation_mask"])
    share = torch.stack([data[i]["imputation_mask"] for i in range(200)]).float().mean().item()
    assert abs(share - 0.25) < 0.01
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(InputValidationError, match="mask ratio"):
            MaskedWindowDataset(_series(), 32, bad)


class _Oracle(torch.nn.Module):
    """Returns the truth on hidden entries and garbage elsewhere: only the hidden entries
    may be scored, so its imputation error must be zero."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, batch):
        garbage = torch.full_like(batch["past_values"], 100.0)
        return type("Out", (), {"prediction": torch.where(batch["imputation_mask"], batch["past_values"], garbage)})


def test_imputation_is_scored_on_hidden_entries_only():
    data = MaskedWindowDataset(_series(300), 32, 0.3, seed=1)
    scores = score_imputation(_Oracle(), data)
    assert scores["mse"] == 0.0 and scores["mae"] == 0.0
    assert scores["interp_mse"] > 0.0
    assert scores["windows"] == len(data)


@pytest.fixture
def small_table(tmp_path):
    n = 1200
    frame = pd.DataFrame(_series(n, 3), columns=["a", "b", "OT"])
    frame.insert(0, "date", pd.date_range("2021-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S"))
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("backbone", ["tvnet", "perimidformer"])
def test_imputation_experiment_scores_every_test_window_on_hidden_entries(backbone, small_table, tmp_path):
    kwargs = dict(tsfm.get_spec(backbone).test_overrides)
    run = run_imputation_experiment(backbone, str(small_table), 0.25,
                                    TrainingConfig(output_dir=str(tmp_path / "run"), epochs=1, max_steps=5,
                                                   batch_size=16, progress=False),
                                    context_length=48, backbone_kwargs=kwargs)
    row = run.row
    assert row["test_windows"] == 240 - 48 + 1 + 48  # 20% test rows, starting L rows early, no horizon
    assert np.isfinite([row["test_mse"], row["test_mae"], row["interp_mse"]]).all()
    assert 0.2 < row["hidden_entries"] / (row["test_windows"] * 48 * 3) < 0.3
    assert run.example["model"].shape == (48, 3)


def _anomaly_series(n: int = 1200, seed: int = 0) -> AnomalySeries:
    rng = np.random.default_rng(seed)
    values = np.sin(2 * np.pi * np.arange(n) / 25)[:, None] + 0.05 * rng.standard_normal((n, 1))
    labels = np.zeros(n, dtype=np.int8)
    values[1000:1010] += 4.0
    labels[995:1015] = 1
    return AnomalySeries("synthetic", pd.RangeIndex(n), values.astype(np.float32), labels)


def _config(tmp_path, name):
    return TrainingConfig(output_dir=str(tmp_path / name), epochs=1, max_steps=8, batch_size=16, progress=False,
                          resume=False)


def test_anomaly_threshold_uses_training_scores_only(tmp_path):
    kwargs = dict(tsfm.get_spec("tvnet").test_overrides)
    series = _anomaly_series()
    first = run_anomaly_experiment("tvnet", series, _config(tmp_path, "a"), window=32, backbone_kwargs=kwargs)
    changed = _anomaly_series()
    changed.values[700:] *= 5.0  # the test part (second half) only
    second = run_anomaly_experiment("tvnet", changed, _config(tmp_path, "b"), window=32, backbone_kwargs=kwargs)
    assert first.threshold == second.threshold
    assert not np.array_equal(first.test_scores, second.test_scores)
    for key in ("f1", "f1_pa", "precision", "recall"):
        assert 0.0 <= first.row[key] <= 1.0
    assert first.row["f1_pa"] >= first.row["f1"]


def test_zscore_floor_finds_the_injected_spike():
    run = run_zscore_baseline(_anomaly_series(), window=50, anomaly_ratio=1.0)
    predicted = run.test_scores > run.threshold
    assert predicted[1000 - 600 : 1010 - 600].any()
    assert run.row["recall_pa"] == 1.0


def test_anomaly_bad_inputs(tmp_path):
    short = _anomaly_series(150)
    with pytest.raises(InputValidationError, match="shorter than the window"):
        run_zscore_baseline(short, window=100)
    unlabelled = AnomalySeries("x", pd.RangeIndex(600), np.zeros((600, 1), np.float32), None)
    with pytest.raises(InputValidationError, match="needs labels"):
        run_anomaly_experiment("tvnet", unlabelled, _config(tmp_path, "c"), window=32)


def test_mean_loss_is_the_sample_weighted_model_loss():
    from torch.utils.data import DataLoader, TensorDataset

    from tsfm.evaluation import mean_loss

    torch.manual_seed(0)
    model = tsfm.create_model("tvnet", task="classification", context_length=32, prediction_length=1,
                              num_channels=2, num_classes=3, **dict(tsfm.get_spec("tvnet").test_overrides)).eval()
    values, labels = torch.randn(10, 32, 2), torch.arange(10) % 3
    loader = DataLoader(TensorDataset(values, labels), batch_size=4,  # batches of 4, 4, 2
                        collate_fn=lambda items: {"past_values": torch.stack([v for v, _ in items]),
                                                  "labels": torch.stack([y for _, y in items])})
    with torch.no_grad():
        expected = torch.nn.functional.cross_entropy(model({"past_values": values}).prediction, labels).item()
    assert mean_loss(model, loader) == pytest.approx(expected, rel=1e-5)


def test_mean_loss_of_an_empty_loader_is_an_error():
    from tsfm.evaluation import mean_loss

    model = tsfm.create_model("tvnet", task="classification", context_length=32, prediction_length=1,
                              num_channels=2, num_classes=3, **dict(tsfm.get_spec("tvnet").test_overrides))
    with pytest.raises(ValueError, match="no sample"):
        mean_loss(model, [])
    assert model.training  # the model's mode is restored


def test_score_loader_refuses_an_empty_loader_or_no_observed_target():
    from tsfm.evaluation.scoring import score_loader

    model = tsfm.create_model("linear", context_length=8, prediction_length=4, num_channels=2)
    with pytest.raises(ValueError, match="no window"):
        score_loader(model, [])
    batch = {"past_values": torch.randn(3, 8, 2), "future_values": torch.randn(3, 4, 2),
             "future_observed_mask": torch.zeros(3, 4, 2, dtype=torch.bool)}
    with pytest.raises(ValueError, match="none of the 3 windows"):
        score_loader(model, [batch])
    batch["future_observed_mask"][0, 0, 0] = True  # one observed value is enough to score
    scores = score_loader(model, [batch])
    assert scores["windows"] == 3 and np.isfinite(scores["mse"])
    assert model.training  # the model's mode is restored, even after an error


def test_write_report_refuses_no_rows_and_keeps_the_existing_report(tmp_path):
    from tsfm.evaluation.report import write_report

    json_path, md_path = write_report([{"a": 1}], tmp_path, "r", "title", ["a"])
    before = json_path.read_text(), md_path.read_text()
    with pytest.raises(ValueError, match="no rows"):
        write_report([], tmp_path, "r", "title", ["a"])
    assert (json_path.read_text(), md_path.read_text()) == before
