"""Classification (TimesNet protocol, UEA archive) with an honest model selection.

Protocol:

- TRAIN and TEST come from the `.ts` files (`tsfm.data.load_uea`). Every series is
  right-padded to L = the longest series over TRAIN *and* TEST, so no test series is
  truncated (JapaneseVowels: TRAIN reaches 26 steps, TEST 29). Padded steps reach the model
  as zeros with `past_observed_mask` False.
- The official TimesNet / Peri-midFormer code uses the TEST split as its validation set,
  so early stopping (and the checkpoint it keeps) looks at test accuracy. Here a stratified,
  seeded `val_fraction` of TRAIN is held out for early stopping instead (the Trainer
  validates non-forecast tasks on the model's own loss, cross-entropy); the model trains on
  the rest and TEST is scored once, after training, over every test sample.
- Values are not instance-normalised for classification (the core uses an identity scale,
  as the official code does). Each channel is standardised with the mean and standard
  deviation of the *training part* (observed entries only; the held-out validation series
  and TEST do not enter the statistics); a constant channel is divided by 1.
- Backbones with data-derived buffers (`model.needs_preparation`, e.g. Peri-midFormer's
  periods) are prepared from the training part: its series concatenated along time
  (observed steps only, standardised), [T, C].

`run_feature_baseline` scores the non-learned `FeatureClassifier` floor (ridge / 1-NN on
hand-made series features), fitted on all of TRAIN, on the same TEST split.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader

from .. import create_model
from ..data import ClassificationDataset, StandardScaler, TSClassificationData, load_uea
from ..errors import InputValidationError
from ..evaluation.task_baselines import FeatureClassifier
from ..evaluation.task_metrics import accuracy
from ..training import Trainer, TrainingConfig

FEATURE_METHODS = ("ridge", "1nn")

# --------------------------------------------------------------------------- data
def _check_split(data: TSClassificationData, split: str) -> None:
    """Shapes and labels of one split, with messages naming the split."""
    values = np.asarray(data.values)
    lengths = np.asarray(data.lengths)
    labels = np.asarray(data.labels)
    where = f"{data.name} {split}"
    if values.ndim != 3:
        raise InputValidationError(f"{where}: values must be [N, L, C], got shape {values.shape}")
    n = values.shape[0]
    if n == 0:
        raise InputValidationError(f"{where}: no samples")
    if labels.ndim != 1 or len(labels) != n:
        raise InputValidationError(
            f"{where}: labels must be [N] with N = {n} samples, got shape {labels.shape}"
        )
    if lengths.ndim != 1 or len(lengths) != n:
        raise InputValidationError(
            f"{where}: lengths must be [N] with N = {n} samples, got shape {lengths.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise InputValidationError(f"{where}: labels must be integer class indices, got dtype {labels.dtype}")
    bad = labels[(labels < 0) | (labels >= data.num_classes)]
    if bad.size:
        raise InputValidationError(
            f"{where}: labels {np.unique(bad)[:10].tolist()} outside range({data.num_classes}) "
            f"(classes {data.class_names})"
        )
    if (lengths < 1).any() or (lengths > values.shape[1]).any():
        raise InputValidationError(f"{where}: lengths must lie in [1, {values.shape[1]}]")
    if np.isinf(values).any():
        raise InputValidationError(f"{where}: values contain inf")


def load_classification_pair(
    dataset: Any, data_root: Any = None
) -> tuple[TSClassificationData, TSClassificationData]:
    """(TRAIN, TEST) for a UEA name or an explicit pair, checked for consistency.

    TRAIN must hold every declared class; TEST may lack some. Both must declare the same
    classes in the same order and have the same channels."""
    if isinstance(dataset, str):
        train = load_uea(dataset, "train", root=data_root, require_all_classes=True)
        test = load_uea(dataset, "test", root=data_root)
    else:
        try:
            train, test = dataset
        except (TypeError, ValueError):
            raise InputValidationError(
                "dataset must be a UEA name or a (train, test) pair of TSClassificationData"
            ) from None
    for data, split in ((train, "TRAIN"), (test, "TEST")):
        if not isinstance(data, TSClassificationData):
            raise InputValidationError(f"{split} must be a TSClassificationData, got {type(data).__name__}")
        _check_split(data, split)
    if list(train.class_names) != list(test.class_names):
        raise InputValidationError(
            f"{train.name}: TRAIN and TEST declare different classes: {train.class_names} vs {test.class_names}"
        )
    if train.num_classes < 2:
        raise InputValidationError(f"{train.name}: classification needs >= 2 classes, got {train.class_names}")
    if train.num_channels != test.num_channels:
        raise InputValidationError(
            f"{train.name}: TRAIN has {train.num_channels} channel(s), TEST {test.num_channels}"
        )
    counts = np.bincount(train.labels, minlength=train.num_classes)
    empty = [train.class_names[i] for i in np.flatnonzero(counts == 0)]
    if empty:
        raise InputValidationError(f"{train.name}: class(es) {empty} have no TRAIN sample")
    return train, test


def stratified_holdout(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, val indices): about `fraction` of each class, drawn with
    `np.random.default_rng(seed)`, held out; every class keeps at least one training
    sample (a class with a single sample has none held out). Indices are sorted."""
    labels = np.asarray(labels)
    if not 0.0 <= fraction < 1.0:
        raise InputValidationError(f"val_fraction must lie in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_val = min(int(round(fraction * len(members))), len(members) - 1)
        val_idx.append(members[:n_val])
        train_idx.append(members[n_val:])
    train = np.sort(np.concatenate(train_idx))
    val = np.sort(np.concatenate(val_idx)) if val_idx else np.zeros(0, dtype=np.int64)
    if fraction > 0 and len(val) == 0:
        raise InputValidationError(
            f"val_fraction {fraction} holds out no sample ({len(labels)} training samples); "
            "raise it or pass val_fraction=0 (no early stopping)"
        )
    return train, val.astype(np.int64)


def channel_statistics(values: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std [C] over the observed entries (within each series' length,
    non-NaN): the data stage's `StandardScaler` fitted on the series laid end to end (a
    channel without spread gets std 1)."""
    scaler = StandardScaler.fit(concatenated_series(np.asarray(values, dtype=np.float64), lengths))
    return scaler.mean, scaler.std


def concatenated_series(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The series' observed steps (the first `length` of each) one after another: [T, C]."""
    return np.concatenate([values[i, : int(n)] for i, n in enumerate(lengths)], axis=0)


# --------------------------------------------------------------------------- scoring
@torch.no_grad()
def predict_classes(model: Any, dataset: ClassificationDataset, batch_size: int = 256) -> np.ndarray:
    """argmax of the logits for every sample of `dataset`, in order: [N] int64."""
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    out = []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        batch = {k: v.to(device) for k, v in batch.items() if k != "labels"}
        out.append(model(batch).prediction.argmax(dim=-1).cpu().numpy())
    model.train(was_training)
    return np.concatenate(out).astype(np.int64)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> list[list[int]]:
    """counts[true][predicted] as nested lists (JSON-able)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix.tolist()


# --------------------------------------------------------------------------- experiments
def run_classification_experiment(
    backbone: str,
    dataset_name: Any,
    training: TrainingConfig,
    *,
    backbone_kwargs: Mapping[str, Any] | None = None,
    val_fraction: float = 0.2,
    data_root: Any = None,
    save_to: Any = None,
) -> dict[str, Any]:
    """Train `backbone` (a name or "name/preset") to classify a UEA data set; test accuracy.

    dataset_name: a UEA name (files `<root>/UEA/<name>/<name>_TRAIN.ts` / `_TEST.ts`) or a
        (TRAIN, TEST) pair of `TSClassificationData`.
    training: the TrainingConfig; its `seed` also draws the validation hold-out.
    val_fraction: stratified share of TRAIN held out for early stopping (0 = none; the
        last weights are kept). TEST never enters training, scaling or model selection.
    save_to: optional folder for the trained model (`save_pretrained`).
    Returns one JSON-able row (accuracy over every test sample, sizes, timings, the
    test confusion matrix counts[true][predicted]).
    """
    started = time.time()
    train, test = load_classification_pair(dataset_name, data_root)
    name = train.name
    context_length = int(max(train.lengths.max(), test.lengths.max()))
    fit_idx, val_idx = stratified_holdout(train.labels, val_fraction, training.seed)

    mean, std = channel_statistics(train.values[fit_idx], train.lengths[fit_idx])

    def scaled(values: np.ndarray) -> np.ndarray:
        return ((values - mean) / std).astype(np.float32)  # NaN (padding) stays NaN

    train_values = scaled(train.values)
    train_ds = ClassificationDataset(train_values[fit_idx], train.lengths[fit_idx], train.labels[fit_idx],
                                     max_length=context_length)
    val_ds = (
        ClassificationDataset(train_values[val_idx], train.lengths[val_idx], train.labels[val_idx],
                              max_length=context_length)
        if len(val_idx)
        else None
    )
    test_ds = ClassificationDataset(scaled(test.values), test.lengths, test.labels, max_length=context_length)

    torch.manual_seed(training.seed)
    model = create_model(
        backbone,
        task="classification",
        context_length=context_length,
        prediction_length=1,
        num_channels=train.num_channels,
        num_classes=train.num_classes,
        **dict(backbone_kwargs or {}),
    )
    prepare_values = None
    if model.needs_preparation:
        prepare_values = concatenated_series(train_values[fit_idx], train.lengths[fit_idx])
        if len(prepare_values) < context_length:
            raise InputValidationError(
                f"{name}: the training series concatenated give {len(prepare_values)} steps, fewer than "
                f"the context length {context_length} that {backbone!r} fits its buffers on"
            )
    trainer = Trainer(training)
    result = trainer.fit(model, train_ds, val_ds, prepare_values=prepare_values)
    model = trainer.accelerator.unwrap_model(model) if trainer.accelerator is not None else model

    predicted = predict_classes(model, test_ds, batch_size=training.eval_batch_size)
    if len(predicted) != len(test):
        raise RuntimeError(f"scored {len(predicted)} of {len(test)} test samples")
    val_accuracy = (
        accuracy(train.labels[val_idx], predict_classes(model, val_ds, batch_size=training.eval_batch_size))
        if val_ds is not None
        else None
    )
    row = {
        "backbone": backbone,
        "dataset": name,
        "accuracy": accuracy(test.labels, predicted),
        "val_accuracy": val_accuracy,
        "best_val_loss": result.best_val_loss,
        "classes": train.num_classes,
        "train_size": int(len(fit_idx)),
        "val_size": int(len(val_idx)),
        "test_size": int(len(test)),
        "context_length": context_length,
        "channels": train.num_channels,
        "epochs_run": result.epochs_run,
        "stopped_early": result.stopped_early,
        "steps": result.global_step,
        "seconds": round(time.time() - started, 1),
        "seed": training.seed,
        "parameters": model.num_parameters(),
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
        "backbone_kwargs": dict(backbone_kwargs or {}),
        "confusion": confusion_matrix(test.labels, predicted, train.num_classes),
        "class_names": list(train.class_names),
    }
    if save_to is not None:
        model.card_data.update(
            training_data=(f"{name} TRAIN: {len(fit_idx)} series trained on, {len(val_idx)} held out "
                           "(stratified) for early stopping; channels standardised with training-part statistics"),
            metrics={f"{name} test accuracy": row["accuracy"], "test samples": len(test)},
        )
        model.save_pretrained(save_to)
        row["checkpoint"] = str(save_to)
    return row


def run_feature_baseline(dataset_name: Any, method: str, *, data_root: Any = None) -> dict[str, Any]:
    """The non-learned floor: `FeatureClassifier(method)` fitted on all of TRAIN (NaN-padded
    series; it standardises its own features with TRAIN statistics), accuracy on TEST."""
    if method not in FEATURE_METHODS:
        raise InputValidationError(f"method must be one of {FEATURE_METHODS}, got {method!r}")
    started = time.time()
    train, test = load_classification_pair(dataset_name, data_root)
    context_length = int(max(train.lengths.max(), test.lengths.max()))
    classifier = FeatureClassifier(method, num_classes=train.num_classes)
    classifier.fit(train.values, train.labels)
    predicted = classifier.predict(test.values)
    parameters = int(classifier._weights.size + classifier._intercept.size) if method == "ridge" else 0
    return {
        "backbone": f"features-{method}",
        "dataset": train.name,
        "accuracy": accuracy(test.labels, predicted),
        "val_accuracy": None,
        "best_val_loss": None,
        "classes": train.num_classes,
        "train_size": int(len(train)),
        "val_size": 0,
        "test_size": int(len(test)),
        "context_length": context_length,
        "channels": train.num_channels,
        "epochs_run": None,
        "stopped_early": None,
        "steps": None,
        "seconds": round(time.time() - started, 1),
        "seed": None,
        "parameters": parameters,
        "learning_rate": None,
        "batch_size": None,
        "backbone_kwargs": {},
        "confusion": confusion_matrix(test.labels, predicted, train.num_classes),
        "class_names": list(train.class_names),
    }


__all__ = [
    "FEATURE_METHODS",
    "channel_statistics",
    "concatenated_series",
    "confusion_matrix",
    "load_classification_pair",
    "predict_classes",
    "run_classification_experiment",
    "run_feature_baseline",
    "stratified_holdout",
]
