"""Conformance checks every backbone plugin must pass (timm style).

The project's suite (tests/test_conformance.py) parametrises these over every
registered backbone and every task it declares; a third-party plugin can run the same
checks in its own tests:

    from tsfm.testing import CONFORMANCE_CHECKS, conformance_cases
    @pytest.mark.parametrize("case", conformance_cases(["mymodel"]), ids=str)
    @pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.__name__)
    def test_mymodel(case, check, tmp_path): check(case, tmp_path)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import torch

from . import create_model, from_pretrained, get_spec, list_backbones
from .data.calendar import compute_feature
from .errors import InputValidationError
from .model import TSModel

BATCH = 4


@dataclass(frozen=True)
class Case:
    """One backbone and task; `overrides` (key, value) pairs run the checks on a
    non-default configuration (applied after the spec's test_overrides)."""

    backbone: str
    task: str
    overrides: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        extra = "".join(f"-{key}" for key, _ in self.overrides)
        return f"{self.backbone}-{self.task}{extra}"


def conformance_cases(backbones: Iterable[str] | None = None) -> list[Case]:
    names = list(backbones) if backbones is not None else list_backbones()
    return [Case(name, task) for name in names for task in get_spec(name).capabilities.tasks]


def sizes(case: Case) -> dict[str, int]:
    spec = get_spec(case.backbone)
    found = {"context_length": 32, "prediction_length": 8, "num_channels": 3}
    found.update(spec.test_sizes)
    return found


def build(case: Case, seed: int = 0) -> TSModel:
    spec = get_spec(case.backbone)
    torch.manual_seed(seed)
    kwargs = dict(sizes(case))
    if case.task == "classification":
        kwargs["num_classes"] = 3
    model = create_model(case.backbone, task=case.task, **kwargs,
                         **{**dict(spec.test_overrides), **dict(case.overrides)})
    if model.needs_preparation:
        model.prepare(_series(kwargs["num_channels"], 20 * kwargs["context_length"], seed))
    return model


def _series(channels: int, length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length)[:, None]
    periodic = np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, channels)) * rng.uniform(0.5, 2, channels)
    return (periodic + 0.3 * rng.standard_normal((length, channels))).astype(np.float32)


def _timestamps(length: int) -> pd.DatetimeIndex:
    """Hourly timestamps for providers that take them (calendar features)."""
    return pd.date_range("2021-03-01 05:00", periods=length, freq="h")


def make_batch(model: TSModel, seed: int = 1, batch_size: int = BATCH) -> dict[str, torch.Tensor]:
    """A batch of real-looking windows (a noisy sine per channel), with targets."""
    cfg = model.config
    length = cfg.context_length + cfg.prediction_length
    series = np.stack([_series(cfg.num_channels, length + 64, seed + b)[-length:] for b in range(batch_size)])
    values = torch.from_numpy(series)
    batch = {"past_values": values[:, : cfg.context_length].clone()}
    if cfg.task == "forecast":
        batch["future_values"] = values[:, cfg.context_length :].clone()
    elif cfg.task == "classification":
        batch["labels"] = torch.arange(batch_size) % cfg.num_classes
    elif cfg.task == "imputation":
        generator = torch.Generator().manual_seed(seed)
        batch["imputation_mask"] = torch.rand(batch["past_values"].shape, generator=generator) < 0.25
    for provider in model.feature_providers:
        full = np.concatenate([_series(cfg.num_channels, 200, seed + 99 + b)[:, None] for b in range(batch_size)], 1)
        rows = []
        for b in range(batch_size):
            history = np.concatenate([full[:, b], series[b, : cfg.context_length]], axis=0)
            rows.append(compute_feature(provider, history, cfg.context_length, _timestamps(len(history)))[-1])
        batch[provider.name] = torch.as_tensor(np.stack(rows), dtype=torch.float32)
    return batch


def expected_shape(model: TSModel, batch_size: int = BATCH) -> tuple[int, ...]:
    cfg = model.config
    if cfg.task == "forecast":
        return (batch_size, cfg.prediction_length, cfg.num_channels)
    if cfg.task == "classification":
        return (batch_size, cfg.num_classes)
    return (batch_size, cfg.context_length, cfg.num_channels)


