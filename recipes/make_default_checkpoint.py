"""Rebuild the embedded default checkpoint (tsfm/assets/default).

Until the ViTime RealTS checkpoint replaces it, the default is the linear baseline
(RLinear, one channel, applied channel by channel) trained on series drawn from the
demo generator with other seeds than the demo series itself.

    python recipes/make_default_checkpoint.py
"""

from __future__ import annotations

import numpy as np
import torch

import tsfm
from tsfm.assets import ASSETS
from tsfm.data import WindowDataset
from tsfm.demo import demo_frame
from tsfm.training import Trainer, TrainingConfig

SEED = 7
CONTEXT, HORIZON = 168, 48


def main() -> None:
    torch.manual_seed(SEED)
    series = [demo_frame(num_rows=3000, num_channels=4, seed=SEED + k).to_numpy(np.float32) for k in range(4)]
    columns = [s[:, c : c + 1] for s in series for c in range(s.shape[1])]
    train = torch.utils.data.ConcatDataset([WindowDataset(c[:2400], CONTEXT, HORIZON, stride=4) for c in columns])
    val = torch.utils.data.ConcatDataset([WindowDataset(c[2400 - CONTEXT:], CONTEXT, HORIZON, stride=8) for c in columns])
    model = tsfm.create_model("linear", context_length=CONTEXT, prediction_length=HORIZON, num_channels=1)
    Trainer(TrainingConfig(output_dir="runs/default-checkpoint", epochs=10, learning_rate=5e-3,
                           seed=SEED, resume=False)).fit(model, train, val)
    model.card_data["training_data"] = (
        f"tsfm.demo.demo_frame synthetic hourly series, seeds {SEED}..{SEED + 3} (the demo itself uses "
        f"seed {tsfm.demo.DEMO_SEED}); rebuilt by recipes/make_default_checkpoint.py"
    )
    model.save_pretrained(ASSETS / "default")
    print(f"saved {ASSETS / 'default'} ({model.num_parameters()} parameters)")


if __name__ == "__main__":
    main()
