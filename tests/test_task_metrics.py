"""Imputation / classification / anomaly-detection metrics and non-learned baselines.
Expectations are computed by hand in the comments, not by re-running the code."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from tsfm.evaluation import (
    FeatureClassifier,
    accuracy,
    anomaly_scores_report,
    linear_interpolation_impute,
    mask_ratio_mask,
    masked_mae,
    masked_mse,
    moving_zscore_scores,
    point_adjust,
    precision_recall_f1,
    series_features,
    threshold_from_ratio,
)
from tsfm.evaluation.task_baselines import ZSCORE_EPS

# Two true segments (1..3 and 6..7); one hit at 2 inside the first, a false positive at 5.
LABELS = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 0])
PRED = np.array([0, 0, 1, 0, 0, 1, 0, 0, 0, 0])


# --------------------------------------------------------------------------- anomaly


def test_point_adjust_hand_example():
    # First segment fully credited, second (missed) stays 0, false positive at 5 stays.
    expected = np.array([0, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(point_adjust(LABELS, PRED), expected)
    # Input not modified.
    np.testing.assert_array_equal(PRED, [0, 0, 1, 0, 0, 1, 0, 0, 0, 0])


def test_point_adjust_edges_and_adjacent_segments():
    # Segments touching both ends; the last hit is the segment's last point.
    np.testing.assert_array_equal(point_adjust([1, 1, 0, 1], [0, 1, 0, 1]), [1, 1, 0, 1])
    # Two segments split by a single 0 are separate: a hit in the first leaves the second.
    np.testing.assert_array_equal(point_adjust([1, 1, 0, 1, 1], [1, 0, 0, 0, 0]), [1, 1, 0, 0, 0])
    # No segment at all: predictions pass through.
    np.testing.assert_array_equal(point_adjust([0, 0, 0], [0, 1, 0]), [0, 1, 0])
    # Booleans accepted.
    np.testing.assert_array_equal(point_adjust(np.array([True, True]), np.array([False, True])), [1, 1])


def _official_adjustment(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Transcription of the loop in Anomaly-Transformer / TimesNet `adjustment` (reference)."""
    gt, pred = list(gt), list(pred)
    anomaly_state = False
    for i in range(len(gt)):
        if gt[i] == 1 and pred[i] == 1 and not anomaly_state:
            anomaly_state = True
            for j in range(i, 0, -1):
                if gt[j] == 0:
                    break
                if pred[j] == 0:
                    pred[j] = 1
            for j in range(i, len(gt)):
                if gt[j] == 0:
                    break
                if pred[j] == 0:
                    pred[j] = 1
        elif gt[i] == 0:
            anomaly_state = False
        if anomaly_state:
            pred[i] = 1
    return np.array(pred)


def test_point_adjust_matches_official_loop_on_random_data():
    rng = np.random.default_rng(0)
    # Start with a 0 (the official backward loop stops at index 1, never touching 0).
    gt = np.concatenate([[0], (rng.random(2000) < 0.1).cumsum() % 2 * (rng.random(2000) < 0.9)])
    pred = (rng.random(gt.size) < 0.05).astype(int)
    np.testing.assert_array_equal(point_adjust(gt, pred), _official_adjustment(gt, pred))


def test_f1_raw_and_point_adjusted_by_hand():
    # Raw: tp=1 fp=1 fn=4 -> P=1/2, R=1/5, F1=2*(1/10)/(7/10)=2/7; correct 5 of 10.
    # PA : tp=3 fp=1 fn=2 -> P=3/4, R=3/5, F1=2*(9/20)/(27/20)=2/3; correct 7 of 10.
    report = anomaly_scores_report(LABELS, PRED)
    expected = {
        "accuracy": 0.5, "precision": 0.5, "recall": 0.2, "f1": 2 / 7,
        "accuracy_pa": 0.7, "precision_pa": 0.75, "recall_pa": 0.6, "f1_pa": 2 / 3,
    }  # fmt: skip
    assert report.keys() == expected.keys()
    for key, value in expected.items():
        assert report[key] == pytest.approx(value, abs=1e-12), key
    assert precision_recall_f1(LABELS, PRED)["f1"] == pytest.approx(2 / 7)


