"""Classification task (tsfm.tasks.classification): a synthetic UEA-style `.ts` pair in
tmp_path, tiny backbones, honest protocol (TEST never trains or selects the model)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from safetensors.numpy import load_file

import tsfm
from tsfm.data import load_uea
from tsfm.errors import DataFormatError, InputValidationError
from tsfm.tasks.classification import (
    channel_statistics,
    concatenated_series,
    run_classification_experiment,
    run_feature_baseline,
    stratified_holdout,
)
from tsfm.training import TrainingConfig

NAME = "Toy"
CLASSES = ("a", "b", "c")


def _series(label: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """[length, 2]: class-specific frequency in channel 0, class-specific offset in channel 1."""
    t = np.arange(length)
    return np.stack([np.sin(2 * np.pi * t * (label + 1) / 12.0), 0.8 * label + 0.1 * np.sin(t)], axis=1) + (
        0.1 * rng.standard_normal((length, 2))
    )


def _ts_text(samples: list[tuple[np.ndarray, str]], classes=CLASSES) -> str:
    lines = [f"@problemName {NAME}", "@timeStamps false", "@missing false", "@univariate false",
             "@dimensions 2", "@equalLength false", f"@classLabel true {' '.join(classes)}", "@data"]
    for values, label in samples:
        dims = [",".join(f"{v:.5f}" for v in values[:, c]) for c in range(values.shape[1])]
        lines.append(":".join(dims) + f":{label}")
    return "\n".join(lines) + "\n"


def _samples(n_per_class: int, lengths: tuple[int, int], seed: int, labels=CLASSES) -> list[tuple[np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_per_class):
        for k, label in enumerate(labels):
            length = int(rng.integers(lengths[0], lengths[1] + 1))
            out.append((_series(CLASSES.index(label), length, rng), label))
    return out


@pytest.fixture
def toy_root(tmp_path):
    """<root>/UEA/Toy/Toy_TRAIN.ts (lengths 12-18) and Toy_TEST.ts (lengths 12-20: longer
    than any training series, so L comes from TEST)."""
    folder = tmp_path / "UEA" / NAME
    folder.mkdir(parents=True)
    (folder / f"{NAME}_TRAIN.ts").write_text(_ts_text(_samples(8, (12, 18), 0)), encoding="utf-8")
    test = _samples(4, (12, 19), 1) + [(_series(0, 20, np.random.default_rng(2)), "a")]
    (folder / f"{NAME}_TEST.ts").write_text(_ts_text(test), encoding="utf-8")
    return tmp_path


def _tiny(backbone: str) -> dict:
    return dict(tsfm.get_spec(backbone).test_overrides)


def _training(tmp_path, tag: str, **overrides) -> TrainingConfig:
    values = dict(output_dir=str(tmp_path / "runs" / tag), epochs=3, batch_size=8, learning_rate=1e-2,
                  lr_schedule="constant", patience=0, progress=False, resume=False, seed=7)
    values.update(overrides)
    return TrainingConfig(**values)


ROW_KEYS = {"backbone", "dataset", "accuracy", "classes", "train_size", "val_size", "test_size",
            "context_length", "channels", "epochs_run", "seconds", "seed", "parameters"}


@pytest.mark.parametrize("backbone", ["tvnet", "perimidformer"])
def test_trains_and_scores_every_test_sample(toy_root, tmp_path, backbone):
    # Neither backbone handles missing values: the padded steps must still be accepted.
    assert not tsfm.get_spec(backbone).capabilities.handles_missing
    train = load_uea(NAME, "train", root=toy_root)
    test = load_uea(NAME, "test", root=toy_root)
    assert len(set(train.lengths.tolist())) > 1  # variable lengths: padding happens
    row = run_classification_experiment(backbone, NAME, _training(tmp_path, backbone),
                                        backbone_kwargs=_tiny(backbone), data_root=toy_root)
    assert ROW_KEYS <= set(row)
    assert 0.0 <= row["accuracy"] <= 1.0
    assert row["test_size"] == len(test) == int(np.sum(row["confusion"]))
    assert row["train_size"] + row["val_size"] == len(train)
    assert row["val_size"] == 6  # 20% of 8 per class, rounded: 2 of each of 3 classes
    assert row["context_length"] == 20 == int(test.lengths.max()) > int(train.lengths.max())
    assert (row["classes"], row["channels"], row["epochs_run"]) == (3, 2, 3)
    assert row["parameters"] > 0


def test_test_split_never_trains_or_selects(toy_root, tmp_path):
    """Changing every TEST label and value (same lengths) changes nothing about training:
    identical weights (and fitted periods), validation losses and epochs; only the
    accuracy may differ."""
    train = load_uea(NAME, "train", root=toy_root, require_all_classes=True)
    test = load_uea(NAME, "test", root=toy_root)
    rng = np.random.default_rng(5)
    scrambled = dataclasses.replace(
        test,
        values=np.where(np.isnan(test.values), np.nan, rng.normal(size=test.values.shape) * 50).astype(np.float32),
        labels=(test.labels + 1) % 3,
    )
    # Negative control: a change to TRAIN does change the weights.
    relabelled = dataclasses.replace(train, labels=np.roll(train.labels, 1))
    rows = []
    for tag, pair in (("orig", (train, test)), ("scrambled", (train, scrambled)), ("control", (relabelled, test))):
        rows.append(run_classification_experiment(
            "perimidformer", pair, _training(tmp_path, tag, epochs=3, patience=2),
            backbone_kwargs=_tiny("perimidformer"), save_to=tmp_path / f"model-{tag}"))
    first = load_file(str(tmp_path / "model-orig" / "model.safetensors"))
    second = load_file(str(tmp_path / "model-scrambled" / "model.safetensors"))
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)
    assert rows[0]["best_val_loss"] == rows[1]["best_val_loss"]
    assert rows[0]["epochs_run"] == rows[1]["epochs_run"]
    assert rows[0]["val_accuracy"] == rows[1]["val_accuracy"]
    control = load_file(str(tmp_path / "model-control" / "model.safetensors"))
    assert any(not np.array_equal(first[key], control[key]) for key in first)


def test_feature_baselines_share_the_row_keys(toy_root):
    for method in ("ridge", "1nn"):
        row = run_feature_baseline(NAME, method, data_root=toy_root)
        assert ROW_KEYS <= set(row)
        assert row["backbone"] == f"features-{method}"
        assert 0.0 <= row["accuracy"] <= 1.0
        assert row["test_size"] == int(np.sum(row["confusion"])) == 13
        assert row["val_size"] == 0 and row["train_size"] == 24
    with pytest.raises(InputValidationError, match="method"):
        run_feature_baseline(NAME, "svm", data_root=toy_root)


def test_stratified_holdout_is_seeded_and_keeps_every_class():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 1)
    fit, val = stratified_holdout(labels, 0.2, seed=3)
    assert np.array_equal(np.sort(np.concatenate([fit, val])), np.arange(len(labels)))
    assert np.bincount(labels[val], minlength=3).tolist() == [2, 1, 0]  # the singleton stays in training
    assert set(labels[fit]) == {0, 1, 2}
    again = stratified_holdout(labels, 0.2, seed=3)
    assert np.array_equal(again[1], val)
    assert not np.array_equal(stratified_holdout(labels, 0.2, seed=4)[1], val)
    assert len(stratified_holdout(labels, 0.0, seed=3)[1]) == 0
    with pytest.raises(InputValidationError, match="val_fraction"):
        stratified_holdout(labels, 1.0, seed=0)
    with pytest.raises(InputValidationError, match="holds out no sample"):
        stratified_holdout(np.array([0, 1]), 0.2, seed=0)


def test_statistics_and_prepare_series_ignore_padding():
    values = np.full((2, 4, 1), np.nan, dtype=np.float32)
    values[0, :2, 0] = [1.0, 3.0]
    values[1, :4, 0] = [5.0, 5.0, 99.0, 99.0]  # the last two lie beyond length 2: padding
    lengths = np.array([2, 2])
    mean, std = channel_statistics(values, lengths)
    assert mean.tolist() == pytest.approx([3.5]) and std.tolist() == pytest.approx([np.sqrt(2.75)])
    assert concatenated_series(values, lengths)[:, 0].tolist() == [1.0, 3.0, 5.0, 5.0]
    flat = np.ones((1, 3, 1), dtype=np.float32)
    assert channel_statistics(flat, np.array([3]))[1].tolist() == [1.0]  # constant channel: std 1


def _pair(toy_root):
    return load_uea(NAME, "train", root=toy_root), load_uea(NAME, "test", root=toy_root)


def test_bad_inputs_give_clear_errors(toy_root, tmp_path):
    train, test = _pair(toy_root)
    run = lambda pair, **kw: run_classification_experiment(  # noqa: E731
        "tvnet", pair, _training(tmp_path, "bad"), backbone_kwargs=_tiny("tvnet"), **kw)
    with pytest.raises(InputValidationError, match=r"TRAIN: labels must be \[N\] with N = 24"):
        run((dataclasses.replace(train, labels=train.labels[:-1]), test))
    with pytest.raises(InputValidationError, match=r"TEST: labels must be \[N\] with N = 13"):
        run((train, dataclasses.replace(test, labels=np.append(test.labels, 0))))
    with pytest.raises(InputValidationError, match=r"outside range\(3\)"):
        run((dataclasses.replace(train, labels=train.labels + 1), test))
    no_c = train.labels != 2
    with pytest.raises(InputValidationError, match=r"class\(es\) \['c'\] have no TRAIN sample"):
        run((dataclasses.replace(train, values=train.values[no_c], lengths=train.lengths[no_c],
                                 labels=train.labels[no_c]), test))
    with pytest.raises(InputValidationError, match="different classes"):
        run((train, dataclasses.replace(test, class_names=["a", "b", "d"])))
    with pytest.raises(InputValidationError, match="channel"):
        run((train, dataclasses.replace(test, values=test.values[:, :, :1])))
    with pytest.raises(InputValidationError, match="pair"):
        run(42)
    with pytest.raises(InputValidationError, match="val_fraction"):
        run((train, test), val_fraction=1.5)


def test_files_with_an_empty_or_undeclared_class_are_refused(tmp_path):
    folder = tmp_path / "UEA" / NAME
    folder.mkdir(parents=True)
    # TRAIN declares class "c" but has no sample of it.
    (folder / f"{NAME}_TRAIN.ts").write_text(_ts_text(_samples(4, (12, 14), 0, labels=("a", "b"))), encoding="utf-8")
    (folder / f"{NAME}_TEST.ts").write_text(_ts_text(_samples(2, (12, 14), 1)), encoding="utf-8")
    for call in (lambda: run_feature_baseline(NAME, "ridge", data_root=tmp_path),
                 lambda: run_classification_experiment("tvnet", NAME, _training(tmp_path, "empty"),
                                                       backbone_kwargs=_tiny("tvnet"), data_root=tmp_path)):
        with pytest.raises(DataFormatError, match=r"\['c'\] have no sample"):
            call()
    # TEST uses a label the header does not declare.
    (folder / f"{NAME}_TRAIN.ts").write_text(_ts_text(_samples(4, (12, 14), 0)), encoding="utf-8")
    (folder / f"{NAME}_TEST.ts").write_text(_ts_text(_samples(1, (12, 14), 1), classes=("a", "b")),
                                            encoding="utf-8")
    with pytest.raises(DataFormatError, match="not declared"):
        run_feature_baseline(NAME, "1nn", data_root=tmp_path)


def test_missing_data_set_names_the_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="Nope_TRAIN.ts"):
        run_feature_baseline("Nope", "ridge", data_root=tmp_path)
