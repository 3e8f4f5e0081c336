"""IFFTB spectra: built-ins, .npz/.json files, fitting from data, clear errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import realts
from realts import IFFTBConfig, RealTSConfig, SpectrumError
from realts.cli import main
from realts.spectra import Spectrum, builtin_spectrum, fit_spectrum, load_spectrum


@pytest.mark.parametrize("name", ["smooth", "peaky"])
def test_builtin_spectra_shapes(name: str) -> None:
    spec = builtin_spectrum(name, 1232)
    assert spec.num_bins == 617
    assert spec.frequency[0] == 0 and spec.frequency[-1] == 0.5
    assert np.all(spec.amplitude_std >= 0)


def test_unknown_builtin() -> None:
    with pytest.raises(SpectrumError, match="unknown builtin"):
        realts.generate(2, 64, 0, RealTSConfig(ifftb1=IFFTBConfig("builtin:nope")))


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_save_load_round_trip(tmp_path: Path, suffix: str) -> None:
    spec = builtin_spectrum("smooth", 200)
    path = spec.save(tmp_path / f"s{suffix}")
    again = load_spectrum(path)
    assert again.sha256() == spec.sha256()
    assert again.name == "builtin:smooth"


def test_npz_file_is_loadable_without_pickle(tmp_path: Path) -> None:
    path = builtin_spectrum("peaky", 100).save(tmp_path / "p.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) >= {"frequency", "amplitude_mean", "amplitude_std", "phase_mean", "phase_std"}


def test_wrong_shape_is_rejected(tmp_path: Path) -> None:
    good = builtin_spectrum("smooth", 100)
    path = tmp_path / "bad.npz"
    arrays = {k: getattr(good, k) for k in ("frequency", "amplitude_mean", "phase_mean", "phase_std")}
    np.savez(path, amplitude_std=good.amplitude_std[:-3], **arrays)
    with pytest.raises(SpectrumError, match="amplitude_std has shape"):
        load_spectrum(path)
    cfg = RealTSConfig(ifftb1=IFFTBConfig(str(path)))
    with pytest.raises(SpectrumError):
        realts.generate(4, 64, 0, cfg)
    with pytest.raises(SpectrumError, match="2-D|1-D"):
        Spectrum(np.zeros((3, 2)), *(np.zeros((3, 2)),) * 4)


def test_missing_array_and_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "miss.json"
    path.write_text(json.dumps({"format": "realts-spectrum", "frequency": [0, 0.5]}))
    with pytest.raises(SpectrumError, match="lacks"):
        load_spectrum(path)
    with pytest.raises(SpectrumError, match=">= 0"):
        Spectrum(np.array([0, 0.5]), np.ones(2), -np.ones(2), np.zeros(2), np.ones(2))
    with pytest.raises(SpectrumError, match="not found"):
        load_spectrum(tmp_path / "absent.npz")


def test_fit_recovers_a_known_periodicity() -> None:
    t = np.arange(20000)
    rng = np.random.default_rng(0)
    series = np.sin(2 * np.pi * t / 50) + 0.1 * rng.standard_normal(t.size)
    spec = fit_spectrum([series], window=500)
    assert spec.num_bins == 251
    assert np.argmax(spec.amplitude_mean[1:]) + 1 == 10  # 500 / 50
    resampled = fit_spectrum([series], window=500, bins=64)
    assert resampled.num_bins == 64


def test_generation_with_a_fitted_spectrum_file(tmp_path: Path) -> None:
    t = np.arange(5000)
    series = np.sin(2 * np.pi * t / 25) + 0.05 * np.random.default_rng(1).standard_normal(t.size)
    np.save(tmp_path / "data.npy", series)
    assert main(["fit-spectrum", "--input", str(tmp_path / "data.npy"), "--out", str(tmp_path / "fit.npz"),
                 "--window", "200"]) == 0
    cfg = RealTSConfig(ifftb1=IFFTBConfig(str(tmp_path / "fit.npz"))).only("ifftb1")
    x = realts.generate(64, 400, 0, cfg)
    mean_amp = np.abs(np.fft.rfft(x, axis=1)).mean(axis=0)
    assert np.argmax(mean_amp[1:]) + 1 == 16  # period 25 on 400 steps


def test_fit_spectrum_cli_reads_csv(tmp_path: Path) -> None:
    t = np.arange(3000)
    lines = ["date,a,b"] + [f"d{i},{np.sin(i / 7):.5f},{np.cos(i / 13):.5f}" for i in t]
    (tmp_path / "data.csv").write_text("\n".join(lines))
    assert main(["fit-spectrum", "--input", str(tmp_path / "data.csv"), "--out", str(tmp_path / "fit.json"),
                 "--window", "256"]) == 0
    assert load_spectrum(tmp_path / "fit.json").meta["num_windows"] > 10
    assert main(["fit-spectrum", "--input", str(tmp_path / "data.csv"), "--out", str(tmp_path / "fit.pkl"),
                 "--window", "256"]) == 2
    assert not (tmp_path / "fit.pkl").exists()
