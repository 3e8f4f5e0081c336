"""ViTime hyperparameters (paper defaults: appendix B, Table 3; §4.1)."""

from __future__ import annotations

from dataclasses import dataclass

from tsfm.errors import ConfigError

INVERSE_MAPPINGS = ("expectation", "argmax")


@dataclass
class ViTimeConfig:
    # Value axis: h rows spanning [-MS, MS] of the normalised series (eq. 4).
    rows: int = 128
    max_scale: float = 3.5
    # Choose MS per series from the context's variance scale k (Prop. C.2), instead of
    # the fixed max_scale (the paper's future work, appendix F.3.1).
    adaptive_max_scale: bool = False
    # Time axis: the canvas has this many columns for context + horizon. The paper's
    # lookback 512 + horizon 720 after 2x interpolation is 2464 columns.
    canvas_columns: int = 2464
    patch_rows: int = 4
    patch_cols: int = 32
    # Visual Time Tokenizer (ViT encoder).
    embed_dim: int = 768
    depth: int = 9
    num_heads: int = 12
    mlp_ratio: float = 4.0
    # Decoder (ViT) back to pixel logits.
    decoder_dim: int = 384
    decoder_depth: int = 4
    decoder_heads: int = 12
    dropout: float = 0.0
    # Gaussian blur of the input image only (kernel 31x31, sigma 5 px, then x31).
    blur_kernel: int = 31
    blur_sigma: float = 5.0
    blur_gain: float = 31.0
    # Optional refining module (CNN + ASPP over the decoded image), off in the current release.
    refine: bool = False
    refine_channels: int = 32
    # Point forecast from the per-column distribution: "expectation" (old code, eq. 5 with
    # soft weights) or "argmax" (current predictor).
    inverse: str = "expectation"
    # Softmax temperature for the quantiles only (the point forecast uses temperature 1).
    # EMD + JSD is not a proper scoring rule, so the trained per-column distributions come out
    # too sharp; `calibrate_temperature` fits this on RealTS windows (no real data).
    quantile_temperature: float = 1.0
    # Loss = EMD + alpha * JSD per future column (ablation Table 6: alpha = 0.2).
    loss_alpha: float = 0.2
    # Contexts longer than this are cropped to their last steps (0: use the whole context).
    max_context: int = 0

    def __post_init__(self) -> None:
        for name in ("rows", "canvas_columns", "patch_rows", "patch_cols", "embed_dim", "depth",
                     "num_heads", "decoder_dim", "decoder_depth", "decoder_heads", "blur_kernel"):
            if getattr(self, name) < 1:
                raise ConfigError(f"vitime: {name} must be >= 1, got {getattr(self, name)}")
        if self.rows % self.patch_rows:
            raise ConfigError(f"vitime: rows ({self.rows}) must be divisible by patch_rows ({self.patch_rows})")
        if self.canvas_columns % self.patch_cols:
            raise ConfigError(
                f"vitime: canvas_columns ({self.canvas_columns}) must be divisible by patch_cols ({self.patch_cols})"
            )
        if self.canvas_columns < 2:
            raise ConfigError("vitime: canvas_columns must be >= 2 (context and horizon columns)")
        if self.embed_dim % self.num_heads or self.decoder_dim % self.decoder_heads:
            raise ConfigError("vitime: embed_dim/decoder_dim must be divisible by their head counts")
        if self.max_scale <= 0:
            raise ConfigError(f"vitime: max_scale must be > 0, got {self.max_scale}")
        if self.blur_kernel % 2 == 0:
            raise ConfigError(f"vitime: blur_kernel must be odd, got {self.blur_kernel}")
        if self.blur_kernel // 2 >= self.rows:
            raise ConfigError("vitime: blur_kernel // 2 must be smaller than rows (reflect border)")
        if self.inverse not in INVERSE_MAPPINGS:
            raise ConfigError(f"vitime: inverse must be one of {INVERSE_MAPPINGS}, got {self.inverse!r}")
        if self.loss_alpha < 0:
            raise ConfigError(f"vitime: loss_alpha must be >= 0, got {self.loss_alpha}")
        if self.quantile_temperature <= 0:
            raise ConfigError(f"vitime: quantile_temperature must be > 0, got {self.quantile_temperature}")
        if self.max_context < 0:
            raise ConfigError(f"vitime: max_context must be >= 0, got {self.max_context}")
