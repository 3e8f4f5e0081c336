"""The periodic pyramid's structure for one period set: component spans, the PPAM
attention mask, the feature-flow paths and the tensors the model needs.

Everything here depends only on (periods, context length, top_k, trim, d_model), so it
is built once per period set and cached (`StructureCache`); the official code rebuilds
the mask and enumerates the paths in numpy on every forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class PyramidLayout:
    """Pure-Python description of a pyramid.

    spans[m] = (start, end): time indices [start, end) of component m in the window;
    levels[m]: its level (0 = top, the whole window). Components are ordered level by
    level, left to right in time.
    """

    periods: tuple[int, ...]
    context_length: int
    spans: tuple[tuple[int, int], ...]
    levels: tuple[int, ...]

    @property
    def num_components(self) -> int:
        return len(self.spans)

    @property
    def num_levels(self) -> int:
        return len(self.periods)


def pyramid_layout(periods: tuple[int, ...], context_length: int, trim: str = "oldest") -> PyramidLayout:
    """Split the window into components of each period, level by level.

    If a period does not divide the running series, its remainder is cut; the cut
    persists for the levels below (so every component lies inside its parents' span).
    trim="oldest" cuts at the start of the window, "newest" at its end (official code).
    """
    start, end = 0, context_length
    spans: list[tuple[int, int]] = []
    levels: list[int] = []
    for level, period in enumerate(periods):
        if period < 1 or period > end - start:
            raise ValueError(f"period {period} does not fit a running series of {end - start} steps")
        remainder = (end - start) % period
        if trim == "oldest":
            start += remainder
        else:
            end -= remainder
        for left in range(start, end, period):
            spans.append((left, left + period))
            levels.append(level)
    return PyramidLayout(tuple(periods), context_length, tuple(spans), tuple(levels))


def attention_mask(layout: PyramidLayout) -> np.ndarray:
    """[M, M] bool, True where component i may attend to component j: every component of
    its own level, and the components of the adjacent levels whose spans overlap it."""
    levels = np.asarray(layout.levels)
    spans = np.asarray(layout.spans)
    same_level = levels[:, None] == levels[None, :]
    adjacent = np.abs(levels[:, None] - levels[None, :]) == 1
    overlap = (spans[:, None, 0] < spans[None, :, 1]) & (spans[None, :, 0] < spans[:, None, 1])
    return same_level | (adjacent & overlap)


def feature_flows(layout: PyramidLayout) -> list[tuple[int, ...]]:
    """Every root-to-leaf path through overlapping components of adjacent levels, as
    tuples of component indices (one per level)."""
    mask = attention_mask(layout)
    levels = np.asarray(layout.levels)
    last = layout.num_levels - 1
    children = {
        m: [int(c) for c in np.nonzero(mask[m] & (levels == levels[m] + 1))[0]]
        for m in range(layout.num_components)
    }
    paths: list[tuple[int, ...]] = []
    stack = [(m,) for m in np.nonzero(levels == 0)[0].tolist()]
    while stack:
        path = stack.pop()
        if levels[path[-1]] == last:
            paths.append(path)
            continue
        stack.extend(path + (c,) for c in reversed(children[path[-1]]))
    return sorted(paths)


def flow_weights(layout: PyramidLayout) -> np.ndarray:
    """[M] fraction of feature flows passing through each component.

    The mean over flows of Linear(concat of a flow's tokens) equals Linear(concat over
    levels of the flow-weighted mean token of each level), because every flow visits
    exactly one component per level; the weights come from path counts (root->m times
    m->leaf), so the paths never need to be materialised."""
    mask = attention_mask(layout)
    levels = np.asarray(layout.levels)
    count = layout.num_components
    up = np.zeros(count)
    down = np.zeros(count)
    up[levels == 0] = 1.0
    for level in range(1, layout.num_levels):
        for m in np.nonzero(levels == level)[0]:
            up[m] = up[(levels == level - 1) & mask[m]].sum()
    down[levels == layout.num_levels - 1] = 1.0
    for level in range(layout.num_levels - 2, -1, -1):
        for m in np.nonzero(levels == level)[0]:
            down[m] = down[(levels == level + 1) & mask[m]].sum()
    total = (up * down)[levels == 0].sum()
    return up * down / total


def sinusoid(positions: np.ndarray, width: int) -> np.ndarray:
    """Transformer sinusoidal encoding [len(positions), width]."""
    table = np.zeros((len(positions), width))
    rates = np.exp(-math.log(10000.0) * np.arange(0, width, 2) / width)
    angles = positions[:, None] * rates[None, :]
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : width // 2])
    return table


@dataclass
class PyramidTensors:
    """What the model uses for one period set, on one device.

    gather_index [M, L]: time index of each component's points, zero-padded at its end
        (index L points at an appended zero).
    positional [M, D]: sinusoid of the component's start time, so tokens of one level
        are told apart by their place in time.
    mask [M, M] bool: PPAM mask (True = may attend).
    level_weights [top_k, M]: flow weight of each component in its level's row (rows of
        missing levels are zero, which is the official zero-padding of short flows).
    paths [P, top_k] (only built uncached, for the reference head): component index per
        level, -1 where a flow is shorter than top_k.
    """

    layout: PyramidLayout
    gather_index: torch.Tensor
    positional: torch.Tensor
    mask: torch.Tensor
    level_weights: torch.Tensor
    paths: torch.Tensor | None = None


def build_tensors(
    layout: PyramidLayout, top_k: int, d_model: int, device: torch.device, with_paths: bool = False
) -> PyramidTensors:
    length = layout.context_length
    gather = np.full((layout.num_components, length), length, dtype=np.int64)
    for m, (start, end) in enumerate(layout.spans):
        gather[m, : end - start] = np.arange(start, end)
    starts = np.asarray([s for s, _ in layout.spans], dtype=np.float64)
    weights = np.zeros((top_k, layout.num_components))
    weights[np.asarray(layout.levels), np.arange(layout.num_components)] = flow_weights(layout)
    paths = None
    if with_paths:
        flows = feature_flows(layout)
        table = np.full((len(flows), top_k), -1, dtype=np.int64)
        for i, flow in enumerate(flows):
            table[i, : len(flow)] = flow
        paths = torch.as_tensor(table, device=device)
    return PyramidTensors(
        layout=layout,
        gather_index=torch.as_tensor(gather, device=device),
        positional=torch.as_tensor(sinusoid(starts, d_model), dtype=torch.float32, device=device),
        mask=torch.as_tensor(attention_mask(layout), device=device),
        level_weights=torch.as_tensor(weights, dtype=torch.float32, device=device),
        paths=paths,
    )


class StructureCache:
    """Pyramid tensors per (period set, device), built on first use."""

    def __init__(self, context_length: int, top_k: int, d_model: int, trim: str, enabled: bool = True) -> None:
        self.context_length = context_length
        self.top_k = top_k
        self.d_model = d_model
        self.trim = trim
        self.enabled = enabled
        self._cache: dict[tuple[tuple[int, ...], str], PyramidTensors] = {}

    def get(self, periods: tuple[int, ...], device: torch.device) -> PyramidTensors:
        key = (periods, str(device))
        if not self.enabled:
            # Reference behaviour of the official code: rebuild everything (mask and the
            # explicit path list) in numpy on every forward.
            layout = pyramid_layout(periods, self.context_length, self.trim)
            return build_tensors(layout, self.top_k, self.d_model, device, with_paths=True)
        found = self._cache.get(key)
        if found is None:
            layout = pyramid_layout(periods, self.context_length, self.trim)
            found = build_tensors(layout, self.top_k, self.d_model, device)
            self._cache[key] = found
        return found
