"""Greedy and swap search for maximal covering on a (demand groups × sites) 0/1 matrix.

Each swap pass is three matrix products: the weight each site would newly cover, the weight
each open site covers alone (lost if it closes), and for every (site, open site) pair the lost
weight the site would win back.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse


def greedy_cover(cover: np.ndarray, weights: np.ndarray, count: int) -> list[int]:
    chosen: list[int] = []
    uncovered = weights.copy()
    for _ in range(count):
        gain = uncovered @ cover
        gain[chosen] = -1.0
        best = int(np.argmax(gain))
        chosen.append(best)
        uncovered[cover[:, best] > 0] = 0.0
    return chosen


def swap_cover(cover: np.ndarray, weights: np.ndarray, chosen, deadline: float) -> list[int]:
    chosen = list(chosen)
    while time.perf_counter() < deadline:
        swap = _best_swap(cover, weights, chosen)
        if swap is None:
            break
        slot, site = swap
        chosen[slot] = site
    return chosen


def _best_swap(cover, weights, chosen):
    open_cover = cover[:, chosen]
    times_covered = open_cover.sum(axis=1)
    newly = (weights * (times_covered == 0)) @ cover
    alone = open_cover * ((times_covered == 1) * weights)[:, None]
    lost = alone.sum(axis=0)
    regained = cover.T @ alone
    delta = newly[:, None] + regained - lost[None, :]
    delta[chosen, :] = -np.inf
    site, slot = np.unravel_index(np.argmax(delta), delta.shape)
    if delta[site, slot] <= 1e-9 * max(weights.sum(), 1.0):
        return None
    return int(slot), int(site)


def merge_identical_rows(rows: np.ndarray, weights: np.ndarray):
    if rows.shape[0] == 0:
        return rows, weights
    packed = np.packbits(rows, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=first.size)
    return rows[first], merged


def undominated_columns(groups: np.ndarray) -> np.ndarray:
    """Columns whose coverage set is not contained in another column's (first of equals)."""
    incidence = sparse.csc_matrix(groups, dtype=np.int32)
    size = np.asarray(incidence.sum(axis=0)).ravel()
    shared = (incidence.T @ incidence).tocoo()
    column, other = shared.row, shared.col
    contained = (shared.data == size[column]) & (column != other)
    larger = (size[other] > size[column]) | (other < column)
    dominated = np.zeros(groups.shape[1], dtype=bool)
    dominated[column[contained & larger]] = True
    dominated[size == 0] = True
    return np.flatnonzero(~dominated)
