"""One picture of how far each reproduced ETT cell is from its paper: test-MSE gap
(ours / paper - 1, in %) for every backbone variant and cell, read from the committed
reports under benchmarks/results/ (nothing is re-run).

    python benchmarks/plot_paper_gaps.py  # -> benchmarks/results/paper_gaps.png

Rows (a row per variant, a column per dataset x horizon; blank = not run):
  FilterTS (default, chained)            filterts_ett.json
  FilterTS (official code, seed 2021)    filterts_ett_official.json
  SCFormer (issue grid)                  scformer_ett.json, the rows of each data set's preset variant
  Peri-midFormer L=96 (+ L=512 ETTh1-96) perimidformer_ett.json
  Peri-midFormer + calendar / official   perimidformer_ett_calendar.json, _official.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tsfm_scformer.presets import ETT_PRESETS
from tsfm_scformer.presets import PRESETS as SCFORMER_PRESETS

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ("ETTh1", "ETTh2", "ETTm1", "ETTm2")
HORIZONS = (96, 192, 336, 720)


def _rows(report: str) -> list[dict]:
    path = RESULTS / f"{report}.json"
    return json.loads(path.read_text())["rows"] if path.is_file() else []


def _gap(row: dict) -> float | None:
    value = row.get("gap_mse_%")
    return None if value is None else float(value)


def collect() -> list[tuple[str, dict[tuple[str, int], float], float]]:
    """(label, {(dataset, horizon): gap %}, target %) per plotted row."""
    out = []
    filterts = {(r["dataset"], r["prediction_length"]): _gap(r) for r in _rows("filterts_ett")}
    out.append(("FilterTS default (chained)", filterts, 2.0))
    official = {(r["dataset"], r["prediction_length"]): _gap(r) for r in _rows("filterts_ett_official")
                if int(r["seed"]) == 2021}
    out.append(("FilterTS official code, seed 2021", official, 2.0))
    scformer = {}
    for r in _rows("scformer_ett"):
        # The grid's row of a cell is the variant of the authors' script for its data set.
        if r.get("setting") == SCFORMER_PRESETS[ETT_PRESETS[r["dataset"]]]["variant"]:
            scformer[(r["dataset"], r["prediction_length"])] = _gap(r)
    out.append(("SCFormer (issue grid)", scformer, 2.0))
    for report, label in (("perimidformer_ett", "Peri-midFormer"),
                          ("perimidformer_ett_calendar", "Peri-midFormer + calendar"),
                          ("perimidformer_ett_official", "Peri-midFormer official toggles")):
        rows = _rows(report)
        for lookback in sorted({r["context_length"] for r in rows}):
            cells = {(r["dataset"], r["prediction_length"]): _gap(r) for r in rows if r["context_length"] == lookback}
            out.append((f"{label} L={lookback}", cells, 3.0))
    return out


def plot(rows: list[tuple[str, dict[tuple[str, int], float], float]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = [(d, h) for d in DATASETS for h in HORIZONS]
    grid = np.full((len(rows), len(cells)), np.nan)
    for i, (_, values, _) in enumerate(rows):
        for j, cell in enumerate(cells):
            if values.get(cell) is not None:
                grid[i, j] = values[cell]
    fig, ax = plt.subplots(figsize=(14, 0.55 * len(rows) + 2.2))
    image = ax.imshow(np.clip(grid, -10, 10), cmap="RdYlGn_r", vmin=-10, vmax=10, aspect="auto")
    for i, (_, _, target) in enumerate(rows):
        for j in range(len(cells)):
            if not np.isnan(grid[i, j]):
                bold = grid[i, j] > target
                ax.text(j, i, f"{grid[i, j]:+.1f}", ha="center", va="center", fontsize=7,
                        fontweight="bold" if bold else "normal")
    ax.set_xticks(range(len(cells)), [f"{d}\n{h}" for d, h in cells], fontsize=7)
    ax.set_yticks(range(len(rows)), [f"{label} (target {target:g}%)" for label, _, target in rows], fontsize=8)
    ax.set_title("Test MSE vs paper, gap % (ours / paper - 1; negative = better; bold = outside the issue's target)")
    fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01, label="gap % (clipped at ±10)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS / "paper_gaps.png")
    args = parser.parse_args()
    rows = collect()
    for label, values, target in rows:
        within = sum(1 for v in values.values() if v is not None and v <= target)
        print(f"{label}: {within}/{len(values)} cells within {target:g}% (MSE)")
    print(plot(rows, args.out))


if __name__ == "__main__":
    main()
