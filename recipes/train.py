"""Supervised training + test scoring of any backbone on any forecasting dataset.

    python recipes/train.py --backbone linear --dataset ETTh1 --context-length 96 \
        --prediction-length 96 --learning-rate 5e-3 --output-dir runs/linear-etth1
    accelerate launch recipes/train.py ...   # same script, several processes/GPUs

A thin wrapper over `tsfm train` (tsfm.cli), which calls tsfm.experiment.
"""

from __future__ import annotations

import sys

from tsfm.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
