"""Learning-rate schedules of the papers (Time-Series-Library conventions) plus
step-based warmup/cosine for pretraining. Each is a pure function of (epoch, step),
so a resumed run needs no scheduler state."""

from __future__ import annotations

import math

SCHEDULES = ("type1", "type2", "type3", "constant", "cosine", "warmup_cosine")

# TSLib "type2": fixed rates from the given epoch (1-based) on.
_TYPE2 = {2: 5e-5, 4: 1e-5, 6: 5e-6, 8: 1e-6, 10: 5e-7, 15: 1e-7, 20: 5e-8}


def learning_rate(
    schedule: str,
    base_lr: float,
    epoch: int,
    step: int = 0,
    total_epochs: int = 1,
    total_steps: int = 1,
    warmup_steps: int = 0,
) -> float:
    """Learning rate for 0-based `epoch` (and global `step` for step-based schedules).

    type1: TSLib calls adjust_learning_rate(epoch + 1) after each epoch with
        lr0 * 0.5 ** ((epoch - 1) // 1); so epochs 0 and 1 run at lr0, then it halves.
    type3: lr0 for the first 3 epochs, then x0.9 per epoch.
    cosine: per-epoch cosine from lr0 to 0 over total_epochs (TSLib "cosine").
    warmup_cosine: per-step linear warmup then cosine to 0 (pretraining).
    """
    if schedule == "constant":
        return base_lr
    if schedule == "type1":
        return base_lr * 0.5 ** max(epoch - 1, 0)
    if schedule == "type2":
        rate = base_lr
        for start, value in sorted(_TYPE2.items()):
            if epoch + 1 >= start:
                rate = value
        return rate
    if schedule == "type3":
        return base_lr if epoch < 3 else base_lr * 0.9 ** (epoch - 2)
    if schedule == "cosine":
        return base_lr / 2 * (1 + math.cos(epoch / max(total_epochs, 1) * math.pi))
    if schedule == "warmup_cosine":
        if step < warmup_steps:
            return base_lr * (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
        return base_lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    raise ValueError(f"unknown lr schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