# ----------------------------------------------------------------------------- checks
def check_forward_shapes(case: Case, tmp_path: Path) -> None:
    model = build(case).eval()
    with torch.no_grad():
        out = model(make_batch(model))
    assert tuple(out.prediction.shape) == expected_shape(model), (out.prediction.shape, expected_shape(model))
    assert torch.isfinite(out.prediction).all()
    if out.quantiles is not None:
        assert out.quantiles.shape[:3] == out.prediction.shape
        assert out.quantiles.shape[-1] == len(out.quantile_levels)


def check_backward(case: Case, tmp_path: Path) -> None:
    model = build(case).train()
    out = model(make_batch(model))
    assert out.loss is not None and out.loss.dim() == 0, "a batch with targets must give a scalar loss"
    assert torch.isfinite(out.loss)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not model.capabilities.trainable:
        assert not trainable, "a backbone declared trainable=False must have no trainable parameters"
        return
    assert trainable, "a trainable backbone must have parameters"
    out.loss.backward()
    no_grad = [n for n, p in trainable if p.grad is None]
    assert not no_grad, f"parameters that receive no gradient: {no_grad[:10]}"
    bad = [n for n, p in trainable if not torch.isfinite(p.grad).all()]
    assert not bad, f"non-finite gradients: {bad[:10]}"
    assert any(p.grad.abs().sum() > 0 for _, p in trainable), "all gradients are zero"


def check_save_load_roundtrip(case: Case, tmp_path: Path) -> None:
    model = build(case).eval()
    batch = make_batch(model)
    folder = model.save_pretrained(tmp_path / "ckpt")
    assert {p.name for p in folder.iterdir()} >= {"config.json", "model.safetensors", "README.md"}
    loaded = from_pretrained(folder)
    assert loaded.config.backbone == case.backbone and loaded.config.task == case.task
    with torch.no_grad():
        a = model(batch).prediction
        b = loaded(batch).prediction
    assert torch.equal(a, b), f"outputs differ after round trip: max |diff| {float((a - b).abs().max())}"
    for (name, x), (_, y) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(x, y), f"state {name} differs after round trip"


def check_missing_values(case: Case, tmp_path: Path) -> None:
    model = build(case).eval()
    batch = make_batch(model)
    batch["past_values"][0, 2, 0] = float("nan")
    batch["past_values"][1, -1, -1] = float("nan")
    if model.capabilities.handles_missing:
        with torch.no_grad():
            out = model(batch)
        assert torch.isfinite(out.prediction).all(), "NaN in the context must not reach the output"
    else:
        try:
            model(batch)
        except InputValidationError as exc:
            assert "missing" in str(exc)
        else:
            raise AssertionError("a backbone without handles_missing must reject NaN with InputValidationError")


def check_determinism(case: Case, tmp_path: Path) -> None:
    a, b = build(case, seed=3).eval(), build(case, seed=3).eval()
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), f"{name} differs between two builds under one seed"
    batch = make_batch(a)
    with torch.no_grad():
        assert torch.equal(a(batch).prediction, b(batch).prediction)


def check_batch_invariance(case: Case, tmp_path: Path) -> None:
    model = build(case).eval()
    batch = make_batch(model, batch_size=BATCH)
    with torch.no_grad():
        together = model(batch).prediction
        for i in range(BATCH):
            alone = model({k: v[i : i + 1] for k, v in batch.items()}).prediction
            assert torch.allclose(together[i : i + 1], alone, atol=1e-5, rtol=1e-4), (
                f"sample {i}'s output depends on the rest of its batch "
                f"(max |diff| {float((together[i:i+1] - alone).abs().max())})"
            )


def check_bad_input(case: Case, tmp_path: Path) -> None:
    model = build(case).eval()
    batch = make_batch(model)
    wrong = dict(batch)
    wrong["past_values"] = torch.cat([batch["past_values"], batch["past_values"][..., :1]], dim=-1)
    _expect_error(model, wrong, "channel")
    inf = dict(batch)
    inf["past_values"] = batch["past_values"].clone()
    inf["past_values"][0, 0, 0] = float("inf")
    _expect_error(model, inf, "inf")
    if not model.capabilities.variable_context:
        short = dict(batch)
        short["past_values"] = batch["past_values"][:, 1:]
        _expect_error(model, short, "context length")


def _expect_error(model: TSModel, batch: dict, phrase: str) -> None:
    def forward() -> None:
        with torch.no_grad():
            model(batch)

    _expect_raises(forward, phrase)


def _expect_raises(call: Callable[[], Any], phrase: str) -> None:
    """`call` must raise InputValidationError whose message mentions `phrase`."""
    try:
        call()
    except InputValidationError as exc:
        assert phrase in str(exc), f"error should mention {phrase!r}: {exc}"
    else:
        raise AssertionError(f"expected InputValidationError mentioning {phrase!r}")


