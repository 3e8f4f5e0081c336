"""The Accelerate training loop: learning, early stopping, exact resume, 2 ranks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tsfm
from tsfm.data import WindowDataset
from tsfm.training import Trainer, TrainingConfig, learning_rate


def _series(n: int = 700, channels: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    return (np.sin(2 * np.pi * t / 16 + np.arange(channels)) + 0.1 * rng.standard_normal((n, channels))).astype(np.float32)


def test_type1_schedule_matches_tslib():
    # TSLib adjusts after each epoch with lr0 * 0.5 ** ((epoch + 1 - 1) // 1): epochs 0 and 1 at lr0.
    assert [learning_rate("type1", 1.0, e) for e in range(4)] == [1.0, 1.0, 0.5, 0.25]
    assert learning_rate("warmup_cosine", 1.0, 0, step=0, total_steps=10, warmup_steps=2) == 0.5
    with pytest.raises(ValueError, match="unknown lr schedule"):
        learning_rate("type9", 1.0, 0)


def test_training_reduces_validation_loss_and_writes_log(tmp_path):
    series = _series()
    torch.manual_seed(0)
    model = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=2)
    trainer = Trainer(TrainingConfig(output_dir=str(tmp_path), epochs=3, learning_rate=1e-2, progress=False,
                                     log_every=5))
    from tsfm.evaluation import score_dataset

    val = WindowDataset(series[500:], 32, 8)
    before = score_dataset(model, val)["mse"]
    result = trainer.fit(model, WindowDataset(series[:500], 32, 8), val)
    after = score_dataset(model, val)["mse"]
    assert after < 0.5 * before
    assert abs(after - result.best_val_loss) < 1e-9, "the best validated weights are restored at the end"
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records if r["event"] == "epoch"] == [0, 1, 2]
    assert any(r["event"] == "step" for r in records)
    assert (tmp_path / "best" / "model.safetensors").is_file()
    # A fresh run in the same folder (resume=False) writes its own log, not an appended one.
    Trainer(TrainingConfig(output_dir=str(tmp_path), epochs=1, learning_rate=1e-2, progress=False,
                           resume=False)).fit(model, WindowDataset(series[:500], 32, 8), val)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records if r["event"] == "epoch"] == [0]


def test_early_stopping_stops_after_patience(tmp_path):
    series = _series()
    model = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=2)
    # Updates below float32 resolution leave the weights unchanged, so the validation
    # loss never improves after epoch 0 (improvement is strict).
    result = Trainer(TrainingConfig(output_dir=str(tmp_path), epochs=10, learning_rate=1e-30, patience=2,
                                    lr_schedule="constant", progress=False)).fit(
        model, WindowDataset(series[:500], 32, 8), WindowDataset(series[500:], 32, 8))
    assert result.stopped_early
    assert result.epochs_run == 3
    assert result.history[-1]["early_stop"] is True


def test_data_fraction_uses_the_first_part_of_the_windows(tmp_path):
    series = _series()
    train = WindowDataset(series[:500], 32, 8)
    steps = []
    model = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=2)
    Trainer(TrainingConfig(output_dir=str(tmp_path), epochs=1, batch_size=10, data_fraction=0.1, progress=False),
            callbacks=[lambda trainer, event, info: steps.append(info) if event == "step" else None]).fit(model, train)
    assert len(steps) == int(np.ceil(int(len(train) * 0.1) / 10))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Interrupt(Exception):
    pass


def _train_toy(out: Path, interrupt_at: int | None = None, init_seed: int = 0) -> tsfm.TSModel:
    series = _series(900)
    torch.manual_seed(init_seed)
    model = tsfm.create_model("toy_mlp", context_length=32, prediction_length=8, num_channels=2, hidden=16,
                              dropout=0.3)

    def crash(trainer, event, info):
        if event == "step" and info["step"] == interrupt_at:
            raise _Interrupt()

    trainer = Trainer(TrainingConfig(output_dir=str(out), epochs=3, batch_size=64, learning_rate=1e-2,
                                     checkpoint_every=5, progress=False), callbacks=[crash])
    trainer.fit(model, WindowDataset(series, 32, 8))
    return model


def test_killed_and_resumed_run_ends_with_identical_weights(tmp_path):
    reference = _train_toy(tmp_path / "uninterrupted")
    with pytest.raises(_Interrupt):
        # Steps 11 and 12 run but are lost: the last saved state is at step 10.
        _train_toy(tmp_path / "resumed", interrupt_at=12)
    state = json.loads((tmp_path / "resumed" / "state" / "trainer_state.json").read_text())
    assert state["global_step"] == 10 and state["epoch"] == 0
    # A fresh process would build the model with another init; load_state must restore it.
    resumed = _train_toy(tmp_path / "resumed", init_seed=123)
    for (name, a), (_, b) in zip(reference.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), f"{name} differs between the uninterrupted and the resumed run"


def test_two_cpu_ranks_train_and_evaluate(tmp_path):
    # A real `accelerate launch` (fresh interpreters, gloo): accelerate.debug_launcher forks the
    # pytest process, whose children inherit its OpenMP pool and Accelerate state and deadlock.
    job = Path(__file__).parent / "jobs" / "two_rank_train.py"
    env = dict(os.environ, ACCELERATE_USE_CPU="1", OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "--main_process_port", str(_free_port()), str(job), str(tmp_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert all(r["world"] == 2 for r in ranks)
    # Every validation window is scored exactly once across the two ranks.
    assert ranks[0]["windows"] == ranks[0]["expected_windows"] == ranks[1]["windows"]
    assert ranks[0]["mse"] == pytest.approx(ranks[1]["mse"])
    assert ranks[0]["mse"] == pytest.approx(ranks[0]["best"], rel=1e-5)
    assert (tmp_path / "best" / "model.safetensors").is_file()


def test_training_config_layers_preset_recipe_defaults_and_given_options():
    from tsfm.experiment import training_config_for

    preset = training_config_for("tvnet/cpu")
    assert training_config_for("tvnet/cpu", {"epochs": 9}).epochs == 9  # recipe default over preset
    assert training_config_for("tvnet/cpu", {"epochs": 9}, epochs=None).epochs == 9  # unset option keeps it
    assert training_config_for("tvnet/cpu", {"epochs": 9}, epochs=2).epochs == 2  # a given option wins
    assert training_config_for("tvnet/cpu", {"epochs": 9}).learning_rate == preset.learning_rate
