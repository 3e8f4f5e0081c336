"""Presets (hyperparameter tables) and the paper's result tables.

paper: appendix B Table 3 + §4.1 (h = 128, MS = 3.5, patch 4x32, encoder 768/9/12,
    decoder 384/4, canvas 2464 columns = (512 + 720) x 2). The pretraining schedule
    (lr, batch, epochs) was never released: ours is a guess, marked as such.
small: sized for CPU pretraining within an hour and full ETT evaluations in minutes:
    h = 32 rows, 640 columns for 512 + 720 steps (about one column per two steps), patch
    8x32 -> 80 tokens, encoder 64/3/4, decoder 64/1/4, blur scaled to the smaller canvas.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    "paper": {
        "training": {"learning_rate": 1e-4, "batch_size": 32, "epochs": 50, "lr_schedule": "warmup_cosine",
                     "warmup_steps": 1000, "patience": 0},
    },
    "paper-refine": {
        "refine": True,
        "training": {"learning_rate": 1e-4, "batch_size": 16, "epochs": 50, "lr_schedule": "warmup_cosine",
                     "warmup_steps": 1000, "patience": 0},
    },
    "small": {
        "rows": 32,
        "canvas_columns": 640,
        "patch_rows": 8,
        "patch_cols": 32,
        "embed_dim": 64,
        "depth": 3,
        "num_heads": 4,
        "mlp_ratio": 2.0,
        "decoder_dim": 64,
        "decoder_depth": 1,
        "decoder_heads": 4,
        "blur_kernel": 7,
        "blur_sigma": 1.25,
        "blur_gain": 8.0,
        "training": {"learning_rate": 1e-3, "batch_size": 32, "epochs": 20, "lr_schedule": "warmup_cosine",
                     "warmup_steps": 100, "patience": 0},
    },
}

# Canvas the presets were designed for (lookback + horizon in steps).
CANVAS_STEPS = {"paper": (512, 720), "paper-refine": (512, 720), "small": (512, 720)}

# Zero-shot ReMSE/ReMAE, lookback 512 (Table 7). Keys: (dataset, context_length, horizon).
PAPER_RESULTS: dict[tuple[str, int, int], dict[str, float]] = {
    ("ETTh1", 512, 96): {"remse": 0.432, "remae": 0.414},
    ("ETTh1", 512, 192): {"remse": 0.462, "remae": 0.433},
    ("ETTh1", 512, 336): {"remse": 0.496, "remae": 0.457},
    ("ETTh1", 512, 720): {"remse": 0.574, "remae": 0.509},
    ("ETTh2", 512, 96): {"remse": 0.258, "remae": 0.320},
    ("ETTh2", 512, 192): {"remse": 0.301, "remae": 0.355},
    ("ETTh2", 512, 336): {"remse": 0.346, "remae": 0.390},
    ("ETTh2", 512, 720): {"remse": 0.447, "remae": 0.458},
    ("ETTm1", 512, 96): {"remse": 0.416, "remae": 0.392},
    ("ETTm1", 512, 192): {"remse": 0.454, "remae": 0.413},
    ("ETTm1", 512, 336): {"remse": 0.503, "remae": 0.437},
    ("ETTm1", 512, 720): {"remse": 0.588, "remae": 0.479},
    ("ETTm2", 512, 96): {"remse": 0.203, "remae": 0.277},
    ("ETTm2", 512, 192): {"remse": 0.265, "remae": 0.319},
    ("ETTm2", 512, 336): {"remse": 0.322, "remae": 0.356},
    ("ETTm2", 512, 720): {"remse": 0.400, "remae": 0.406},
}

# PatchTST trained on RealTS, zero-shot (Table 7, "PatchTST-ZS").
PAPER_PATCHTST_ZS: dict[tuple[str, int, int], dict[str, float]] = {
    ("ETTh1", 512, 96): {"remse": 1.398, "remae": 0.877},
    ("ETTh1", 512, 192): {"remse": 1.490, "remae": 0.908},
    ("ETTh1", 512, 336): {"remse": 1.507, "remae": 0.912},
    ("ETTh1", 512, 720): {"remse": 1.511, "remae": 0.914},
    ("ETTm1", 512, 96): {"remse": 1.215, "remae": 0.773},
    ("ETTm1", 512, 192): {"remse": 1.309, "remae": 0.801},
    ("ETTm1", 512, 336): {"remse": 1.329, "remae": 0.808},
    ("ETTm1", 512, 720): {"remse": 1.327, "remae": 0.807},
}

# Fine-tuning MAE (Table 8), lookback 512: {(dataset, fraction, horizon): mae}.
PAPER_FINETUNE_MAE: dict[tuple[str, float, int], float] = {
    ("ETTh1", 0.1, 96): 0.397, ("ETTh1", 0.1, 192): 0.414, ("ETTh1", 0.1, 336): 0.427, ("ETTh1", 0.1, 720): 0.460,
    ("ETTh1", 1.0, 96): 0.383, ("ETTh1", 1.0, 192): 0.401, ("ETTh1", 1.0, 336): 0.410, ("ETTh1", 1.0, 720): 0.438,
    ("ETTm1", 0.1, 96): 0.341, ("ETTm1", 0.1, 192): 0.364, ("ETTm1", 0.1, 336): 0.386, ("ETTm1", 0.1, 720): 0.420,
    ("ETTm1", 1.0, 96): 0.333, ("ETTm1", 1.0, 192): 0.353, ("ETTm1", 1.0, 336): 0.373, ("ETTm1", 1.0, 720): 0.410,
}

# Robustness (Table 9), ETTh1 ViTime ReMSE/ReMAE: {(perturbation, horizon): (remse, remae)}.
PAPER_ROBUSTNESS_ETTH1: dict[tuple[str, int], tuple[float, float]] = {
    ("noise 0.1", 96): (0.431, 0.416), ("noise 0.1", 192): (0.460, 0.434),
    ("noise 0.1", 336): (0.493, 0.458), ("noise 0.1", 720): (0.572, 0.509),
    ("noise 0.3", 96): (0.444, 0.436), ("noise 0.3", 192): (0.469, 0.452),
    ("noise 0.3", 336): (0.501, 0.474), ("noise 0.3", 720): (0.585, 0.525),
    ("missing 0.3", 96): (0.433, 0.414), ("missing 0.3", 192): (0.463, 0.433),
    ("missing 0.3", 336): (0.496, 0.456), ("missing 0.3", 720): (0.574, 0.507),
}

# Optimal MS* (Table 4): {(h, k): MS*}.
PAPER_TABLE4: dict[tuple[int, float], float] = {
    (32, 1.0): 2.1, (32, 1.5): 2.62, (32, 2.0): 3.03,
    (64, 1.0): 2.38, (64, 1.5): 2.95, (64, 2.0): 3.41,
    (128, 1.0): 2.64, (128, 1.5): 3.26, (128, 2.0): 3.76,
    (256, 1.0): 2.88, (256, 1.5): 3.53, (256, 2.0): 4.08,
    (512, 1.0): 3.09, (512, 1.5): 3.79, (512, 2.0): 4.38,
}

# Inference cost (Table 10: batch 4, L 512, H 720, RTX 3090): seconds per batch.
PAPER_TIMING = {"total_s": 0.082, "mapping_s": 0.0068, "parameters_m": 74}
