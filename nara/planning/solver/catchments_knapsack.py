"""0–1 knapsacks for the Lagrangian bound of capacitated catchments.

With the assignment constraints relaxed, each open base j faces

    KP_j = min sum_i (c_ij - lambda_i) x_i   s.t.  sum_i q_i x_i <= Q,  x binary,

solved here exactly by dynamic programming over integer weights. Loads (residents) are divided
by a scale s and rounded *down*, the capacity rounded *up* to floor(Q / s): every load set that
fits Q still fits the scaled knapsack, so the scaled optimum is never above KP_j and the bound
stays valid (with whole loads and a small Q, s = 1 and the knapsack is exact).
"""

from __future__ import annotations

import math

import numpy as np

# Cells of the dynamic programme per knapsack: the scale is chosen to keep within this.
DEFAULT_CELLS = 6_000


class Scaled:
    """Integer weights and capacity such that sum q_i <= Q implies sum w_i <= W."""

    def __init__(self, loads: np.ndarray, capacity: float, cells: int = DEFAULT_CELLS):
        whole = bool(np.all(loads == np.round(loads)))
        scale = max(capacity / cells, 1.0) if whole else capacity / cells
        self.scale = scale
        if whole and scale == 1.0:
            self.weights = loads.astype(np.int64)
            self.capacity = int(math.floor(capacity + 1e-9))
        else:
            self.weights = np.maximum(np.floor(loads / scale - 1e-9), 0).astype(np.int64)
            self.capacity = int(math.floor(capacity / scale + 1e-9))


def solve(values: np.ndarray, weights: np.ndarray, capacity: int, table: bool = False):
    """Exact 0–1 knapsack (minimise, values < 0 only). Returns (value, chosen positions, F)
    where F[c] is the optimum with capacity c (only when ``table``)."""
    count = values.size
    if count == 0:
        return 0.0, np.zeros(0, np.int64), (np.zeros(capacity + 1) if table else None)
    free = weights == 0  # weightless items with negative value are always taken
    if weights.sum() <= capacity and not table:
        return float(values.sum()), np.arange(count), None
    width = int(min(capacity, weights.sum()))
    best = np.zeros(width + 1)
    best += values[free].sum()
    heavy = np.flatnonzero(~free & (weights <= width))
    taken = np.zeros((heavy.size, width + 1), dtype=bool)
    for row, item in enumerate(heavy):
        w, v = int(weights[item]), float(values[item])
        candidate = best[:-w] + v if w else best + v
        better = candidate < best[w:]
        taken[row, w:] = better
        best[w:] = np.where(better, candidate, best[w:])
    chosen = list(np.flatnonzero(free))
    c = width
    for row in range(heavy.size - 1, -1, -1):
        if taken[row, c]:
            chosen.append(int(heavy[row]))
            c -= int(weights[heavy[row]])
    full = None
    if table:
        full = np.full(capacity + 1, best[-1])
        full[: width + 1] = best
    return float(best[-1]), np.sort(np.asarray(chosen, dtype=np.int64)), full


def linear_bounds(reduced: np.ndarray, loads: np.ndarray, capacity: float) -> np.ndarray:
    """Per column of ``reduced`` (areas × sites, entries <= 0): the LP knapsack optimum (greedy
    by value per load with one fractional item), a lower bound on the integer one."""
    per_load = reduced / np.maximum(loads, 1e-12)[:, None]
    order = np.argsort(per_load, axis=0, kind="stable")
    sorted_values = np.take_along_axis(reduced, order, axis=0)
    sorted_loads = loads[order]
    sorted_loads = np.where(sorted_values < 0, sorted_loads, 0.0)
    before = np.cumsum(sorted_loads, axis=0) - sorted_loads
    room = np.clip(capacity - before, 0.0, None)
    share = np.where(sorted_loads > 0, np.minimum(room / np.maximum(sorted_loads, 1e-12), 1.0), 1)
    return (sorted_values * share).sum(axis=0)
