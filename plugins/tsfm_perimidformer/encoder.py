"""Periodic Pyramid Attention Mechanism (PPAM) encoder."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from .config import PeriMidFormerConfig
from .embedding import PyramidState


class MaskedMultiHeadAttention(nn.Module):
    """Multi-head self-attention over the pyramid's tokens, restricted by a bool mask
    (True = may attend). Q/K/V without bias, output projection with bias (Pyraformer)."""

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model, bias=False)
        self.key = nn.Linear(d_model, d_model, bias=False)
        self.value = nn.Linear(d_model, d_model, bias=False)
        self.out = nn.Linear(d_model, d_model)
        self.attention_dropout = dropout
        self.dropout = nn.Dropout(dropout)

    def _split_heads(self, t: torch.Tensor) -> torch.Tensor:
        n, m, d = t.shape
        return t.view(n, m, self.n_heads, d // self.n_heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, m, d = x.shape
        attended = F.scaled_dot_product_attention(
            self._split_heads(self.query(x)), self._split_heads(self.key(x)), self._split_heads(self.value(x)),
            attn_mask=mask,
            dropout_p=self.attention_dropout if self.training else 0.0,
        )
        return self.dropout(self.out(attended.transpose(1, 2).reshape(n, m, d)))


class PyramidAttentionLayer(nn.Module):
    """x + PPAM(x) (no norm after attention, as in the official code), then a
    position-wise FFN with a residual and LayerNorm(eps 1e-6)."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.attention = MaskedMultiHeadAttention(d_model, n_heads, dropout)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model), nn.Dropout(dropout)
        )
        self.norm = nn.LayerNorm(d_model, eps=1e-6)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(x, mask)
        return self.norm(x + self.feed_forward(x))


class PeriodicPyramidEncoder(nn.Module):
    """e_layers PPAM layers; each channel's pyramid is attended on its own."""

    def __init__(self, config: PeriMidFormerConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            PyramidAttentionLayer(config.d_model, config.n_heads, config.ffn_width, config.dropout)
            for _ in range(config.e_layers)
        )

    def forward(self, state: PyramidState) -> PyramidState:
        tokens = state.tokens
        for layer in self.layers:
            tokens = layer(tokens, state.structure.mask)
        return dataclasses.replace(state, tokens=tokens)
