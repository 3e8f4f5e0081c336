"""A PNG gallery: examples of every behaviour, and every augmentation before/after."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from .augment import AUGMENTATIONS
from .config import BEHAVIOURS, AugmentConfig, RealTSConfig, check_count
from .generator import generate_batch

_AUGMENT_PROBABILITY = {
    "replication": "replication_p", "smoothing": "smoothing_p", "detrend": "detrend_p",
    "level_shift": "level_shift_p", "spikes": "spike_p", "variance_change": "variance_change_p",
    "reversal": "reversal_p", "negation": "negation_p",
}
_AUGMENT_BASE = {"replication": "pwb", "smoothing": "rwb", "detrend": "twdb"}  # shows each best


def _only_augmentation(name: str, base: AugmentConfig) -> AugmentConfig:
    zeros = {field: 0.0 for field in _AUGMENT_PROBABILITY.values()}
    zeros[_AUGMENT_PROBABILITY[name]] = 1.0
    return dataclasses.replace(base, **zeros)


def write_preview(out: str | os.PathLike[str], *, length: int = 1232, seed: int = 0, examples: int = 4,
                  config: RealTSConfig | None = None, dpi: int = 80) -> Path:
    """One row per behaviour (noise on, augmentations off) and one row per augmentation
    (grey: before, colour: after). Series i of row r is index r * 1000 + i of `seed`."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    config = RealTSConfig() if config is None else config
    check_count("examples", examples)
    config.check_length(length)
    rows = len(BEHAVIOURS) + len(AUGMENTATIONS)
    fig, axes = plt.subplots(rows, examples, figsize=(3.6 * examples, 1.5 * rows), squeeze=False)
    t = np.arange(length)
    for r, name in enumerate(BEHAVIOURS):
        batch = generate_batch(r * 1000, examples, length, seed, config.only(name, augmentations=False))
        for c in range(examples):
            axes[r, c].plot(t, batch.values[c], lw=0.7, color=f"C{r}")
        axes[r, 0].set_ylabel(name, fontsize=11, fontweight="bold")
    for a, name in enumerate(AUGMENTATIONS):
        r = len(BEHAVIOURS) + a
        base = config.only(_AUGMENT_BASE.get(name, "pwb"), augmentations=False)
        after_cfg = dataclasses.replace(base, augmentations=True, augment=_only_augmentation(name, config.augment))
        before = generate_batch(r * 1000, examples, length, seed, base).values
        after = generate_batch(r * 1000, examples, length, seed, after_cfg).values
        for c in range(examples):
            axes[r, c].plot(t, before[c], lw=0.6, color="0.7")
            axes[r, c].plot(t, after[c], lw=0.7, color="C3")
        axes[r, 0].set_ylabel(f"+{name}", fontsize=10, fontweight="bold")
    for ax in axes.ravel():
        ax.tick_params(labelsize=7)
        ax.margins(x=0)
    fig.suptitle(f"RealTS preview: one row per behaviour, then per augmentation (grey = before); "
                 f"length {length}, seed {seed}", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
