"""Writes files in the M4 competition CSV layout for tests (shared by the loader and the
short-term-forecasting tests)."""

from __future__ import annotations

from pathlib import Path


def write_m4_table(path: Path, rows: list[list]) -> None:
    """Header V1..Vn, quoted cells, rows shorter than the longest padded with empty cells."""
    width = max(len(r) for r in rows)
    lines = [",".join(f'"V{i + 1}"' for i in range(width))]
    for row in rows:
        cells = [f'"{c}"' for c in row] + [""] * (width - len(row))
        lines.append(",".join(cells))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
