"""Augmentations: each does what it says, with its configured probability."""

from __future__ import annotations

import dataclasses

import numpy as np

import realts
from realts import AUGMENTATIONS, AugmentConfig, RealTSConfig

_P_FIELD = {"replication": "replication_p", "smoothing": "smoothing_p", "detrend": "detrend_p",
            "level_shift": "level_shift_p", "spikes": "spike_p", "variance_change": "variance_change_p",
            "reversal": "reversal_p", "negation": "negation_p"}


def _only(name: str, behaviour: str = "pwb", **extra) -> RealTSConfig:
    probs = {f: 0.0 for f in _P_FIELD.values()} | {_P_FIELD[name]: 1.0}
    base = RealTSConfig().only(behaviour, noise=False)
    return dataclasses.replace(base, augmentations=True, augment=AugmentConfig(**probs, **extra))


def _pair(name: str, behaviour: str = "pwb", n: int = 32, length: int = 256, **extra):
    before = realts.generate(n, length, 5, RealTSConfig().only(behaviour, noise=False, augmentations=False))
    batch = realts.generate_batch(0, n, length, 5, _only(name, behaviour, **extra))
    return before, batch


def test_reversal_and_negation_are_exact() -> None:
    before, batch = _pair("reversal")
    assert np.array_equal(batch.values, before[:, ::-1])
    before, batch = _pair("negation")
    assert np.array_equal(batch.values, -before)
    assert all(batch.augmentation_names(j) == ["negation"] for j in range(len(batch)))


def test_replication_tiles_the_first_part() -> None:
    before, batch = _pair("replication")
    for j in range(len(batch)):
        copies = batch.params(j)["augmentations"]["replication"]["copies"]
        base = -(-256 // copies)
        assert 2 <= copies <= 4
        np.testing.assert_array_equal(batch.values[j], np.resize(before[j, :base], 256))


def test_replication_only_touches_periodic_behaviours() -> None:
    _, batch = _pair("replication", behaviour="lgb")
    assert not batch.augmentations.applied.any()


def test_smoothing_reduces_roughness_and_detrend_removes_trend() -> None:
    before, batch = _pair("smoothing", behaviour="rwb")
    rough = lambda x: np.abs(np.diff(x, axis=1)).mean(axis=1)
    assert np.all(rough(batch.values) < rough(before))
    before, batch = _pair("detrend", behaviour="twdb", n=16, length=512)
    t = np.arange(512)
    slope_before = np.abs(np.polyfit(t, before.T, 1)[0])
    slope_after = np.abs(np.polyfit(t, batch.values.T, 1)[0])
    assert np.all(slope_after < 0.25 * slope_before + 1e-3)


def test_perturbations_are_where_the_params_say() -> None:
    before, batch = _pair("spikes")
    for j in range(len(batch)):
        spikes = batch.params(j)["augmentations"]["spikes"]
        changed = np.flatnonzero(~np.isclose(batch.values[j], before[j], atol=1e-6))
        assert set(changed) <= set(spikes["at"]) and 1 <= len(spikes["at"]) <= 5
    before, batch = _pair("level_shift")
    for j in range(len(batch)):
        shift = batch.params(j)["augmentations"]["level_shift"]
        delta = batch.values[j] - before[j]
        np.testing.assert_allclose(delta[:shift["at"]], 0, atol=1e-5)
        np.testing.assert_allclose(delta[shift["at"]:], shift["size"], atol=1e-4)
    before, batch = _pair("variance_change")
    for j in range(len(batch)):
        burst = batch.params(j)["augmentations"]["variance_change"]
        delta = batch.values[j] - before[j]
        lo, hi = burst["start"], burst["start"] + burst["span"]
        assert np.all(delta[:lo] == 0) and np.all(delta[hi:] == 0)
        assert np.std(delta[lo:hi]) > 0


def test_probabilities_are_respected() -> None:
    batch = realts.generate_batch(0, 6000, 32, 9)
    rates = batch.augmentations.applied.mean(axis=0)
    cfg = AugmentConfig()
    periodic = np.isin(batch.behaviour_codes, [realts.BEHAVIOURS.index(b) for b in cfg.replication_behaviours])
    expected = [cfg.replication_p * periodic.mean()] + [getattr(cfg, _P_FIELD[n]) for n in AUGMENTATIONS[1:]]
    for name, got, want in zip(AUGMENTATIONS, rates, expected):
        sd = np.sqrt(want * (1 - want) / 6000)
        assert abs(got - want) < 5 * sd + 1e-9, name


def test_augmentations_switch_off() -> None:
    batch = realts.generate_batch(0, 500, 32, 9, RealTSConfig(augmentations=False))
    assert not batch.augmentations.applied.any()
    assert all(p["augmentations"] == {} for p in batch.params())
