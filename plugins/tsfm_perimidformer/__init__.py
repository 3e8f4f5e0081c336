"""Peri-midFormer (Wu et al., NeurIPS 2024) as a tsfm backbone plugin.

Periodic pyramid of the seasonal part, Periodic Pyramid Attention (PPAM) and periodic
feature-flow aggregation. See docs/perimidformer.md.
"""

from .config import PeriMidFormerConfig
from .model import build_perimidformer

__all__ = ["PeriMidFormerConfig", "build_perimidformer"]
