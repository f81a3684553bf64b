"""Heuristic search for p-median: greedy addition, then vertex substitution (Teitz–Bart swaps).

``cost`` is the weighted cost matrix ``w_i * d_ij`` (areas × allowed sites). Positions are
column indices into it. Each swap pass is vectorised: for every open site r (a loop of k) the
cost of every possible replacement j is one reduction over r's own areas, so a whole pass
touches each matrix entry a constant number of times.
"""

from __future__ import annotations

import time

import numpy as np


def total_cost(cost: np.ndarray, chosen) -> float:
    return float(cost[:, np.asarray(chosen)].min(axis=1).sum())


def greedy(cost: np.ndarray, k: int, fixed_positions) -> list[int]:
    """Open fixed sites, then repeatedly the site that lowers total cost most."""
    chosen = [int(p) for p in fixed_positions]
    current = cost[:, chosen].min(axis=1) if chosen else np.full(cost.shape[0], np.inf)
    scratch = np.empty_like(cost)
    while len(chosen) < k:
        totals = np.minimum(cost, current[:, None], out=scratch).sum(axis=0)
        totals[chosen] = np.inf
        best = int(np.argmin(totals))
        chosen.append(best)
        current = np.minimum(current, cost[:, best])
    return chosen


def nearest_two(cost: np.ndarray, chosen) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per area: cost to the nearest open site, its slot in ``chosen``, cost to the second."""
    sub = cost[:, np.asarray(chosen)]
    rows = np.arange(sub.shape[0])
    slot = sub.argmin(axis=1)
    first = sub[rows, slot]
    if sub.shape[1] == 1:
        return first, slot, np.full_like(first, np.inf)
    sub[rows, slot] = np.inf
    return first, slot, sub.min(axis=1)


def interchange(cost: np.ndarray, chosen, fixed_mask: np.ndarray, deadline: float) -> list[int]:
    """Best-improvement swaps until no swap lowers the cost (a local optimum) or time runs out."""
    chosen = list(chosen)
    while time.perf_counter() < deadline:
        swap = _best_swap(cost, chosen, fixed_mask)
        if swap is None:
            break
        slot, site = swap
        chosen[slot] = site
    return chosen


def _best_swap(cost: np.ndarray, chosen, fixed_mask):
    first, slot_of, second = nearest_two(cost, chosen)
    current = first.sum()
    scratch = np.empty_like(cost)
    with_added = np.minimum(cost, first[:, None], out=scratch).sum(axis=0)
    best_total, best = current - 1e-9 * max(current, 1.0), None
    for slot, site in enumerate(chosen):
        if fixed_mask[site]:
            continue
        total = with_added + _removal_penalty(cost, first, second, slot_of == slot)
        total[chosen] = np.inf
        candidate = int(np.argmin(total))
        if total[candidate] < best_total:
            best_total, best = total[candidate], (slot, candidate)
    return best


def _removal_penalty(cost, first, second, members) -> np.ndarray:
    """Extra cost, per replacement site j, for the areas that lose their nearest open site."""
    if not members.any():
        return np.zeros(cost.shape[1])
    sub = cost[members]
    own, fallback = first[members, None], second[members, None]
    return (np.minimum(sub, fallback) - np.minimum(sub, own)).sum(axis=0)
