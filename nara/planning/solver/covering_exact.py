"""Proof of optimality for maximal covering on the reduced (groups × sites) problem.

1. Solve the LP relaxation (fast). If its bound meets the incumbent, the incumbent is optimal;
   rounding the LP solution sometimes improves the incumbent first.
2. Otherwise reduced-cost fixing: the LP's reduced cost d_j bounds how much opening (closing) a
   site lowers the LP bound, so a site whose forced opening (closing) leaves a bound no better
   than the incumbent is closed (opened) for good.
3. A small LP branch-and-bound on one reused HiGHS instance (covering_branch.py); if it needs
   too many nodes, HiGHS's own MILP on the sites left, warm-started with the incumbent.
"""

from __future__ import annotations

import time

import numpy as np

from . import highs
from .covering_branch import CoverLp, branch
from .covering_search import merge_identical_rows, undominated_columns


def prove(cover: np.ndarray, weights: np.ndarray, count: int, chosen, deadline: float):
    """Return (sites, upper bound on coverage, description) for the reduced problem."""
    chosen = np.asarray(chosen)
    incumbent = coverage(cover, weights, chosen)
    sites = cover.shape[1]
    try:
        lp = CoverLp(_model(cover, weights, count), sites)
        lp_bound, values = lp.solve(np.zeros(sites), np.ones(sites))
    except ArithmeticError:
        values = None
    if values is None:
        return _branch_and_bound(cover, weights, count, chosen, incumbent, deadline, "")
    rounded = np.argsort(-values, kind="stable")[:count]
    if coverage(cover, weights, rounded) > incumbent:
        chosen, incumbent = rounded, coverage(cover, weights, rounded)
    tolerance = _tolerance(weights)
    if lp_bound <= incumbent + tolerance:
        return chosen, lp_bound, "LP bound"
    closed, opened = _reduced_cost_fixing(lp.reduced_costs(), lp_bound, incumbent)
    if (opened.sum() <= count) and time.perf_counter() < deadline:
        found, incumbent, bound, finished = branch(
            lp,
            lambda picked: coverage(cover, weights, picked),
            count,
            opened.astype(np.float64),
            (~closed).astype(np.float64),
            lp_bound,
            incumbent,
            tolerance,
            deadline,
        )
        chosen = chosen if found is None else found
        if finished:
            fixed = int(closed.sum() + opened.sum())
            return (
                chosen,
                min(lp_bound, bound),
                (f"LP bound, reduced-cost fixing ({fixed} sites fixed) and LP branch-and-bound"),
            )
    sites_found, bound, note = _reduced_search(
        cover, weights, count, chosen, incumbent, closed, opened, deadline
    )
    return sites_found, min(lp_bound, bound), note


def coverage(cover: np.ndarray, weights: np.ndarray, chosen) -> float:
    return float(weights[cover[:, np.asarray(chosen, dtype=np.int64)].any(axis=1)].sum())


def _tolerance(weights) -> float:
    return 1e-9 * max(float(weights.sum()), 1.0)


def _left(deadline: float) -> float:
    return deadline - time.perf_counter()


def _reduced_cost_fixing(reduced, lp_bound, incumbent):
    """``reduced``: the sites' LP reduced costs in the minimisation form (-coverage)."""
    closed = lp_bound - reduced <= incumbent
    opened = lp_bound + reduced <= incumbent
    return closed & ~opened, opened & ~closed


def _reduced_search(cover, weights, count, chosen, incumbent, closed, opened, deadline):
    must = np.flatnonzero(opened)
    free = np.flatnonzero(~closed & ~opened)
    picks = count - must.size
    fixed_part = coverage(cover, weights, must)
    if picks <= 0 or free.size == 0:
        return chosen, max(incumbent, fixed_part), "LP bound with reduced-cost fixing"
    rows = ~cover[:, must].any(axis=1) & cover[:, free].any(axis=1)
    sub_cover, sub_weights = merge_identical_rows(cover[np.ix_(rows, free)], weights[rows])
    kept = undominated_columns(sub_cover)
    free = free[kept]
    if free.size <= picks:
        others = np.setdiff1d(np.arange(cover.shape[1]), np.concatenate([must, free]))
        candidate = np.concatenate([must, free, others[: picks - free.size]])
        bound = float(sub_weights.sum())
        note = "LP bound with reduced-cost fixing"
        return (
            _better(cover, weights, candidate, chosen, incumbent),
            max(incumbent, fixed_part + bound),
            note,
        )
    sub_cover = sub_cover[:, kept]
    start = np.flatnonzero(np.isin(free, chosen)) if np.isin(must, chosen).all() else None
    sites, bound, note = _branch_and_bound(
        sub_cover,
        sub_weights,
        picks,
        start,
        -np.inf,
        deadline,
        f" on {free.size} sites left by fixing",
    )
    return (
        _better(cover, weights, np.concatenate([must, free[sites]]), chosen, incumbent),
        max(incumbent, fixed_part + bound),
        note,
    )


def _better(cover, weights, candidate, chosen, incumbent):
    return candidate if coverage(cover, weights, candidate) > incumbent else chosen


def _branch_and_bound(cover, weights, count, chosen, incumbent, deadline, where):
    sites = cover.shape[1]
    if sites <= count:
        return np.arange(sites), float(weights.sum()), "exact"
    start = None
    if chosen is not None and len(chosen) == count:
        y = np.zeros(sites)
        y[np.asarray(chosen)] = 1.0
        start = np.concatenate([y, cover[:, np.asarray(chosen)].any(axis=1).astype(float)])
    outcome = highs.solve(_model(cover, weights, count), time_limit=_left(deadline), start=start)
    if outcome.values is not None:
        found = np.flatnonzero(outcome.values[:sites] > 0.5)
        if chosen is None or coverage(cover, weights, found) > incumbent:
            chosen = found
    return chosen, -outcome.bound, f"HiGHS MILP{where} ({outcome.status})"


def _model(cover: np.ndarray, weights: np.ndarray, count: int) -> highs.Milp:
    """Columns: y (sites) then u (groups). Rows: u_g - sum_{j covers g} y_j <= 0; sum y = k.

    The column-wise arrays are built directly (no scipy assembly): site j's column holds -1 in
    the rows of the groups it covers and 1 in the last row; group g's column holds 1 in row g.
    """
    groups, sites = cover.shape
    site_of, group_of = np.nonzero(cover.T)
    per_site = np.bincount(site_of, minlength=sites) + 1
    ends = np.cumsum(per_site)
    indices = np.empty(ends[-1], dtype=np.int32)
    values = -np.ones(ends[-1])
    last = ends - 1
    is_link = np.ones(ends[-1], dtype=bool)
    is_link[last] = False
    indices[is_link] = group_of
    indices[last] = groups
    values[last] = 1.0
    starts = np.concatenate([[0], ends, ends[-1] + 1 + np.arange(groups)]).astype(np.int32)
    matrix = (
        starts,
        np.concatenate([indices, np.arange(groups, dtype=np.int32)]),
        np.concatenate([values, np.ones(groups)]),
        (groups + 1, sites + groups),
    )
    return highs.Milp(
        cost=np.concatenate([np.zeros(sites), -weights]),
        col_lower=np.zeros(sites + groups),
        col_upper=np.ones(sites + groups),
        integer=np.concatenate([np.ones(sites, bool), np.zeros(groups, bool)]),
        matrix=matrix,
        row_lower=np.concatenate([np.full(groups, -highs.INFINITY), [count]]),
        row_upper=np.concatenate([np.zeros(groups), [count]]),
    )
