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
    """Open fixed sites, then repeatedly the site that lowers total cost most.

    Lazy evaluation: a site's saving can only shrink as more sites open, so last round's
    savings are upper bounds, and only the site on top needs re-evaluating (one column).
    """
    chosen = [int(p) for p in fixed_positions]
    if not chosen:
        chosen.append(int(np.argmin(cost.sum(axis=0))))
    current = cost[:, chosen].min(axis=1)
    if len(chosen) >= k:
        return chosen
    savings = np.maximum(current[:, None] - cost, 0.0).sum(axis=0)
    savings[chosen] = -np.inf
    while len(chosen) < k:
        site = int(np.argmax(savings))
        fresh = float(np.maximum(current - cost[:, site], 0.0).sum())
        savings[site] = -np.inf
        if fresh >= savings.max():
            chosen.append(site)
            current = np.minimum(current, cost[:, site])
        else:
            savings[site] = fresh
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
    by_site = np.ascontiguousarray(cost.T, dtype=np.float32) if len(chosen) >= 2 else None
    while time.perf_counter() < deadline:
        swap = _best_swap(cost, chosen, fixed_mask, by_site)
        if swap is None:
            break
        slot, site = swap
        chosen[slot] = site
    return chosen


def _best_swap(cost: np.ndarray, chosen, fixed_mask, by_site=None):
    if by_site is not None:
        return _best_swap_sparse(cost, chosen, fixed_mask, by_site)
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


def _best_swap_sparse(cost: np.ndarray, chosen, fixed_mask, by_site):
    """The same best swap, from the pairs (i, j) with c_ij below i's second-nearest open cost.

    Swapping open site r for j changes the total by -gain_j + loss_r - regain_rj, where gain_j
    is what j saves the areas it would win, loss_r what r's areas pay to fall back to their
    second-nearest site, and regain_rj the part of that loss j wins back. Only pairs with
    c_ij < second_i contribute to gain and regain, so a pass is a few sums over those pairs.
    ``by_site`` is the float32 transpose of ``cost``, made once per search.
    """
    first, slot_of, second = nearest_two(cost, chosen)
    # by_site is cost.T in float32; rounding is monotone, so "<=" there keeps every pair with
    # c_ij < second_i (the extra pairs contribute nothing once clipped at zero below).
    column, row = np.nonzero(by_site <= second.astype(np.float32)[None, :])
    values = cost[row, column]
    sites, slots = cost.shape[1], len(chosen)
    gain = np.bincount(column, weights=np.maximum(first[row] - values, 0.0), minlength=sites)
    loss = np.bincount(slot_of, weights=second - first, minlength=slots)
    regain = np.bincount(
        slot_of[row] * sites + column,
        weights=np.maximum(second[row] - np.maximum(values, first[row]), 0.0),
        minlength=slots * sites,
    ).reshape(slots, sites)
    delta = loss[:, None] - regain - gain[None, :]
    delta[:, chosen] = np.inf
    delta[np.asarray([bool(fixed_mask[site]) for site in chosen])] = np.inf
    slot, site = np.unravel_index(np.argmin(delta), delta.shape)
    if delta[slot, site] >= -1e-9 * max(first.sum(), 1.0):
        return None
    return int(slot), int(site)
