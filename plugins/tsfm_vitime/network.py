"""ViTime network: image tokenizer (embedding), ViT encoder + decoder (backbone),
optional refining module and per-column softmax + inverse mapping (head).

The three parts pass one `Canvas` record along, so the head knows the geometry, the
per-series max scale and (for the refining module) the blurred input image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tsfm.spec import HeadOutput

from .config import ViTimeConfig
from .mapping import (CanvasGeometry, columns_to_steps, gaussian_blur, gaussian_kernel, image_from_values,
                      quantiles_from_probs, resample_context, row_centres, values_from_probs)
from .refine import RefiningModule
from .theory import adaptive_max_scale

DEFAULT_LEVELS = (0.1, 0.5, 0.9)


@dataclass
class Canvas:
    """What flows from the tokenizer to the head for N = batch x channels series."""

    tokens: torch.Tensor  # [N, P, D] (hidden states after the backbone)
    image: torch.Tensor  # blurred input image [N, h, W]
    geometry: CanvasGeometry
    max_scale: torch.Tensor  # [N]
    last_value: torch.Tensor  # [N] last context value (normalised), for the loss's first column
    last_observed: torch.Tensor  # [N] bool
    batch: int
    channels: int
    logits: torch.Tensor | None = None  # [N, h, W] after the decoder


def sincos_2d(grid_rows: int, grid_cols: int, dim: int) -> torch.Tensor:
    """Fixed 2-D sine-cosine position embedding [rows * cols, dim] (MAE's layout: half the
    channels encode the column, half the row)."""

    def one_axis(positions: np.ndarray, d: int) -> np.ndarray:
        omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2))
        angles = positions.reshape(-1)[:, None] * omega[None]
        return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)

    if dim % 4:
        raise ValueError(f"2-D sin-cos embedding needs dim divisible by 4, got {dim}")
    rr, cc = np.meshgrid(np.arange(grid_rows, dtype=np.float64), np.arange(grid_cols, dtype=np.float64),
                         indexing="ij")
    emb = np.concatenate([one_axis(cc, dim // 2), one_axis(rr, dim // 2)], axis=1)
    return torch.from_numpy(emb).float()


class ImageTokenizer(nn.Module):
    """Normalised context [B, L, C] -> binary image (eq. 4, resampled onto the canvas,
    missing steps as empty columns, horizon columns empty) -> Gaussian blur -> patch tokens."""

    def __init__(self, config: ViTimeConfig, horizon: int) -> None:
        super().__init__()
        self.config = config
        self.horizon = horizon
        c = config
        self.grid = (c.rows // c.patch_rows, c.canvas_columns // c.patch_cols)
        self.patch_embed = nn.Linear(c.patch_rows * c.patch_cols, c.embed_dim)
        self.register_buffer("blur", gaussian_kernel(c.blur_kernel, c.blur_sigma), persistent=False)
        self.register_buffer("pos_embed", sincos_2d(*self.grid, c.embed_dim), persistent=False)

    def forward(self, x: torch.Tensor, observed: torch.Tensor, features: dict) -> Canvas:
        c = self.config
        batch, length, channels = x.shape
        if c.max_context and length > c.max_context:
            x, observed = x[:, -c.max_context:], observed[:, -c.max_context:]
            length = c.max_context
        z = x.permute(0, 2, 1).reshape(batch * channels, length)
        m = observed.permute(0, 2, 1).reshape(batch * channels, length)
        geometry = CanvasGeometry(length, self.horizon, c.canvas_columns)
        if c.adaptive_max_scale:
            ms = adaptive_max_scale(z, m, c.rows).to(z.dtype)
        else:
            ms = z.new_full((z.shape[0],), c.max_scale)
        values, mask = resample_context(z, m, geometry)
        image = image_from_values(values, mask, c.rows, ms)
        image = torch.cat([image, image.new_zeros(image.shape[0], c.rows, geometry.horizon_columns)], dim=-1)
        blurred = gaussian_blur(image, self.blur, c.blur_gain)
        tokens = self.patch_embed(patchify(blurred, c.patch_rows, c.patch_cols)) + self.pos_embed
        return Canvas(tokens, blurred, geometry, ms, z[:, -1], m[:, -1], batch, channels)


def patchify(image: torch.Tensor, pr: int, pc: int) -> torch.Tensor:
    """[N, h, W] -> [N, (h/pr) * (W/pc), pr * pc], row-major over the patch grid."""
    n, h, w = image.shape
    x = image.reshape(n, h // pr, pr, w // pc, pc).permute(0, 1, 3, 2, 4)
    return x.reshape(n, (h // pr) * (w // pc), pr * pc)


def unpatchify(patches: torch.Tensor, h: int, w: int, pr: int, pc: int) -> torch.Tensor:
    n = patches.shape[0]
    x = patches.reshape(n, h // pr, w // pc, pr, pc).permute(0, 1, 3, 2, 4)
    return x.reshape(n, h, w)


def _blocks(dim: int, depth: int, heads: int, mlp_ratio: float, dropout: float) -> nn.ModuleList:
    return nn.ModuleList(
        nn.TransformerEncoderLayer(dim, heads, int(dim * mlp_ratio), dropout, activation="gelu",
                                   batch_first=True, norm_first=True)
        for _ in range(depth)
    )


class ViTimeBackbone(nn.Module):
    """Visual Time Tokenizer (ViT encoder) + decoder (ViT) -> pixel logits [N, h, W]."""

    def __init__(self, config: ViTimeConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        grid = (c.rows // c.patch_rows, c.canvas_columns // c.patch_cols)
        self.encoder = _blocks(c.embed_dim, c.depth, c.num_heads, c.mlp_ratio, c.dropout)
        self.encoder_norm = nn.LayerNorm(c.embed_dim)
        self.decoder_embed = nn.Linear(c.embed_dim, c.decoder_dim)
        self.register_buffer("decoder_pos", sincos_2d(*grid, c.decoder_dim), persistent=False)
        self.decoder = _blocks(c.decoder_dim, c.decoder_depth, c.decoder_heads, c.mlp_ratio, c.dropout)
        self.decoder_norm = nn.LayerNorm(c.decoder_dim)
        self.decoder_pred = nn.Linear(c.decoder_dim, c.patch_rows * c.patch_cols)

    def forward(self, canvas: Canvas) -> Canvas:
        c = self.config
        x = canvas.tokens
        for block in self.encoder:
            x = block(x)
        x = self.decoder_embed(self.encoder_norm(x)) + self.decoder_pos
        for block in self.decoder:
            x = block(x)
        patches = self.decoder_pred(self.decoder_norm(x))
        canvas.logits = unpatchify(patches, c.rows, c.canvas_columns, c.patch_rows, c.patch_cols)
        return canvas


class ViTimeHead(nn.Module):
    """Optional refining module, softmax over the h rows of every horizon column, then the
    inverse mapping to H steps (expectation or argmax) and default quantiles."""

    def __init__(self, config: ViTimeConfig, horizon: int) -> None:
        super().__init__()
        self.config = config
        self.horizon = horizon
        self.refine = RefiningModule(config.refine_channels) if config.refine else None

    def forward(self, canvas: Canvas) -> HeadOutput:
        c = self.config
        logits = canvas.logits
        if self.refine is not None:
            logits = logits + self.refine(logits, canvas.image)
        geometry = canvas.geometry
        future = logits[..., geometry.context_columns:].transpose(1, 2)  # [N, Wh, h]
        log_probs = torch.log_softmax(future, dim=-1)
        step_probs = columns_to_steps(log_probs.exp(), geometry)  # [N, H, h]
        centres = row_centres(c.rows, canvas.max_scale)
        point = values_from_probs(step_probs, centres, c.inverse)  # [N, H]
        quantile_probs = step_probs
        if c.quantile_temperature != 1.0:
            quantile_probs = columns_to_steps(torch.softmax(future / c.quantile_temperature, dim=-1), geometry)
        extras = {
            "column_log_probs": log_probs,
            "step_probs": step_probs,
            "quantile_probs": quantile_probs,
            "max_scale": canvas.max_scale,
            "last_value": canvas.last_value,
            "last_observed": canvas.last_observed,
            "context_length": torch.tensor(geometry.context_length),
            "horizon": torch.tensor(geometry.horizon),
            "columns": torch.tensor(geometry.columns),
        }
        out = HeadOutput(prediction=fold_back(point, canvas.batch, canvas.channels), extras=extras)
        if not self.training:
            out.quantiles = step_quantiles(out, DEFAULT_LEVELS)
            out.quantile_levels = DEFAULT_LEVELS
        return out


def fold_back(values: torch.Tensor, batch: int, channels: int) -> torch.Tensor:
    """[N = B*C, H, ...] -> [B, H, C, ...]."""
    rest = values.shape[2:]
    x = values.reshape(batch, channels, values.shape[1], *rest)
    return x.permute(0, 2, 1, *range(3, x.dim()))


def step_quantiles(head_out: HeadOutput, levels: tuple[float, ...]) -> torch.Tensor:
    """Quantiles [B, H, C, Q] of the per-step distributions (normalised scale)."""
    probs = head_out.extras["quantile_probs"]
    ms = head_out.extras["max_scale"]
    q = quantiles_from_probs(probs, ms, torch.tensor(levels, dtype=probs.dtype, device=probs.device))
    batch, _, channels = head_out.prediction.shape
    return fold_back(q, batch, channels)
