"""Task heads shared by every backbone, chosen by the model's task.

A backbone that produces a hidden sequence [B, T_h, D] (T_h steps of width D) gets its
head from `task_head(ctx, hidden_length=T_h, hidden_width=D)`:

  forecast        Linear over time (T_h -> H), then over width (D -> C)   -> [B, H, C]
  imputation      Linear over width per step (D -> C) when T_h = L, as the TimesNet
                  library's reconstruction heads; else the forecast map to L -> [B, L, C]
  anomaly         as imputation; the per-step reconstruction error is the score
  classification  GELU, dropout, flatten, Linear(T_h * D -> K)            -> [B, K]

The classification head follows the TimesNet protocol the TVNet and Peri-midFormer papers
use (flatten, then one projection). Padded steps of variable-length series reach it as
zeros (the model zeroes unobserved entries before the embedding).
"""

from __future__ import annotations

import torch
from torch import nn

from .errors import ConfigError
from .spec import TASKS, BuildContext


class TemporalLinearHead(nn.Module):
    """[B, T_h, D] -> [B, T_out, C]: Linear over time, then Linear over width."""

    def __init__(self, hidden_length: int, hidden_width: int, out_length: int, num_channels: int) -> None:
        super().__init__()
        self.time = nn.Linear(hidden_length, out_length)
        self.width = nn.Linear(hidden_width, num_channels)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = self.time(hidden.transpose(1, 2)).transpose(1, 2)  # [B, T_out, D]
        return self.width(out)


class StepwiseHead(nn.Module):
    """[B, L, D] -> [B, L, C]: one Linear over width per step. Each output step depends only
    on its own hidden state, which keeps a reconstruction aligned with its input in time."""

    def __init__(self, hidden_width: int, num_channels: int) -> None:
        super().__init__()
        self.width = nn.Linear(hidden_width, num_channels)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.width(hidden)


class FlattenClassificationHead(nn.Module):
    """[B, T_h, D] -> logits [B, K]."""

    def __init__(self, hidden_length: int, hidden_width: int, num_classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.activation = nn.GELU()
        self.dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(hidden_length * hidden_width, num_classes)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.projection(self.dropout(self.activation(hidden)).flatten(1))


def output_length(ctx: BuildContext) -> int:
    """Steps a sequence head must produce: the horizon for forecasting, the context for
    reconstruction tasks (imputation, anomaly)."""
    if ctx.task == "forecast":
        return ctx.prediction_length
    if ctx.task in ("imputation", "anomaly"):
        return ctx.context_length
    raise ConfigError(f"task {ctx.task!r} has no sequence output")


def task_head(ctx: BuildContext, hidden_length: int, hidden_width: int, dropout: float = 0.1) -> nn.Module:
    """The core head for `ctx.task` over hidden states [B, hidden_length, hidden_width]."""
    if ctx.task not in TASKS:
        raise ConfigError(f"unknown task {ctx.task!r}; known: {TASKS}")
    if ctx.task == "classification":
        if not ctx.num_classes or ctx.num_classes < 2:
            raise ConfigError(f"classification needs num_classes >= 2, got {ctx.num_classes!r}")
        return FlattenClassificationHead(hidden_length, hidden_width, ctx.num_classes, dropout)
    if ctx.task in ("imputation", "anomaly") and hidden_length == ctx.context_length:
        return StepwiseHead(hidden_width, ctx.num_channels)
    return TemporalLinearHead(hidden_length, hidden_width, output_length(ctx), ctx.num_channels)