def check_feature_providers_causal(case: Case, tmp_path: Path) -> None:
    """Data-stage features of a window must not see its target steps."""
    model = build(case)
    cfg = model.config
    for provider in model.feature_providers:
        series = _series(cfg.num_channels, 6 * cfg.context_length, 5)
        stamps = _timestamps(len(series))
        base = compute_feature(provider, series, cfg.context_length, stamps)
        assert base.shape[0] == len(series) - cfg.context_length + 1
        start = 2 * cfg.context_length
        perturbed = series.copy()
        perturbed[start + cfg.context_length :] += 100.0  # the window's targets onwards
        changed = compute_feature(provider, perturbed, cfg.context_length, stamps)
        assert np.array_equal(base[: start + 1], changed[: start + 1]), (
            f"feature {provider.name!r} of a window depends on its target steps"
        )


def check_forecast_api(case: Case, tmp_path: Path) -> None:
    if case.task != "forecast":
        return
    model = build(case).eval()
    cfg = model.config
    series = _series(cfg.num_channels, cfg.context_length + 10, 7)
    history = series if not model.feature_providers else _series(cfg.num_channels, 4 * cfg.context_length, 7)
    context = history[-cfg.context_length :]
    if any(getattr(p, "uses_timestamps", False) for p in model.feature_providers):
        # Timestamps come from a DataFrame's DatetimeIndex; arrays carry none.
        frame = pd.DataFrame(history, index=_timestamps(len(history)))
        out_frame = model.forecast(frame.iloc[-cfg.context_length :], history=frame)
        assert isinstance(out_frame, pd.DataFrame) and out_frame.shape == (cfg.prediction_length, cfg.num_channels)
        assert out_frame.index[0] == frame.index[-1] + pd.Timedelta(hours=1)
        _expect_raises(lambda: model.forecast(context, history=history), "timestamps")
        return
    out = model.forecast(context, history=history if model.feature_providers else None)
    assert isinstance(out, np.ndarray) and out.shape == (cfg.prediction_length, cfg.num_channels)
    tensor_out = model.forecast(torch.from_numpy(context)[None], history=history[None] if model.feature_providers else None)
    assert torch.is_tensor(tensor_out) and tensor_out.shape == (1, cfg.prediction_length, cfg.num_channels)
    np.testing.assert_allclose(tensor_out[0].numpy(), out, rtol=1e-5, atol=1e-5)
    if model.capabilities.probabilistic:
        q = model.forecast_quantiles(context, (0.1, 0.5, 0.9), history=history if model.feature_providers else None)
        assert q.shape == (cfg.prediction_length, cfg.num_channels, 3)
        assert (np.diff(q, axis=-1) >= -1e-5).all(), "quantiles must be non-decreasing in the level"


def check_task_inputs(case: Case, tmp_path: Path) -> None:
    """Classification: padded steps (finite values, observed mask False) are accepted and
    their values never reach the output. Imputation: hidden entries never reach it."""
    model = build(case).eval()
    batch = make_batch(model)
    if case.task == "classification":
        mask = torch.ones_like(batch["past_values"], dtype=torch.bool)
        mask[0, -5:] = False  # sample 0 is 5 steps shorter
        a = dict(batch, past_observed_mask=mask)
        b = dict(a, past_values=torch.where(mask, batch["past_values"], torch.full_like(batch["past_values"], 123.0)))
        with torch.no_grad():
            out_a, out_b = model(a).prediction, model(b).prediction
        assert torch.isfinite(out_a).all()
        assert torch.equal(out_a, out_b), "padded values must not reach a classifier's output"
    elif case.task == "imputation":
        hidden = batch["imputation_mask"]
        b = dict(batch, past_values=torch.where(hidden, torch.full_like(batch["past_values"], 50.0),
                                                batch["past_values"]))
        with torch.no_grad():
            out_a, out_b = model(batch).prediction, model(b).prediction
        assert torch.allclose(out_a, out_b, atol=1e-6), "hidden entries must not reach the imputation"


CONFORMANCE_CHECKS: list[Callable[[Case, Path], None]] = [
    check_forward_shapes,
    check_backward,
    check_save_load_roundtrip,
    check_missing_values,
    check_determinism,
    check_batch_invariance,
    check_bad_input,
    check_feature_providers_causal,
    check_forecast_api,
    check_task_inputs,
]
