"""Greedy and swap search for maximal covering on a (demand groups × sites) 0/1 matrix.

Small products use einsum, not BLAS: multi-threaded BLAS on such tiny matrices costs more
in thread hand-offs than the arithmetic, badly so on a loaded machine.

Each swap pass is three matrix products: the weight each site would newly cover, the weight
each open site covers alone (lost if it closes), and for every (site, open site) pair the lost
weight the site would win back.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

SMALL = 200_000  # entries of a (groups × sites) matrix below which bit tests are used


def greedy_cover(cover: np.ndarray, weights: np.ndarray, count: int) -> list[int]:
    chosen: list[int] = []
    uncovered = weights.copy()
    for _ in range(count):
        gain = _product(uncovered, cover)
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
    newly = _product(weights * (times_covered == 0), cover)
    alone = open_cover * ((times_covered == 1) * weights)[:, None]
    lost = alone.sum(axis=0)
    regained = _product(cover.T, alone)
    delta = newly[:, None] + regained - lost[None, :]
    delta[chosen, :] = -np.inf
    site, slot = np.unravel_index(np.argmax(delta), delta.shape)
    if delta[site, slot] <= 1e-9 * max(weights.sum(), 1.0):
        return None
    return int(slot), int(site)


def merge_identical_rows(rows: np.ndarray, weights: np.ndarray):
    if rows.shape[0] == 0:
        return rows, weights
    packed = np.ascontiguousarray(np.packbits(rows, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()  # one bytes key per row
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=first.size)
    return rows[first], merged


def undominated_columns(groups: np.ndarray) -> np.ndarray:
    """Columns whose coverage set is not contained in another column's (first of equals)."""
    if groups.size <= SMALL and groups.shape[1] <= 500:  # bits beat building sparse matrices
        return _undominated_small(groups)
    incidence = sparse.csc_matrix(groups, dtype=np.int32)
    size = np.asarray(incidence.sum(axis=0)).ravel()
    shared = (incidence.T @ incidence).tocoo()
    return _undominated(size, shared.row, shared.col, shared.data, groups.shape[1])


def _undominated(size, column, other, shared, sites) -> np.ndarray:
    contained = (shared == size[column]) & (column != other)
    larger = (size[other] > size[column]) | (other < column)
    dominated = np.zeros(sites, dtype=bool)
    dominated[column[contained & larger]] = True
    dominated[size == 0] = True
    return np.flatnonzero(~dominated)


def _undominated_small(groups: np.ndarray) -> np.ndarray:
    """As undominated_columns, by testing every pair of packed columns for set inclusion."""
    packed = np.packbits(groups.T, axis=1)  # one row of bits per site
    inside = ~(packed[:, None, :] & ~packed[None, :, :]).any(axis=2)  # [i, j]: i ⊆ j
    size = groups.sum(axis=0)
    column, other = np.nonzero(inside)
    shared = size[column]  # |i ∩ j| = |i| when i ⊆ j
    return _undominated(size, column, other, shared, groups.shape[1])


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left @ right, without BLAS (and its threads) when the matrices are small."""
    if right.size > SMALL:
        return left @ right
    if left.ndim == 1:
        return np.einsum("g,gs->s", left, right)
    return np.einsum("sg,gr->sr", left, right)
