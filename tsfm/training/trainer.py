"""One Accelerate training loop for supervised training, fine-tuning and pretraining.

Works under plain `python`, `accelerate launch` (CPU processes or GPUs). The data order
is a pure function of (seed, epoch), the learning rate a pure function of (epoch, step),
and `accelerator.save_state` stores weights, optimiser and RNG states, so a run resumed
from a saved state continues exactly as an uninterrupted one would.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, Sampler

from ..model import TSModel
from .schedules import SCHEDULES, learning_rate

STATE_DIR = "state"
BEST_DIR = "best"
LOG_NAME = "log.jsonl"
TRAINER_STATE = "trainer_state.json"


@dataclass
class TrainingConfig:
    """Training hyperparameters. Defaults follow the papers' shared protocol
    (Adam, batch 32, type1 schedule, early stopping with patience 3, <= 10 epochs)."""

    output_dir: str = "runs/train"
    epochs: int = 10
    # Optimiser steps per epoch for streaming (iterable) data; map-style data uses one pass.
    steps_per_epoch: int | None = None
    # Stop after this many optimiser steps in total (a state is saved there).
    max_steps: int | None = None
    batch_size: int = 32
    eval_batch_size: int = 256
    learning_rate: float = 1e-4
    weight_decay: float = 0.0
    lr_schedule: str = "type1"
    warmup_steps: int = 0
    # Early stopping on validation loss; 0 disables it (the last weights are kept).
    patience: int = 3
    grad_clip: float | None = None
    gradient_accumulation_steps: int = 1
    seed: int = 2021
    num_workers: int = 0
    # Save a resumable state every N optimiser steps (and always at epoch ends).
    checkpoint_every: int | None = None
    resume: bool = True
    log_every: int = 50
    mixed_precision: str = "no"
    progress: bool = True
    # Fraction of training windows used (fine-tuning protocol: 0.1 = first 10%).
    data_fraction: float = 1.0

    def __post_init__(self) -> None:
        if self.lr_schedule not in SCHEDULES:
            raise ValueError(f"unknown lr_schedule {self.lr_schedule!r}; known: {', '.join(SCHEDULES)}")
        for name in ("epochs", "batch_size", "eval_batch_size", "gradient_accumulation_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0.0 < self.data_fraction <= 1.0:
            raise ValueError(f"data_fraction must lie in (0, 1], got {self.data_fraction}")


@dataclass
class TrainResult:
    epochs_run: int
    global_step: int
    best_val_loss: float | None
    stopped_early: bool
    history: list[dict[str, Any]] = field(default_factory=list)
    output_dir: str = ""


class EpochPermutationSampler(Sampler[int]):
    """Shuffles with a permutation that is a pure function of (seed, epoch)."""

    def __init__(self, length: int, seed: int) -> None:
        self.length = length
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        return iter(rng.permutation(self.length).tolist())

    def __len__(self) -> int:
        return self.length


class Trainer:
    """`Trainer(config).fit(model, train_data, val_data)`.

    train_data: a map-style dataset of batch dicts (shuffled per epoch) or an
        IterableDataset (a stream; `steps_per_epoch` batches make an epoch; if it has
        `set_epoch`, it is called each epoch so every epoch sees fresh series).
    val_data: optional map-style dataset; its loss drives early stopping.
    prepare_values: the training split [T, C] for backbones with data-derived buffers.
    callbacks: called as cb(trainer, event, info) on "step" and "epoch_end".
    validation_score: (model, val_loader, accelerator) -> float, lower is better; the default
        is MSE for forecasting and the model's own loss for the other tasks.
    """

    def __init__(self, config: TrainingConfig, callbacks: Iterable[Callable[..., None]] = (),
                 validation_score: Callable[[Any, DataLoader, Any], float] | None = None) -> None:
        self.config = config
        self.callbacks = list(callbacks)
        self.validation_score = validation_score
        self.accelerator = None

    # ------------------------------------------------------------------ public
    def fit(
        self,
        model: TSModel,
        train_data: Dataset,
        val_data: Dataset | None = None,
        prepare_values: np.ndarray | None = None,
    ) -> TrainResult:
        from accelerate import Accelerator
        from accelerate.utils import set_seed

        cfg = self.config
        out = Path(cfg.output_dir)
        accelerator = Accelerator(
            mixed_precision=cfg.mixed_precision,
            gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        )
        self.accelerator = accelerator
        set_seed(cfg.seed)
        if accelerator.is_main_process:
            out.mkdir(parents=True, exist_ok=True)
        accelerator.wait_for_everyone()

        if model.needs_preparation:
            if prepare_values is None:
                raise ValueError(
                    f"backbone {model.spec.name!r} fits buffers from the training split: "
                    "pass prepare_values (the train split, [T, C])"
                )
            model.prepare(prepare_values)

        streaming = isinstance(train_data, IterableDataset)
        if streaming and not cfg.steps_per_epoch:
            raise ValueError("streaming (iterable) training data needs steps_per_epoch")
        if not streaming and cfg.data_fraction < 1.0:
            keep = max(1, int(len(train_data) * cfg.data_fraction))
            train_data = torch.utils.data.Subset(train_data, range(keep))
        sampler = None if streaming else EpochPermutationSampler(len(train_data), cfg.seed)
        train_loader = DataLoader(
            train_data,
            batch_size=None if streaming and _yields_batches(train_data) else cfg.batch_size,
            sampler=sampler,
            num_workers=cfg.num_workers,
            drop_last=False,
            # A loader-owned generator: creating an iterator must not draw from the global
            # RNG, or a resumed run (which creates one more iterator) would shift dropout.
            generator=torch.Generator().manual_seed(cfg.seed),
        )
        val_loader = (
            DataLoader(val_data, batch_size=cfg.eval_batch_size, shuffle=False, num_workers=cfg.num_workers)
            if val_data is not None
            else None
        )

        trainable = model.capabilities.trainable and any(p.requires_grad for p in model.parameters())
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = (
            torch.optim.Adam(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
            if trainable
            else None
        )
        if optimizer is not None:
            model, optimizer, train_loader = accelerator.prepare(model, optimizer, train_loader)
        else:
            model, train_loader = accelerator.prepare(model, train_loader)
        if val_loader is not None:
            val_loader = accelerator.prepare(val_loader)

        state = _TrainerState()
        state_dir = out / STATE_DIR
        if cfg.resume and (state_dir / TRAINER_STATE).is_file():
            accelerator.load_state(str(state_dir))
            state = _TrainerState.load(state_dir / TRAINER_STATE)
            accelerator.print(
                f"resumed from {state_dir}: epoch {state.epoch}, step {state.global_step}"
            )

        steps_per_epoch = cfg.steps_per_epoch or math.ceil(len(train_loader) / cfg.gradient_accumulation_steps)
        total_steps = cfg.max_steps or steps_per_epoch * cfg.epochs
        log_path = out / LOG_NAME
        if state.global_step == 0 and accelerator.is_main_process:
            # A run that starts from step 0 starts its own log; only a resumed run continues one.
            log_path.unlink(missing_ok=True)
        result = TrainResult(0, state.global_step, state.best_val, False, state.history, str(out))
        unwrapped = accelerator.unwrap_model(model)

        if not trainable:
            if val_loader is not None:
                state.best_val = self._validate(model, val_loader)
            self._save_best(unwrapped, state)
            result.best_val_loss = state.best_val
            return result

        from tqdm.auto import tqdm

        progress = tqdm(
            total=total_steps,
            initial=state.global_step,
            disable=not (cfg.progress and accelerator.is_local_main_process),
            desc="train",
            dynamic_ncols=True,
        )
        stop = state.stopped
        epoch = state.epoch
        while not stop and epoch < cfg.epochs:
            lr = learning_rate(cfg.lr_schedule, cfg.learning_rate, epoch, state.global_step,
                               cfg.epochs, total_steps, cfg.warmup_steps)
            _set_lr(optimizer, lr)
            if sampler is not None:
                sampler.set_epoch(epoch)
            # Fresh series (streams) or fresh random masks (imputation) every epoch.
            epoch_aware = getattr(train_data, "dataset", train_data)  # through a data_fraction Subset
            if hasattr(epoch_aware, "set_epoch"):
                epoch_aware.set_epoch(epoch)
            model.train()
            loader = train_loader
            if state.batches_in_epoch:
                loader = accelerator.skip_first_batches(train_loader, state.batches_in_epoch)
            if hasattr(loader, "set_epoch"):
                # Accelerate's loaders set the sampler's epoch from their own iteration
                # counter; pin it to ours so a resumed run sees the same order.
                loader.set_epoch(epoch)
            epoch_loss, epoch_batches, started = 0.0, 0, time.time()
            for batch in loader:
                with accelerator.accumulate(model):
                    output = model(batch)
                    loss = output.loss
                    if not torch.isfinite(loss):
                        raise FloatingPointError(
                            f"non-finite training loss {loss.item()} at step {state.global_step}"
                        )
                    accelerator.backward(loss)
                    if cfg.grad_clip and accelerator.sync_gradients:
                        accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                state.batches_in_epoch += 1
                epoch_loss += loss.item()
                epoch_batches += 1
                if not accelerator.sync_gradients:
                    continue
                state.global_step += 1
                progress.update(1)
                if cfg.lr_schedule == "warmup_cosine":
                    _set_lr(optimizer, learning_rate(cfg.lr_schedule, cfg.learning_rate, epoch,
                                                     state.global_step, cfg.epochs, total_steps,
                                                     cfg.warmup_steps))
                if state.global_step % cfg.log_every == 0:
                    progress.set_postfix(loss=f"{loss.item():.4f}")
                    self._log(log_path, {"event": "step", "epoch": epoch, "step": state.global_step,
                                         "loss": loss.item(), "lr": _get_lr(optimizer)})
                reached_max = cfg.max_steps is not None and state.global_step >= cfg.max_steps
                if cfg.checkpoint_every and state.global_step % cfg.checkpoint_every == 0 or reached_max:
                    self._save_state(state_dir, state)
                self._notify("step", {"step": state.global_step, "loss": loss.item()})
                if reached_max:
                    stop = True
                    break
                if streaming and state.batches_in_epoch >= steps_per_epoch * cfg.gradient_accumulation_steps:
                    break
            if stop and state.batches_in_epoch < len_or_inf(train_loader) and not streaming:
                break  # max_steps reached mid-epoch; the state saved above resumes here
            # ---- end of epoch: validate, early stopping, checkpoint
            train_loss = _mean_across(accelerator, epoch_loss, epoch_batches)
            record: dict[str, Any] = {"event": "epoch", "epoch": epoch, "step": state.global_step,
                                      "train_loss": train_loss, "lr": lr,
                                      "seconds": round(time.time() - started, 2)}
            if val_loader is not None:
                val_loss = self._validate(model, val_loader)
                record["val_loss"] = val_loss
                if state.best_val is None or val_loss < state.best_val:
                    state.best_val = val_loss
                    state.bad_epochs = 0
                    self._save_best(unwrapped, state)
                else:
                    state.bad_epochs += 1
                    if cfg.patience and state.bad_epochs >= cfg.patience:
                        stop = True
                        result.stopped_early = True
                        record["early_stop"] = True
            else:
                self._save_best(unwrapped, state)
            accelerator.print(
                f"epoch {epoch}: train {train_loss:.5f}"
                + (f" val {record['val_loss']:.5f}" if "val_loss" in record else "")
                + f" lr {lr:.2e} ({record['seconds']}s)"
            )
            state.history.append(record)
            self._log(log_path, record)
            epoch += 1
            state.epoch = epoch
            state.batches_in_epoch = 0
            state.stopped = stop
            self._save_state(state_dir, state)
            self._notify("epoch_end", record)
        progress.close()
        accelerator.wait_for_everyone()
        # Restore the best validated weights (the papers test the early-stopping checkpoint).
        if val_loader is not None and (out / BEST_DIR / "model.safetensors").is_file():
            from safetensors.torch import load_file

            unwrapped.load_state_dict(load_file(str(out / BEST_DIR / "model.safetensors")))
        result.epochs_run = epoch
        result.global_step = state.global_step
        result.best_val_loss = state.best_val
        result.history = state.history
        return result

    # ------------------------------------------------------------------ helpers
    @torch.no_grad()
    def _validate(self, model: Any, loader: DataLoader) -> float:
        from ..evaluation.scoring import mean_loss, score_loader

        if self.validation_score is not None:
            return float(self.validation_score(model, loader, self.accelerator))
        # Forecasting validates on MSE; the other tasks on the model's own loss.
        task = self.accelerator.unwrap_model(model).config.task
        if task == "forecast":
            return score_loader(model, loader, self.accelerator)["mse"]
        return mean_loss(model, loader, self.accelerator)

    def _save_best(self, model: TSModel, state: "_TrainerState") -> None:
        accelerator = self.accelerator
        if accelerator.is_main_process:
            model.card_data["training"] = {
                "config": dataclasses.asdict(self.config),
                "best_val_loss": state.best_val,
                "global_step": state.global_step,
            }
            model.save_pretrained(Path(self.config.output_dir) / BEST_DIR)
        accelerator.wait_for_everyone()

    def _save_state(self, state_dir: Path, state: "_TrainerState") -> None:
        accelerator = self.accelerator
        accelerator.save_state(str(state_dir))
        if accelerator.is_main_process:
            state.save(state_dir / TRAINER_STATE)
        accelerator.wait_for_everyone()

    def _log(self, path: Path, record: Mapping[str, Any]) -> None:
        if self.accelerator.is_main_process:
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"time": round(time.time(), 3), **record}) + "\n")

    def _notify(self, event: str, info: Mapping[str, Any]) -> None:
        for callback in self.callbacks:
            callback(self, event, info)


@dataclass
class _TrainerState:
    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_val: float | None = None
    bad_epochs: int = 0
    stopped: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(self), indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "_TrainerState":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _yields_batches(dataset: Any) -> bool:
    """Streams that already yield whole batches (e.g. RealTS batch iterators)."""
    return bool(getattr(dataset, "yields_batches", False))


def len_or_inf(loader: Any) -> float:
    try:
        return len(loader)
    except TypeError:
        return math.inf


def _set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def _get_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _mean_across(accelerator: Any, total: float, count: int) -> float:
    stats = torch.tensor([total, float(count)], device=accelerator.device)
    stats = accelerator.reduce(stats, reduction="sum")
    return float(stats[0] / max(stats[1].item(), 1.0))
