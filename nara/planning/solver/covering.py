"""Maximal covering (MCLP): open k sites to maximise the weight of demand within distance S.

Exact reductions before any search:

* demand already covered by fixed-open sites, demand no allowed site can cover and zero-weight
  areas leave the problem (their contribution is known);
* areas with identical coverage sets merge into one row with the summed weight;
* a site whose coverage set is a subset of another's is dropped (swapping it for the larger one
  never loses coverage); of identical sites only the first is kept.

Then greedy + best-improvement swaps give the incumbent, and HiGHS solves the reduced MILP
(warm-started) for the proof: maximise sum_g w_g u_g, u_g <= sum_{j covers g} y_j, sum y = k;
see covering_exact.py.
"""

from __future__ import annotations

import time

import numpy as np

from .covering_exact import prove
from .covering_search import greedy_cover, merge_identical_rows, swap_cover, undominated_columns
from .problem import (
    check_distance_matrix,
    check_time_limit,
    check_weights,
    choose_sites,
    nearest_open,
)
from .result import MAXIMISE, Result, make_result


def maximal_covering(
    distance,
    weight,
    k: int,
    coverage_distance: float,
    *,
    fixed_open=(),
    excluded=(),
    time_limit: float = 30.0,
) -> Result:
    started = time.perf_counter()
    deadline = started + check_time_limit(time_limit)
    matrix = check_distance_matrix(distance)
    weights = check_weights(weight, matrix.shape[0])
    choice = choose_sites(matrix.shape[1], k, fixed_open, excluded)
    covers = matrix <= float(coverage_distance)
    free = np.setdiff1d(choice.allowed, choice.fixed)
    sure = covers[:, choice.fixed].any(axis=1)
    open_free, bound_free, method = _solve_free(
        covers, weights, free, sure, choice.free_count, deadline
    )
    sites = np.concatenate([choice.fixed, open_free]).astype(np.int64)
    covered = covers[:, sites].any(axis=1)
    objective = float(weights[covered].sum())
    bound = float(weights[sure].sum()) + bound_free
    details = {
        "coverage_distance": float(coverage_distance),
        "covered": covered,
        "covered_share": objective / weights.sum() if weights.sum() > 0 else 1.0,
    }
    return make_result(
        model="maximal covering",
        sense=MAXIMISE,
        sites=sites,
        assignment=nearest_open(matrix, sites),
        objective=objective,
        bound=bound,
        started=started,
        method=method,
        details=details,
    )


def _solve_free(covers, weights, free, sure, count, deadline):
    """Choose ``count`` of the ``free`` sites; return them and a bound on their coverage."""
    if count == 0:
        return np.empty(0, np.int64), 0.0, "exact (all sites fixed)"
    rows = ~sure & (weights > 0) & covers[:, free].any(axis=1)
    groups, group_weight = merge_identical_rows(covers[np.ix_(rows, free)], weights[rows])
    kept = undominated_columns(groups)
    coverable = float(group_weight.sum())
    if kept.size <= count:
        chosen = _pad(kept, count, free.size)
        return free[chosen], coverable, "exact (every coverable area covered)"
    dense = groups[:, kept].astype(np.float64)
    chosen = swap_cover(dense, group_weight, greedy_cover(dense, group_weight, count), deadline)
    incumbent = float(group_weight[dense[:, chosen].any(axis=1)].sum())
    method = (
        f"reductions ({groups.shape[0]} demand groups, {kept.size} of {free.size} sites); "
        "greedy + swaps"
    )
    if incumbent >= coverable or time.perf_counter() >= deadline:
        return free[kept[chosen]], coverable, method
    chosen, bound, proof = prove(groups[:, kept], group_weight, count, chosen, deadline)
    return free[kept[chosen]], min(coverable, bound), f"{method}; {proof}"


def _pad(kept: np.ndarray, count: int, total: int) -> np.ndarray:
    """Open every kept site, then fill up to ``count`` with any others (they add nothing)."""
    others = np.setdiff1d(np.arange(total), kept)[: count - kept.size]
    return np.concatenate([kept, others]).astype(np.int64)
