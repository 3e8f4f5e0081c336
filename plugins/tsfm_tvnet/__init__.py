"""TVNet (Li et al., ICLR 2025): 3D-embedding and dynamic convolution for time series.

Importing this package does not register anything; the entry point `tsfm_tvnet.plugin`
does (group "tsfm", name "tvnet").
"""

from .config import TVNetConfig

__all__ = ["TVNetConfig"]
