"""Lagrangian lower bound for p-median, with subgradient optimisation and variable fixing.

Relaxing "each area is assigned exactly once" with multipliers lambda_i gives

    L(lambda) = sum_i lambda_i + min_{|S| = k, fixed ⊆ S} sum_{j in S} rho_j,
    rho_j = sum_i min(0, c_ij - lambda_i),

a valid lower bound for every lambda (its maximum equals the LP bound). The subgradient steps
run in float32 for speed; the best multipliers are re-evaluated exactly in float64, so the
reported bound is exact for those multipliers.

Fixing: with exact multipliers, forcing site j into S costs at least L + rho_j - rho_worst
(the worst chosen free site leaves). If that is >= the incumbent's cost, no solution containing
j beats the incumbent, so j is dropped. Symmetrically a chosen site whose removal lifts the
bound to the incumbent must stay open in any better solution. Fixing runs every few dozen steps,
so later steps work on fewer columns; every bound computed is a bound on the solutions that
could still beat the incumbent, hence min(bound, incumbent) bounds the optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LagrangianBound:
    value: float  # lower bound on every solution cheaper than best_cost
    multipliers: np.ndarray
    active: np.ndarray  # sites (columns of cost) that may still be in a better solution
    forced: np.ndarray  # per active site: must be open in any better solution
    iterations: int
    best_sites: np.ndarray  # the cheapest site set met on the way (a Lagrangian heuristic)
    best_cost: float
    scale: float  # the step scale reached, to resume from


BOX_MIN_ENTRIES = 1_000_000  # areas × sites from which the box restriction pays off


class _Columns:
    """The sites still in play, in float32 for fast steps, and those forced open."""

    def __init__(self, cost: np.ndarray, fixed_mask: np.ndarray):
        self.cost = cost
        self.active = np.arange(cost.shape[1])
        self.fixed = fixed_mask.copy()
        self._prepare()

    def _prepare(self) -> None:
        self.fast = np.ascontiguousarray(self.cost[:, self.active], dtype=np.float32)
        self.scratch = np.empty_like(self.fast)

    def shrink(self, keep: np.ndarray, force: np.ndarray) -> None:
        self.active = self.active[keep]
        self.fixed = (self.fixed | force)[keep]
        self._prepare()

    def exact(self) -> np.ndarray:
        return self.cost[:, self.active]

    def project(self, multipliers: np.ndarray) -> np.ndarray:
        return multipliers

    def rho(self, multipliers: np.ndarray) -> np.ndarray:
        np.subtract(self.fast, multipliers[:, None], out=self.scratch)
        np.minimum(self.scratch, 0.0, out=self.scratch)
        return self.scratch.sum(axis=0, dtype=np.float64)

    def served(self, opened: np.ndarray) -> np.ndarray:
        """Per area, how many opened sites it would be assigned to in the last rho()."""
        return (self.scratch[:, opened] < 0).sum(axis=1)


class _NearestColumns(_Columns):
    """Only each area's ``depth`` cheapest sites, with lambda_i capped at the next cost.

    With lambda_i <= c_i(depth+1) every other site has c_ij - lambda_i >= 0 and adds nothing
    to rho, so the Lagrangian is exact on this sparse set and still a valid bound (the cap is
    just a restriction of the multipliers). Steps touch n × depth entries, not n × m.
    """

    def __init__(self, cost, fixed_mask, depth: int):
        self.depth = depth
        super().__init__(cost, fixed_mask)

    def _prepare(self) -> None:
        sub = self.cost[:, self.active]
        depth = min(self.depth, sub.shape[1] - 1)
        nearest = np.argpartition(sub, depth, axis=1)
        rows = np.arange(sub.shape[0])[:, None]
        self.cap = sub[rows[:, 0], nearest[:, depth]]
        self.columns = nearest[:, :depth]
        self.values = sub[rows, self.columns].astype(np.float32)
        self.flat_columns = self.columns.ravel()
        self.contribution = np.empty_like(self.values)

    def project(self, multipliers):
        return np.minimum(multipliers, self.cap).astype(np.float32)

    def rho(self, multipliers):
        np.subtract(self.values, multipliers[:, None], out=self.contribution)
        np.minimum(self.contribution, 0.0, out=self.contribution)
        return np.bincount(
            self.flat_columns, weights=self.contribution.ravel(), minlength=self.active.size
        )

    def served(self, opened):
        is_open = np.zeros(self.active.size, dtype=bool)
        is_open[opened] = True
        return ((self.contribution < 0) & is_open[self.columns]).sum(axis=1)


class _BoxColumns(_Columns):
    """Multipliers kept in the box first_i <= lambda_i <= second_i around the incumbent.

    first_i and second_i are area i's costs to its nearest and second-nearest incumbent site.
    If the LP relaxation is integral at the incumbent, complementary slackness puts optimal
    multipliers in this box, and the box steadies the ascent a lot. Any box is a restriction of
    the multipliers, so every value is still a valid bound. With lambda_i <= second_i only the
    pairs with c_ij < second_i can contribute to rho; they are stored column by column, so rho
    is one segmented sum.
    """

    def __init__(self, cost, fixed_mask, incumbent):
        nearest = np.partition(cost[:, np.asarray(incumbent)], 1, axis=1)
        self.low = nearest[:, 0].astype(np.float32)
        self.high = nearest[:, 1].astype(np.float32)
        super().__init__(cost, fixed_mask)

    def _prepare(self) -> None:
        column, row = np.nonzero(self.high[None, :] > self.cost[:, self.active].T)
        self._store(np.ascontiguousarray(row), np.ascontiguousarray(column))

    def _store(self, row, column) -> None:
        self.row, self.column = row, column
        self.values = self.cost[row, self.active[column]].astype(np.float32)
        counts = np.bincount(column, minlength=self.active.size)
        self.starts = np.concatenate([[0], np.cumsum(counts)])
        self.filled = np.flatnonzero(counts)
        self.contribution = np.empty_like(self.values)

    def shrink(self, keep, force) -> None:
        renumber = np.cumsum(keep) - 1
        stays = keep[self.column]
        self.active = self.active[keep]
        self.fixed = (self.fixed | force)[keep]
        self._store(self.row[stays], renumber[self.column[stays]])

    def project(self, multipliers):
        return np.clip(multipliers, self.low, self.high).astype(np.float32)

    def rho(self, multipliers):
        np.subtract(self.values, multipliers[self.row], out=self.contribution)
        np.minimum(self.contribution, 0.0, out=self.contribution)
        rho = np.zeros(self.active.size)
        if self.filled.size:
            rho[self.filled] = np.add.reduceat(self.contribution, self.starts[self.filled])
        return rho

    def served(self, opened):
        spans = [np.arange(self.starts[j], self.starts[j + 1]) for j in np.asarray(opened)]
        inside = np.concatenate(spans) if spans else np.empty(0, np.int64)
        hit = inside[self.contribution[inside] < 0]
        return np.bincount(self.row[hit], minlength=self.low.size)


def _columns_for(cost, fixed_mask, incumbent) -> _Columns:
    """Box steps on large instances (incumbent of two or more sites), else sparse or dense.

    On small instances the unrestricted multipliers reach the LP bound in a few dozen steps,
    while the box can hold the bound just below it when the LP is fractional.
    """
    if len(incumbent) >= 2 and cost.size >= BOX_MIN_ENTRIES:
        return _BoxColumns(cost, fixed_mask, incumbent)
    sub = cost[:, np.asarray(incumbent)]
    second = np.partition(sub, 1, axis=1)[:, 1] if sub.shape[1] > 1 else sub[:, 0]
    depth = int((cost < second[:, None]).sum(axis=1).max()) + 16
    if depth * 3 < cost.shape[1]:
        return _NearestColumns(cost, fixed_mask, depth)
    return _Columns(cost, fixed_mask)


def evaluate(cost: np.ndarray, multipliers: np.ndarray, k: int, fixed_mask: np.ndarray):
    """Exact (float64) Lagrangian value, the per-site rho and the sites it opens."""
    rho = np.minimum(cost - multipliers[:, None], 0.0).sum(axis=0)
    opened = _cheapest_sites(rho, k, fixed_mask)
    return float(multipliers.sum() + rho[opened].sum()), rho, opened


def _cheapest_sites(rho: np.ndarray, k: int, fixed_mask: np.ndarray) -> np.ndarray:
    fixed = np.flatnonzero(fixed_mask)
    free = np.flatnonzero(~fixed_mask)
    extra = k - fixed.size
    if extra <= 0:
        return fixed
    pick = free[np.argpartition(rho[free], extra - 1)[:extra]] if extra < free.size else free
    return np.concatenate([fixed, pick])


def subgradient(
    cost,
    k,
    fixed_mask,
    incumbent,
    start,
    deadline,
    target_gap,
    max_iterations=20000,
    patience=40,
    fix_every=40,
    scale=2.0,
) -> LagrangianBound:
    """Maximise L(lambda) by subgradient steps (Held–Karp step size, halving on stalls).

    The sites each step opens form a feasible solution; the cheapest one seen is kept, which
    often improves on the incumbent where swaps got stuck.
    """
    columns = _columns_for(cost, fixed_mask, incumbent)
    best_sites, upper = np.asarray(incumbent), _cost_of(cost, incumbent)
    seen: set = set()
    multipliers = columns.project(start.astype(np.float32))
    best_value, best_multipliers = -np.inf, multipliers.copy()
    stall, iterations, last_fix = 0, 0, -np.inf
    for iterations in range(1, max_iterations + 1):
        value, opened = _step_value(columns, multipliers, k)
        sites = columns.active[opened]
        key = frozenset(sites.tolist())
        if key not in seen:
            seen.add(key)
            candidate = _cost_of(cost, sites)
            if candidate < upper:
                best_sites, upper = sites, candidate
        if value > best_value + 1e-12 * abs(upper):
            best_value, best_multipliers, stall = value, multipliers.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                scale, stall = scale / 2, 0
        if _done(upper, best_value, target_gap, scale, deadline):
            break
        if iterations % fix_every == 0 and best_value > last_fix:
            last_fix = best_value
            if not _fix(columns, best_multipliers, k, upper, best_sites):
                best_value = upper  # nothing can beat the incumbent
                break
            continue
        multipliers = _step(columns, multipliers, opened, scale, upper, value)
        if multipliers is None:
            break
    exact_multipliers = best_multipliers.astype(np.float64)
    value = (
        max(best_value, evaluate(columns.exact(), exact_multipliers, k, columns.fixed)[0])
        if best_value < upper
        else upper
    )
    return LagrangianBound(
        value,
        exact_multipliers,
        columns.active,
        columns.fixed,
        iterations,
        best_sites,
        upper,
        scale,
    )


def _step_value(columns: _Columns, multipliers, k):
    rho = columns.rho(multipliers)
    opened = _cheapest_sites(rho, k, columns.fixed)
    return float(multipliers.sum(dtype=np.float64) + rho[opened].sum()), opened


def _step(columns: _Columns, multipliers, opened, scale, upper, value):
    direction = 1.0 - columns.served(opened)
    norm = float(direction @ direction)
    if norm == 0:
        return None
    step = scale * max(upper - value, 1e-9 * abs(upper)) / norm
    return columns.project((multipliers + step * direction).astype(np.float32))


def _fix(columns: _Columns, multipliers, k, upper, incumbent) -> bool:
    """Shrink the columns by Lagrangian fixing; False when no better solution can exist."""
    exact = multipliers.astype(np.float64)
    value, rho, _ = evaluate(columns.exact(), exact, k, columns.fixed)
    if value >= upper:
        return False
    positions = np.flatnonzero(np.isin(columns.active, incumbent))
    drop, force = fixing(value, rho, k, columns.fixed, upper, positions)
    if (columns.fixed | force).sum() > k:
        return False
    columns.shrink(~drop, force)
    return True


def _cost_of(cost: np.ndarray, sites) -> float:
    return float(cost[:, np.asarray(sites)].min(axis=1).sum())


def _done(upper, best_value, target_gap, scale, deadline) -> bool:
    if upper - best_value <= target_gap * abs(upper):
        return True
    return scale < 1e-4 or time.perf_counter() > deadline


def fixing(value: float, rho: np.ndarray, k: int, fixed_mask: np.ndarray, upper: float, incumbent):
    """Sites that cannot be in a better solution (drop) and sites that must be (keep open)."""
    opened = _cheapest_sites(rho, k, fixed_mask)
    free_open = np.setdiff1d(opened, np.flatnonzero(fixed_mask))
    free_closed = np.setdiff1d(np.flatnonzero(~fixed_mask), opened)
    drop = np.zeros(rho.size, dtype=bool)
    force = np.zeros(rho.size, dtype=bool)
    if free_open.size and free_closed.size:
        worst_open, best_closed = rho[free_open].max(), rho[free_closed].min()
        drop[free_closed] = value + rho[free_closed] - worst_open >= upper
        force[free_open] = value - rho[free_open] + best_closed >= upper
    drop[np.asarray(incumbent, dtype=np.int64)] = False
    return drop, force
