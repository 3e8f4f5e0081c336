"""Refining module (paper §3.4): a small CNN with an ASPP block over the decoded image and
the blurred input, smoothing patch junctions. A compact stand-in for the authors'
MobileNetV2 + DeepLabV3+ layout: GroupNorm instead of BatchNorm, so a sample's output never
depends on its batch (the authors' BatchNorm fails at batch 1, issue #8)."""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: dilations 1/2/4 plus an image-level pooling branch."""

    def __init__(self, channels: int, rates: tuple[int, ...] = (1, 2, 4)) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Conv2d(channels, channels, 3 if r > 1 else 1, padding=r if r > 1 else 0, dilation=r)
            for r in rates
        )
        self.pool = nn.Conv2d(channels, channels, 1)
        self.project = nn.Conv2d(channels * (len(rates) + 1), channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [F.gelu(branch(x)) for branch in self.branches]
        pooled = F.gelu(self.pool(x.mean(dim=(2, 3), keepdim=True))).expand_as(x)
        return F.gelu(self.project(torch.cat(outs + [pooled], dim=1)))


class RefiningModule(nn.Module):
    """(decoder logits, blurred input) [N, h, W] each -> logit correction [N, h, W]."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        groups = 4 if channels % 4 == 0 else 1
        self.stem = nn.Sequential(nn.Conv2d(2, channels, 3, padding=1), nn.GroupNorm(groups, channels), nn.GELU(),
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.GroupNorm(groups, channels),
                                  nn.GELU())
        self.aspp = ASPP(channels)
        self.out = nn.Conv2d(channels * 2, 1, 3, padding=1)

    def forward(self, logits: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        # Softened decoder output (the authors feed 20 * softmax(dec / 10)).
        soft = 20 * torch.softmax(logits / 10, dim=1)
        x = self.stem(torch.stack([soft, image], dim=1))
        x = torch.cat([x, self.aspp(x)], dim=1)
        return self.out(x).squeeze(1)
