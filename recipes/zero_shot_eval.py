"""Zero-shot evaluation: MSE/MAE and ReMSE/ReMAE over every test window, written as
JSON + Markdown + PNG. A thin wrapper over `tsfm eval` (tsfm.evaluation.runner).

    python recipes/zero_shot_eval.py                       # baselines on ETTh1 and ETTm1
    python recipes/zero_shot_eval.py --model org/vitime-small --model seasonal_naive:season_length=24
    accelerate launch recipes/zero_shot_eval.py ...        # also fine (runs on the main process)

Defaults: naive and seasonal-naive (season 24 for hourly, 96 for 15-minute data: both
are listed), lookback 512, horizons 96/192/336/720.
"""

from __future__ import annotations

import sys

from tsfm.cli import main

DEFAULT_MODELS = ["naive", "seasonal_naive:season_length=24", "seasonal_naive:season_length=96"]


def run(argv: list[str]) -> int:
    if "--model" not in argv:
        argv = [arg for model in DEFAULT_MODELS for arg in ("--model", model)] + argv
    return main(["eval", *argv])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
