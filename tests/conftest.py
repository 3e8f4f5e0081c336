"""Shared fixtures. Real benchmark files come from $TSFM_DATA_DIR, defaulting to the
`shared/data` folder beside the checkout (where CI puts it)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

if "TSFM_DATA_DIR" not in os.environ and DEFAULT_DATA.is_dir():
    os.environ["TSFM_DATA_DIR"] = str(DEFAULT_DATA)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("TSFM_DATA_DIR", DEFAULT_DATA))
    if not (path / "ETT" / "ETTh1.csv").is_file():
        pytest.fail(f"benchmark data not found under {path}: set TSFM_DATA_DIR to the shared data folder")
    return path


@pytest.fixture
def small_csv(tmp_path) -> Path:
    """A small hourly CSV in the Autoformer layout (date + 3 variables)."""
    rng = np.random.default_rng(0)
    n = 600
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
            "a": np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n),
            "b": np.cos(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(n),
            "OT": 0.01 * t + rng.standard_normal(n),
        }
    )
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def load_recipe():
    """load_recipe("reproduce_scformer") -> the script recipes/reproduce_scformer.py as a module."""
    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f"recipe_{name}", REPO / "recipes" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
