"""ViTime's training loss (eq. 10 with the ablation's JSD, Table 6): per horizon column,
the 1-D earth mover's distance along the value axis between the predicted distribution
and the target's one-hot column, plus alpha * Jensen-Shannon divergence (alpha = 0.2)."""

from __future__ import annotations

from typing import Any

import torch

from tsfm.spec import HeadOutput

from .mapping import CanvasGeometry, horizon_column_targets, rows_from_values


def emd_1d(p: torch.Tensor, q: torch.Tensor, bin_width: torch.Tensor | float = 1.0) -> torch.Tensor:
    """1-D Wasserstein-1 distance between distributions over equally spaced bins [..., h]:
    sum over bin edges of |CDF_p - CDF_q| times the bin width."""
    width = torch.as_tensor(bin_width, dtype=p.dtype, device=p.device)
    return (p.cumsum(-1) - q.cumsum(-1)).abs().sum(-1) * width


def jsd(p: torch.Tensor, q: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Jensen-Shannon divergence (natural log) between distributions [..., h]."""
    m = 0.5 * (p + q)
    log_m = m.clamp_min(eps).log()
    kl_p = (p * (p.clamp_min(eps).log() - log_m)).sum(-1)
    kl_q = (q * (q.clamp_min(eps).log() - log_m)).sum(-1)
    return 0.5 * (kl_p + kl_q)


def one_hot_rows(index: torch.Tensor, rows: int, dtype: torch.dtype) -> torch.Tensor:
    return torch.nn.functional.one_hot(index, rows).to(dtype)


def vitime_loss_terms(column_log_probs: torch.Tensor, target_rows: torch.Tensor, bin_width: torch.Tensor):
    """(EMD in normalised-value units, JSD) per column. column_log_probs [N, W, h],
    target_rows [N, W] long, bin_width [N]."""
    p = column_log_probs.exp()
    q = one_hot_rows(target_rows, p.shape[-1], p.dtype)
    return emd_1d(p, q, bin_width.view(-1, 1)), jsd(p, q)


def make_vitime_loss(rows: int, alpha: float):
    """The BackboneParts.loss: target [B, H, C] on the data scale -> normalised with the
    core's scale -> interpolated onto the horizon columns -> target rows -> mean over valid
    columns of EMD + alpha * JSD."""

    def loss(output: HeadOutput, target: torch.Tensor, target_mask: torch.Tensor, scale: Any) -> torch.Tensor:
        extras = output.extras
        log_probs = extras["column_log_probs"]  # [N, Wh, h]
        ms = extras["max_scale"]
        geometry = geometry_of(extras)
        batch, horizon, channels = target.shape
        z = scale.normalize(target).permute(0, 2, 1).reshape(batch * channels, horizon)
        mask = target_mask.bool().permute(0, 2, 1).reshape(batch * channels, horizon)
        if horizon < geometry.horizon:  # a shorter target scores only the columns it covers
            pad = geometry.horizon - horizon
            z = torch.cat([z, z.new_zeros(z.shape[0], pad)], dim=1)
            mask = torch.cat([mask, mask.new_zeros(mask.shape[0], pad)], dim=1)
        z, mask = z[:, : geometry.horizon], mask[:, : geometry.horizon]
        values, valid = horizon_column_targets(extras["last_value"], extras["last_observed"].bool(), z, mask,
                                               geometry)
        target_rows = rows_from_values(values, rows, ms.view(-1, 1))
        emd, div = vitime_loss_terms(log_probs, target_rows, 2 * ms / rows)
        weights = valid.to(emd.dtype)
        return ((emd + alpha * div) * weights).sum() / weights.sum().clamp_min(1.0)

    return loss


def geometry_of(extras: dict) -> CanvasGeometry:
    return CanvasGeometry(int(extras["context_length"]), int(extras["horizon"]), int(extras["columns"]))
