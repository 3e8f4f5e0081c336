"""FilterTS (Wang et al., AAAI 2025): frequency-domain filtering for multivariate
forecasting, as a tsfm backbone plugin (entry point "filterts")."""

from .model import FilterTSConfig, build_filterts

__all__ = ["FilterTSConfig", "build_filterts"]
