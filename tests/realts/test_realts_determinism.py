"""Acceptance 1: series i of seed s is a pure function of (s, i, config)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

import realts
from realts import RealTSConfig

LENGTH = 1232
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return realts.generate(num_series=256, length=LENGTH, seed=7)


def test_shape_dtype_finite(reference: np.ndarray) -> None:
    assert reference.shape == (256, LENGTH)
    assert reference.dtype == np.float32
    assert np.isfinite(reference).all()
    assert np.all(reference.std(axis=1) > 0)


def test_identical_across_calls(reference: np.ndarray) -> None:
    assert np.array_equal(realts.generate(num_series=256, length=LENGTH, seed=7), reference)


@pytest.mark.parametrize("batch_size", [1, 7, 64, 100, 4096])
def test_independent_of_batch_size(reference: np.ndarray, batch_size: int) -> None:
    assert np.array_equal(realts.generate(256, LENGTH, 7, batch_size=batch_size), reference)


def test_slices_concatenate_to_full_result(reference: np.ndarray) -> None:
    cuts = [0, 1, 50, 51, 128, 200, 256]
    parts = [realts.generate(b - a, LENGTH, 7, start_index=a) for a, b in zip(cuts[:-1], cuts[1:])]
    assert np.array_equal(np.concatenate(parts), reference)


def test_worker_count_does_not_change_result(reference: np.ndarray) -> None:
    two = realts.generate(256, LENGTH, 7, workers=2, batch_size=32)
    assert np.array_equal(two, reference)


def test_identical_in_a_fresh_process(reference: np.ndarray) -> None:
    code = ("import hashlib, realts; x = realts.generate(num_series=256, length=1232, seed=7); "
            "print(hashlib.sha256(x.tobytes()).hexdigest())")
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == hashlib.sha256(reference.tobytes()).hexdigest()


def test_iter_batches_and_records_agree(reference: np.ndarray) -> None:
    batches = list(realts.iter_batches(256, LENGTH, 7, batch_size=100))
    assert [len(b) for b in batches] == [100, 100, 56]
    assert np.array_equal(np.concatenate([b.indices for b in batches]), np.arange(256))
    assert np.array_equal(np.concatenate([b.values for b in batches]), reference)
    # records: index, behaviour name and parameters for every series
    batch = batches[0]
    names = batch.behaviours()
    params = batch.params()
    assert len(names) == len(params) == 100
    assert set(names) <= set(realts.BEHAVIOURS)
    assert all(set(p) == {"behaviour", "augmentations"} for p in params)


def test_params_are_per_index_not_per_batch() -> None:
    whole = realts.generate_batch(0, 40, LENGTH, 3)
    part = realts.generate_batch(25, 10, LENGTH, 3)
    assert part.behaviours() == whole.behaviours()[25:35]
    assert part.params_json() == whole.params_json()[25:35]


def test_seed_and_config_change_the_output(reference: np.ndarray) -> None:
    assert not np.array_equal(realts.generate(256, LENGTH, 8), reference)
    cfg = RealTSConfig(augmentations=False)
    assert not np.array_equal(realts.generate(256, LENGTH, 7, cfg), reference)


def test_endless_iterator_continues_past_any_count() -> None:
    it = realts.iter_batches(None, 64, 1, batch_size=16)
    first = [next(it) for _ in range(5)]
    assert first[-1].indices[-1] == 79
    assert np.array_equal(first[4].values, realts.generate(16, 64, 1, start_index=64))
