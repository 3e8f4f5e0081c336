"""SCFormer backbone plugin: structured channel-wise transformer with a HiPPO-LegS
cumulative-history state (entry point group "tsfm", name "scformer")."""

from .hippo import HippoStateProvider, legs_states
from .model import SCFormerConfig, build_scformer
from .presets import PAPER_RESULTS, PRESETS

__all__ = ["HippoStateProvider", "legs_states", "SCFormerConfig", "build_scformer", "PAPER_RESULTS", "PRESETS"]
