"""Lagrangian bound for capacitated catchments with 0–1 knapsack subproblems.

Relaxing "each area is assigned exactly once" with multipliers lambda_i gives

    L(lambda) = sum_i lambda_i + min_{|S| = k, fixed ⊆ S} sum_{j in S} KP_j(lambda),

KP_j the knapsack of catchments_knapsack (integer, so the bound is at least the LP bound of the
strong formulation and usually far above it). Every L(lambda) is a valid lower bound. Sites
whose exact knapsack is not needed get a lower bound instead (the LP knapsack), which keeps L
valid: the k cheapest are chosen among values none of which is above the true KP_j.

Fixing with the best multipliers, against an incumbent of cost U:
* a site j outside the chosen set is closed when opening it forces L - KP_worst + KP_j >= U;
* a pair (i, j) is dropped when serving i from j forces a value >= U: KP_j with i inside is at
  least v_ij + F_j(W - w_i) (F_j the knapsack table, which may even reuse i: a lower bound).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import catchments_knapsack as knapsack


@dataclass
class Bound:
    value: float = -math.inf
    multipliers: np.ndarray | None = None
    iterations: int = 0
    closed: np.ndarray | None = None  # per site: cannot be open in a better plan
    dropped: np.ndarray | None = None  # per (area, site): cannot be used in a better plan
    site_sets: list = field(default_factory=list)  # the k-site sets met, most recent last


class Relaxation:
    """L(lambda) on the cost matrix (areas × sites) with k sites, some fixed open."""

    def __init__(self, cost, loads, capacity, k, fixed, cells=knapsack.DEFAULT_CELLS):
        self.cost, self.loads, self.capacity, self.k = cost, loads, capacity, k
        self.fixed = fixed
        self.scaled = knapsack.Scaled(loads, capacity, cells)
        self.allowed = np.ones(cost.shape[1], dtype=bool)

    def evaluate(self, multipliers, tables: bool = False):
        """(L, chosen sites, per site (value, exact), per chosen site its areas, tables)."""
        reduced = np.minimum(self.cost - multipliers[:, None], 0.0)
        estimate = knapsack.linear_bounds(reduced, self.loads, self.capacity)
        estimate[~self.allowed] = np.inf
        values = estimate.copy()
        exact = np.zeros(values.size, dtype=bool)
        members, table = {}, {}
        order = np.argsort(estimate, kind="stable")
        free_needed = self.k - int(self.fixed.sum())
        for j in np.flatnonzero(self.fixed):
            self._exact(j, reduced, values, exact, members, table, tables)
        for j in order:
            if not self.allowed[j] or self.fixed[j]:
                continue
            chosen_free = _smallest(values, exact, ~self.fixed & self.allowed, free_needed)
            if chosen_free is not None and values[j] >= chosen_free:
                break  # every later estimate is above the k-th exact value
            self._exact(j, reduced, values, exact, members, table, tables)
        sites = _cheapest(values, self.k, self.fixed, self.allowed)
        while not exact[sites].all():  # ties with estimates: settle them exactly
            for j in sites[~exact[sites]]:
                self._exact(j, reduced, values, exact, members, table, tables)
            sites = _cheapest(values, self.k, self.fixed, self.allowed)
        bound = float(multipliers.sum() + values[sites].sum())
        return bound, sites, values, members, table

    def _exact(self, j, reduced, values, exact, members, table, tables):
        column = reduced[:, j]
        items = np.flatnonzero(column < 0)
        value, chosen, full = knapsack.solve(
            column[items], self.scaled.weights[items], self.scaled.capacity, tables
        )
        values[j], exact[j] = value, True
        members[int(j)] = items[chosen]
        if tables:
            table[int(j)] = full


def _smallest(values, exact, mask, count):
    """The count-th smallest exact value among mask, or None when fewer are exact."""
    if count <= 0:
        return -math.inf
    pool = values[mask & exact]
    if pool.size < count:
        return None
    return float(np.partition(pool, count - 1)[count - 1])


def _cheapest(values, k, fixed, allowed):
    free = np.flatnonzero(~fixed & allowed)
    need = k - int(fixed.sum())
    picked = free[np.argsort(values[free], kind="stable")[:need]]
    return np.sort(np.concatenate([np.flatnonzero(fixed), picked]))


def subgradient(
    relax: Relaxation, start, upper_of, offer, deadline, target_gap=1e-7, patience=15, theta=1.0
):
    """Maximise L by subgradient steps (Polyak step to the incumbent's cost).

    ``upper_of()`` gives the incumbent cost; ``offer(sites, members)`` turns a Lagrangian
    solution into a plan (the heuristic). Returns the best Bound (multipliers, value)."""
    multipliers = start.astype(np.float64).copy()
    best = Bound(multipliers=multipliers.copy())
    stall = 0
    n = relax.cost.shape[0]
    while time.perf_counter() < deadline:
        value, sites, _, members, _ = relax.evaluate(multipliers)
        best.iterations += 1
        if value > best.value + 1e-9 * abs(value):
            best.value, best.multipliers, stall = value, multipliers.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
                multipliers = best.multipliers.copy()
        key = tuple(int(s) for s in sites)
        if not best.site_sets or best.site_sets[-1] != key:
            if key in best.site_sets:
                best.site_sets.remove(key)
            best.site_sets.append(key)
        offer(sites, members)
        upper = upper_of()
        if upper - best.value <= target_gap * abs(upper) or theta < 1e-3:
            break
        served = np.zeros(n)
        for j in sites:
            served[members[int(j)]] += 1
        gradient = 1.0 - served
        norm = float(gradient @ gradient)
        if norm == 0:
            break  # the relaxed solution is a plan: L is the optimum over it
        gap = (upper - value) if math.isfinite(upper) else abs(value) * 0.05 + 1.0
        multipliers = multipliers + theta * max(gap, 1e-9 * abs(value)) / norm * gradient
    return best


def fix(relax: Relaxation, bound: Bound, upper: float) -> Bound:
    """Close sites and drop pairs that cannot be in a plan cheaper than ``upper``."""
    multipliers = bound.multipliers
    value, sites, values, members, tables = relax.evaluate(multipliers, tables=True)
    bound.value = max(bound.value, value)
    n, m = relax.cost.shape
    slack = upper - 1e-9 * abs(upper)
    base = float(multipliers.sum())
    in_set = np.zeros(m, dtype=bool)
    in_set[sites] = True
    free_in = sites[~relax.fixed[sites]]
    worst = float(values[free_in].max()) if free_in.size else math.inf
    total = float(values[sites].sum())
    # the value forced by opening j: j replaces the worst free site of the set
    opened = np.where(in_set, total, total - worst + values)
    closed = ~in_set & (base + opened >= slack)
    closed |= ~relax.allowed
    dropped = np.zeros((n, m), dtype=bool)
    reduced = relax.cost - multipliers[:, None]
    negative = np.minimum(reduced, 0.0)
    weights, capacity = relax.scaled.weights, relax.scaled.capacity
    for j in np.flatnonzero(~closed):
        if int(j) not in tables:  # only an estimate: exact table needed to drop pairs
            relax._exact(j, negative, values, np.zeros(m, bool), members, tables, True)
        table = tables[int(j)]
        rest = total - (values[j] if in_set[j] else worst)
        room = capacity - weights
        inside = np.where(room >= 0, reduced[:, j] + table[np.clip(room, 0, None)], np.inf)
        inside[members[int(j)]] = values[j]
        dropped[:, j] = base + rest + inside >= slack
    dropped[:, closed] = True
    bound.closed, bound.dropped = closed, dropped
    return bound
