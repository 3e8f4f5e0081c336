"""ViTime: time-series forecasting in a binary-image metric space (Yang et al., 2024).

numeric context -> binary image (value rows x time columns) -> ViT encoder/decoder ->
softmax over the value rows of every future column -> numeric forecast (expectation,
argmax or quantiles of the per-column distribution). See docs/vitime.md.
"""

from .config import ViTimeConfig
from .mapping import CanvasGeometry, image_from_values, row_centres, rows_from_values, values_from_probs
from .theory import optimal_max_scale, system_error_bound

__all__ = [
    "CanvasGeometry",
    "ViTimeConfig",
    "image_from_values",
    "optimal_max_scale",
    "row_centres",
    "rows_from_values",
    "system_error_bound",
    "values_from_probs",
]
