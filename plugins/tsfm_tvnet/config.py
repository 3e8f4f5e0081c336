"""TVNet hyperparameters (paper / official-code defaults, see docs/tvnet.md)."""

from __future__ import annotations

from dataclasses import dataclass

from tsfm.errors import ConfigError

ACTIVATIONS = ("none", "gelu", "relu")
MISSING_VALUE_FILLS = ("interpolate", "zero")


@dataclass
class TVNetConfig:
    # Embedding width C_m. Official run.py uses 512; its notebook 64.
    d_model: int = 64
    # Number of residual 3D-blocks (official default 3).
    num_layers: int = 3
    # Patch length P of the 3D-embedding (must be even: odd/even split); official 24.
    patch_len: int = 24
    # Patch stride S. None = P (the paper: N = L/P non-overlapping patches);
    # the official code uses S = P/2 (overlapping patches, N = L/S).
    patch_stride: int | None = None
    # Kernel of the 3D convolution over (patch, odd/even, position-in-half-patch).
    kernel_size: tuple[int, int, int] = (3, 3, 3)
    # Dynamic weights W_i = alpha_i * W_b (eqs. 2-7). False = alpha == 1 (ablation).
    dynamic: bool = True
    # Nonlinearity after each dynamic convolution (the paper states none; official has none).
    activation: str = "none"
    # Add a sinusoidal positional encoding to the value embedding (official code does).
    positional_encoding: bool = True
    dropout: float = 0.1
    # How unobserved context entries (imputation holes, classification padding; TVNet does
    # not declare handles_missing, so NaN contexts are refused by the core) enter the value
    # embedding: "interpolate" = linear interpolation over time between the observed
    # neighbours (tsfm.layers.interpolate_unobserved); "zero" = the normalised mean, as
    # the TimesNet-family code feeds them.
    missing_values: str = "interpolate"

    def validate(self) -> None:
        if self.d_model < 1 or self.num_layers < 0:
            raise ConfigError(f"d_model must be >= 1 and num_layers >= 0, got {self.d_model}, {self.num_layers}")
        if self.patch_len < 2 or self.patch_len % 2:
            raise ConfigError(
                f"patch_len must be an even number >= 2 (each patch is split into odd and even "
                f"positions), got {self.patch_len}"
            )
        stride = self.stride
        if not 1 <= stride <= self.patch_len:
            raise ConfigError(f"patch_stride must lie in [1, patch_len={self.patch_len}], got {stride}")
        kernel = tuple(self.kernel_size)
        if len(kernel) != 3 or any(k < 1 or k % 2 == 0 for k in kernel):
            raise ConfigError(f"kernel_size must be three odd sizes >= 1, got {self.kernel_size}")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.missing_values not in MISSING_VALUE_FILLS:
            raise ConfigError(f"missing_values must be one of {MISSING_VALUE_FILLS}, got {self.missing_values!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")

    @property
    def stride(self) -> int:
        return self.patch_len if self.patch_stride is None else int(self.patch_stride)
