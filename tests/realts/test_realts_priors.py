"""Acceptance 2: statistical checks per behaviour that fail if the priors were wrong.

Every test draws a fixed, seeded sample, so results are deterministic; thresholds are loose
enough for the sample size and tight enough that a wrong prior (e.g. a uniform instead of a
log-uniform period, the wrong sigma) fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import realts
from realts import RealTSConfig, RWBConfig
from realts.behaviours import wave_sum
from realts.spectra import builtin_spectrum

L = 1232
N = 1500


def _uniform_ks(sample: np.ndarray, low: float, high: float) -> float:
    return stats.kstest(sample, stats.uniform(low, high - low).cdf).pvalue


# -- PWB ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pwb() -> tuple[np.ndarray, dict]:
    return realts.generate_behaviour("pwb", N, L, seed=11)


def test_pwb_k_uniform_on_1_to_8(pwb) -> None:
    _, p = pwb
    counts = np.bincount(p["k"], minlength=9)[1:]
    assert counts.min() > 0 and p["k"].min() == 1 and p["k"].max() == 8
    assert stats.chisquare(counts).pvalue > 0.001


def test_pwb_amplitude_and_log_period_priors(pwb) -> None:
    _, p = pwb
    active = np.arange(8)[None, :] < p["k"][:, None]
    amp, period = p["amplitude"][active], p["period"][active]
    assert amp.min() >= 0.5 and amp.max() <= 5.0
    assert _uniform_ks(amp, 0.5, 5.0) > 0.001
    assert period.min() >= 11 and period.max() <= 2 * L
    assert _uniform_ks(np.log(period), math.log(11), math.log(2 * L)) > 0.001
    # a uniform (not log-uniform) period would put ~half the periods above L
    assert np.mean(period > L) < 0.15


def test_pwb_series_is_the_parametrised_wave_sum(pwb) -> None:
    values, p = pwb
    np.testing.assert_allclose(values, wave_sum(p, L), rtol=0, atol=1e-5)


def test_pwb_dominant_period_matches_parameters(pwb) -> None:
    values, p = pwb
    single = np.flatnonzero((p["k"] == 1) & np.isin(p["shape"][:, 0], [0, 1]) & (p["period"][:, 0] < L / 4))
    assert single.size >= 20
    padded = 16 * L  # zero-padding for a fine frequency grid
    spectrum = np.abs(np.fft.rfft(values[single] - values[single].mean(1, keepdims=True), n=padded, axis=1))
    estimated = padded / (1 + np.argmax(spectrum[:, 1:], axis=1))
    np.testing.assert_allclose(estimated, p["period"][single, 0], rtol=0.03)
    assert estimated.min() >= 11 * 0.97


def test_pwb_noise_sigma_when_enabled() -> None:
    values, p = realts.generate_behaviour("pwb", 300, L, seed=12, noise=True)
    residual = values - wave_sum(p, L)
    ratio = residual.std(axis=1) / p["noise_sigma"]
    assert np.all(np.abs(ratio - 1) < 0.1)
    assert _uniform_ks(np.log(p["noise_sigma"]), math.log(0.01), math.log(0.5)) > 0.001


# -- RWB ------------------------------------------------------------------------------------

def test_rwb_increments_are_normal_with_configured_sigma() -> None:
    cfg = RealTSConfig(rwb=RWBConfig(step_sigma_range=(0.7, 0.7)))
    values, p = realts.generate_behaviour("rwb", 200, L, seed=13, config=cfg)
    np.testing.assert_allclose(p["step_sigma"], 0.7)
    steps = np.diff(values.astype(np.float64), axis=1)
    pooled = (steps / 0.7).ravel()[::7]  # thinned: ~35k draws
    assert stats.kstest(pooled, "norm").pvalue > 0.001
    assert stats.normaltest(pooled).pvalue > 0.001
    assert abs(steps.std() / 0.7 - 1) < 0.01
    # the same test rejects a 10% wrong sigma: it has the power to catch a wrong prior
    assert stats.kstest((steps / (0.7 * 1.1)).ravel()[::7], "norm").pvalue < 1e-6


def test_rwb_default_sigma_is_log_uniform_and_start_uniform() -> None:
    values, p = realts.generate_behaviour("rwb", N, 64, seed=14)
    assert _uniform_ks(np.log(p["step_sigma"]), math.log(0.1), math.log(1.0)) > 0.001
    assert _uniform_ks(p["start"], -10, 10) > 0.001
    np.testing.assert_allclose(values[:, 0], p["start"], atol=1e-5)
    per_series = np.diff(values, axis=1).std(axis=1) / p["step_sigma"]
    assert abs(np.median(per_series) - 1) < 0.05


# -- LGB ------------------------------------------------------------------------------------

def test_lgb_priors_and_plateau_in_1_to_10() -> None:
    values, p = realts.generate_behaviour("lgb", N, L, seed=15)
    K, r, t0 = p["capacity"], p["rate"], p["midpoint"]
    assert K.min() >= 1 and K.max() <= 10
    assert _uniform_ks(np.log(K), 0.0, math.log(10)) > 0.001
    assert _uniform_ks(np.log(r), math.log(0.001), math.log(0.1)) > 0.001
    assert _uniform_ks(t0 / L, 0.0, 1.0) > 0.001
    # before noise the curve stays within [0, K] and is monotone non-decreasing
    assert values.min() >= 0 and np.all(values.max(axis=1) <= K * (1 + 1e-6))
    assert np.all(np.diff(values, axis=1) >= -1e-5)
    # series that reach their plateau end at K, inside [1, 10]
    reached = r * (L - 1 - t0) > 12
    assert reached.sum() > 100
    end = values[reached, -1]
    np.testing.assert_allclose(end, K[reached], rtol=1e-4)
    assert end.min() >= 1 - 1e-4 and end.max() <= 10 + 1e-4


# -- TWDB -----------------------------------------------------------------------------------

def test_twdb_fitted_slope_in_prior_range() -> None:
    values, p = realts.generate_behaviour("twdb", N, L, seed=16)
    t = np.arange(L)
    slope = np.polyfit(t, values.T.astype(np.float64), 1)[0]
    assert _uniform_ks(p["slope"], -1, 1) > 0.001
    assert _uniform_ks(p["intercept"], -10, 10) > 0.001
    # the waves (<= 8 x 5 amplitude) perturb a per-step slope of up to 1 only slightly
    assert np.all(np.abs(slope - p["slope"]) < 0.15)
    assert np.mean(np.abs(slope) <= 1) > 0.97
    assert np.all(np.abs(slope) <= 1.15)
    # without the waves the series is exactly the line a*t + b
    trend = values - wave_sum(p, L)
    line = np.polyfit(t, trend.T.astype(np.float64), 1)
    np.testing.assert_allclose(line[0], p["slope"], atol=1e-4)
    np.testing.assert_allclose(line[1], p["intercept"], atol=2e-2)


# -- seasonal -------------------------------------------------------------------------------

def test_seasonal_repeats_with_its_period() -> None:
    values, p = realts.generate_behaviour("seasonal", 400, L, seed=17)
    period = p["period"]
    assert period.min() >= 4 and period.max() <= L // 4
    for row in range(0, 400, 7):
        P = int(period[row])
        diff = values[row, P:] - values[row, :-P]
        np.testing.assert_allclose(diff, p["slope"][row] * P, atol=2e-4 * max(1.0, p["amplitude"][row]) + 1e-3)


# -- IFFTB ----------------------------------------------------------------------------------

def test_ifftb_smooth_amplitudes_follow_the_spectrum() -> None:
    values, p = realts.generate_behaviour("ifftb1", 1000, L, seed=18)
    coeffs = np.fft.rfft(values.astype(np.float64), axis=1)
    measured = np.abs(coeffs[:, 1:-1]) * 2 / L
    np.testing.assert_allclose(measured, p["amplitude"][:, 1:-1], atol=2e-4)
    spec = builtin_spectrum("smooth", L)
    mu, sd = spec.amplitude_mean[1:40], spec.amplitude_std[1:40]
    expected = mu * stats.norm.cdf(mu / sd) + sd * stats.norm.pdf(mu / sd)  # E[max(N(mu, sd^2), 0)]
    np.testing.assert_allclose(measured[:, :39].mean(axis=0), expected, rtol=0.06)


def test_ifftb_peaky_has_few_active_bins() -> None:
    values, p = realts.generate_behaviour("ifftb2", 1000, L, seed=19)
    active = np.count_nonzero(p["amplitude"][:, 1:] > 0, axis=1)
    assert active.min() >= 1                    # no constant series
    assert 2.0 < active.mean() < 5.0            # about PEAKY_ACTIVE, minus the 0.5 caps
    assert np.all(values.std(axis=1) > 0)
    # low frequencies dominate: most active bins have periods of at least 20 steps
    bins = np.nonzero(p["amplitude"][:, 1:] > 0)[1] + 1
    assert np.mean(L / bins >= 20) > 0.8


# -- the mixture ----------------------------------------------------------------------------

def test_behaviour_mixture_matches_authors_weights() -> None:
    batch = realts.generate_batch(0, 8000, 32, seed=20)
    counts = np.bincount(batch.behaviour_codes, minlength=len(realts.BEHAVIOURS))
    expected = np.array([realts.AUTHORS_WEIGHTS[b] for b in realts.BEHAVIOURS]) * 8000
    assert stats.chisquare(counts, expected).pvalue > 0.001