def test_precision_recall_zero_division_and_bad_values():
    assert precision_recall_f1([0, 0, 0], [0, 0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert precision_recall_f1([1, 0], [0, 1]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    with pytest.raises(ValueError, match="binary"):
        precision_recall_f1([0, 2], [0, 1])
    with pytest.raises(ValueError, match="shape"):
        anomaly_scores_report([0, 1], [0, 1, 1])


def test_threshold_is_exact_percentile_of_train_scores_only():
    train = np.arange(1.0, 101.0)  # 1..100
    # 90th percentile, linear: position 0.9 * 99 = 89.1 -> 90 + 0.1 * (91 - 90) = 90.1.
    assert threshold_from_ratio(train, 10) == pytest.approx(90.1, abs=1e-12)
    # Median: position 49.5 -> 50.5.
    assert threshold_from_ratio(train[::-1], 50.0) == pytest.approx(50.5, abs=1e-12)
    # Pooling with any test scores would move it: train + 100 test scores of 1000 gives
    # a 90th percentile of 1000, never 90.1.
    pooled = np.percentile(np.concatenate([train, np.full(100, 1000.0)]), 90)
    assert pooled == 1000.0
    # The API cannot receive test scores at all.
    assert list(inspect.signature(threshold_from_ratio).parameters) == ["train_scores", "anomaly_ratio"]


@pytest.mark.parametrize("ratio", [0, 100, -1, 150, float("nan")])
def test_threshold_bad_ratio(ratio):
    with pytest.raises(ValueError, match="anomaly_ratio"):
        threshold_from_ratio(np.arange(10.0), ratio)


def test_threshold_bad_scores():
    with pytest.raises(ValueError, match="NaN"):
        threshold_from_ratio([1.0, float("nan"), 3.0], 1.0)
    with pytest.raises(ValueError, match="no training scores"):
        threshold_from_ratio([], 1.0)


# --------------------------------------------------------------------------- imputation


def test_masked_metrics_ignore_unmasked_entries():
    target = np.array([[1.0, 2.0], [3.0, 4.0]])
    prediction = np.array([[1.0, -50.0], [5.0, 100.0]])
    mask = np.array([[True, False], [True, False]])
    # Hidden errors: 0 and -2 -> MSE (0 + 4) / 2 = 2, MAE (0 + 2) / 2 = 1.
    assert masked_mse(target, prediction, mask) == 2.0
    assert masked_mae(target, prediction, mask) == 1.0
    # Changing the visible predictions changes nothing.
    other = prediction.copy()
    other[~mask] = 1e6
    assert masked_mse(target, other, mask) == 2.0
    # A NaN target under the mask is skipped (the metrics.py convention).
    target_nan = target.copy()
    target_nan[0, 0] = np.nan
    assert masked_mae(target_nan, prediction, mask) == 2.0


def test_masked_metrics_bad_input():
    a = np.zeros((2, 3))
    with pytest.raises(ValueError, match="empty mask"):
        masked_mse(a, a, np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="shape mismatch"):
        masked_mae(a, np.zeros((3, 2)), np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="boolean"):
        masked_mse(a, a, np.ones((2, 3)))  # a float 0/1 mask is ambiguous (TimesNet: 1 = kept)


@pytest.mark.parametrize("ratio", [0.125, 0.25, 0.375, 0.5])
def test_mask_ratio_close_to_request(ratio):
    mask = mask_ratio_mask((64, 96, 7), ratio, seed=3)
    assert mask.dtype == np.bool_ and mask.shape == (64, 96, 7)
    assert abs(mask.mean() - ratio) < 0.01
    np.testing.assert_array_equal(mask, mask_ratio_mask((64, 96, 7), ratio, seed=3))
    assert not np.array_equal(mask, mask_ratio_mask((64, 96, 7), ratio, seed=4))


@pytest.mark.parametrize("ratio", [0.0, 1.0, -0.1, 1.5, 12.5, float("nan")])
def test_mask_ratio_bad(ratio):
    with pytest.raises(ValueError, match=f"got {ratio!r}".replace("(", r"\(").replace(")", r"\)")):
        mask_ratio_mask((4, 4), ratio, seed=0)


def test_interpolation_exact_on_linear_signal():
    rng = np.random.default_rng(1)
    b, length, c = 3, 40, 2
    slope, offset = rng.normal(size=(b, 1, c)), rng.normal(size=(b, 1, c))
    values = slope * np.arange(length)[None, :, None] + offset
    hidden = rng.random(values.shape) < 0.5
    hidden[:, [0, -1]] = False  # interior gaps only: a line is reproduced exactly
    corrupted = np.where(hidden, 123.0, values)  # hidden entries carry garbage
    out = linear_interpolation_impute(corrupted, hidden)
    np.testing.assert_allclose(out, values, rtol=0, atol=1e-12)


def test_interpolation_edges_empty_channel_and_visible_untouched():
    values = np.array([9.0, 2.0, 9.0, 9.0, 5.0, 9.0])
    hidden = np.array([True, False, True, True, False, True])
    x = np.stack([values, values], axis=-1)[None].astype(np.float32)  # [1, 6, 2]
    mask = np.stack([hidden, np.ones(6, dtype=bool)], axis=-1)[None]
    out = linear_interpolation_impute(x, mask)
    assert out.dtype == np.float32
    # Held at 2 before the first visible point, 2 -> 5 across the gap, held at 5 after.
    np.testing.assert_array_equal(out[0, :, 0], [2, 2, 3, 4, 5, 5])
    np.testing.assert_array_equal(out[0, :, 1], np.zeros(6))  # nothing visible -> 0.0


def test_interpolation_matches_np_interp():
    rng = np.random.default_rng(2)
    values = rng.normal(size=(4, 30, 3))
    hidden = rng.random(values.shape) < 0.6
    out = linear_interpolation_impute(values, hidden)
    grid = np.arange(30)
    for i in range(4):
        for ch in range(3):
            seen = ~hidden[i, :, ch]
            if seen.any():
                ref = np.interp(grid, grid[seen], values[i, seen, ch])
            else:
                ref = np.zeros(30)
            np.testing.assert_allclose(out[i, :, ch], ref, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- classification


def test_series_features_by_hand():
    x = np.array([[[1.0], [2.0], [3.0], [np.nan]]])  # one sample, 3 observed steps
    f = series_features(x, resample_length=5)
    # mean 2, std sqrt(2/3), min 1, max 3, first 1, last 3, slope 1, then 1..3 in 5 steps.
    expected = [2.0, np.sqrt(2 / 3), 1.0, 3.0, 1.0, 3.0, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0]
    np.testing.assert_allclose(f[0], expected, rtol=0, atol=1e-12)


def _separable_set(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three classes (flat low, rising ramp, sine around 5) with random observed lengths."""
    labels = np.arange(n) % 3
    values = np.full((n, length, 2), np.nan)
    for i, label in enumerate(labels):
        observed = int(rng.integers(length // 3, length + 1))
        t = np.arange(observed)
        if label == 0:
            base = np.full(observed, -3.0)
        elif label == 1:
            base = 0.2 * t
        else:
            base = 5.0 + np.sin(t / 2.0)
        values[i, :observed, 0] = base + 0.05 * rng.normal(size=observed)
        values[i, :observed, 1] = -base + 0.05 * rng.normal(size=observed)
    return values, labels


@pytest.mark.parametrize("method", ["ridge", "1nn"])
def test_classifier_separable_variable_length(method):
    rng = np.random.default_rng(5)
    train_x, train_y = _separable_set(60, 48, rng)
    test_x, test_y = _separable_set(30, 64, rng)  # longer padding than in training
    clf = FeatureClassifier(method=method, num_classes=3).fit(train_x, train_y)
    assert accuracy(test_y, clf.predict(test_x)) == 1.0


def test_classifier_arbitrary_labels_without_num_classes():
    rng = np.random.default_rng(6)
    x, y = _separable_set(30, 32, rng)
    names = np.array(["flat", "ramp", "sine"])[y]
    predicted = FeatureClassifier(method="1nn").fit(x, names).predict(x)
    np.testing.assert_array_equal(predicted, names)


def test_classifier_bad_input():
    rng = np.random.default_rng(7)
    x, y = _separable_set(9, 16, rng)
    with pytest.raises(ValueError, match="labels must be"):
        FeatureClassifier().fit(x, y[:-1])
    with pytest.raises(ValueError, match=r"classes \[3\] have no training sample"):
        FeatureClassifier(num_classes=4).fit(x, y)
    with pytest.raises(ValueError, match="method"):
        FeatureClassifier(method="svm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not fitted"):
        FeatureClassifier().predict(x)
    with pytest.raises(ValueError, match=r"\[N, L, 2\]"):
        FeatureClassifier().fit(x, y).predict(x[..., :1])


def test_accuracy():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75


# --------------------------------------------------------------------------- moving z-score


def test_moving_zscore_by_hand():
    # window 2: t=2 past [0, 2] mean 1 std 1 -> |4 - 1| = 3; t=3 past [2, 4] (not 0)
    # mean 3 std 1 -> |10 - 3| = 7. Second channel t=3: past [1, 0] mean .5 std .5 ->
    # |-10 - .5| / .5 = 21, the max over channels. Steps 0 and 1 score 0.
    x = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 0.0], [10.0, -10.0]])
    np.testing.assert_allclose(moving_zscore_scores(x, window=2), [0, 0, 3, 21], rtol=1e-12)
    np.testing.assert_allclose(moving_zscore_scores(x[:, 0], window=2), [0, 0, 3, 7], rtol=1e-12)


def test_moving_zscore_spike_and_causality():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(600, 3))
    x[300, 1] += 10.0
    window = 50
    scores = moving_zscore_scores(x, window)
    assert scores.shape == (600,)
    assert window + int(np.argmax(scores[window:])) == 300
    # Changing the future (from step 200 on) leaves every earlier score bit-identical.
    future = x.copy()
    future[200:] = rng.normal(size=(400, 3)) * 100.0
    np.testing.assert_array_equal(moving_zscore_scores(future, window)[:200], scores[:200])


def test_moving_zscore_flat_past_and_bad_input():
    x = np.array([3.0, 3.0, 3.0, 3.0, 4.0])
    # Constant past: std floored at ZSCORE_EPS, score finite and huge.
    assert moving_zscore_scores(x, window=3)[4] == pytest.approx(1.0 / ZSCORE_EPS)
    with pytest.raises(ValueError, match="at least 2"):
        moving_zscore_scores(np.array([1.0]), window=2)
    with pytest.raises(ValueError, match="window"):
        moving_zscore_scores(x, window=1)
    with pytest.raises(ValueError, match="NaN"):
        moving_zscore_scores(np.array([1.0, np.nan, 2.0]), window=2)
