"""Built-in baseline backbones: naive, seasonal_naive, linear (RLinear/DLinear)."""
