"""Complex-valued operations of FilterTS (paper, Appendix B).

PyTorch has complex tensors but no complex ReLU/softmax/LayerNorm/Linear in the sense
the paper defines them; these are the definitions used by both filter modules and the
output projection.
"""

from __future__ import annotations

import torch
from torch import nn


def complex_relu(z: torch.Tensor) -> torch.Tensor:
    """ReLU applied to the real and the imaginary part separately (Trabelsi et al.)."""
    return torch.complex(torch.relu(z.real), torch.relu(z.imag))


def complex_softmax(z: torch.Tensor, dim: int) -> torch.Tensor:
    """Softmax over the magnitudes along `dim`, keeping each entry's phase.

    The phase of an exact zero (common after complex_relu) is taken as 0, i.e. the
    entry becomes its (real, positive) softmax weight; torch.angle gives 0 there and a
    zero gradient, so no NaN can appear.
    """
    weights = torch.softmax(z.abs(), dim=dim)
    return torch.polar(weights, torch.angle(z))


class ComplexLayerNorm(nn.Module):
    """LayerNorm(D) on the real part and a separate LayerNorm(D) on the imaginary part."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.real_norm = nn.LayerNorm(dim)
        self.imag_norm = nn.LayerNorm(dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.complex(self.real_norm(z.real), self.imag_norm(z.imag))


class ComplexLinear(nn.Module):
    """(Lr + i Li) applied to a complex input: Re = Lr(Re z) - Li(Im z),
    Im = Li(Re z) + Lr(Im z) (paper eq. 28-29), with two real Linear(D_in -> D_out)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.real_linear = nn.Linear(in_features, out_features)
        self.imag_linear = nn.Linear(in_features, out_features)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        real = self.real_linear(z.real) - self.imag_linear(z.imag)
        imag = self.imag_linear(z.real) + self.real_linear(z.imag)
        return torch.complex(real, imag)
