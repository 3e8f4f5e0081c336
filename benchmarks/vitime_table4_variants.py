"""Which variant of Prop. C.2's condition could have printed the paper's Table 4?

Solves eq. 32 as written and a few mis-transcriptions of its density term, and prints
each one's largest distance to the 15 printed cells (acceptance wants <= 0.02). The last
rows fit a free factor k^p to the table: a curve fit, not a derivation.

    python benchmarks/vitime_table4_variants.py > benchmarks/results/vitime_table4_variants.txt
"""

from __future__ import annotations

import math
from typing import Callable

from scipy.optimize import brentq

from tsfm_vitime.presets import PAPER_TABLE4
from tsfm_vitime.theory import bound_derivative, optimal_max_scale

Density = Callable[[float, float], float]  # (MS, k) -> coefficient x exponential of eq. 32's last term


def as_written(ms: float, k: float) -> float:
    return math.sqrt(2 / (math.pi * k)) * math.exp(-ms * ms / (2 * k))


def solve(rows: int, k: float, density: Density) -> float:
    """Root of eq. 32 (theory.bound_derivative) with its density term swapped for `density`."""
    def condition(ms: float) -> float:
        return bound_derivative(ms, rows, k) + ms / rows * (density(ms, k) - as_written(ms, k))
    # A wider bracket than optimal_max_scale's: a variant's root may lie past sqrt(k (h + 2)).
    return brentq(condition, 1e-6, math.sqrt(k * (rows + 2)) + 5, xtol=1e-10)


def worst(density: Density) -> float:
    return max(abs(solve(rows, k, density) - paper) for (rows, k), paper in PAPER_TABLE4.items())


def main() -> None:
    as_written = max(abs(optimal_max_scale(rows, k) - paper) for (rows, k), paper in PAPER_TABLE4.items())
    print("variant of eq. 32's density term                      max |ours - Table 4|")
    print(f"as written: sqrt(2/(pi k)) exp(-MS^2/2k)               {as_written:.3f}")
    print(f"coefficient sqrt(2/(pi k^3))                           "
          f"{worst(lambda ms, k: math.sqrt(2 / (math.pi * k ** 3)) * math.exp(-ms * ms / (2 * k))):.3f}")
    print(f"exponent without k: sqrt(2/(pi k)) exp(-MS^2/2)        "
          f"{worst(lambda ms, k: math.sqrt(2 / (math.pi * k)) * math.exp(-ms * ms / 2)):.3f}")
    for p in (-1.0, -1.5, -2.0, -2.5, -3.0):
        fit = worst(lambda ms, k, p=p: math.sqrt(2 / math.pi) * k ** p * math.exp(-ms * ms / (2 * k)))
        print(f"fitted factor: sqrt(2/pi) k^{p:+.1f} exp(-MS^2/2k)          {fit:.3f}")
    # Eq. 32 is invariant under MS -> MS / sqrt(k): every column divided by sqrt(k) should equal k = 1.
    ks = sorted({k for _, k in PAPER_TABLE4})
    print("\nTable 4 divided by sqrt(k)  (eq. 32 predicts equal columns)")
    print("   h  " + "  ".join(f"k={k:<4g}" for k in ks))
    for rows in sorted({h for h, _ in PAPER_TABLE4}):
        print(f"{rows:4d}  " + "  ".join(f"{PAPER_TABLE4[(rows, k)] / math.sqrt(k):6.3f}" for k in ks))


if __name__ == "__main__":
    main()
