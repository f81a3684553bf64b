"""p-median: choose k sites minimising the need-weighted distance to the nearest open site.

Pipeline, each step only if the previous one left a gap:

1. greedy + vertex substitution (Teitz–Bart swaps) gives the incumbent (upper bound);
2. Lagrangian relaxation with subgradient optimisation gives a lower bound, hence a proven gap;
3. Lagrangian fixing drops sites that cannot be in a better solution, and the chain MILP on the
   sites left is solved by HiGHS (warm-started with the incumbent) within the time limit.

Reductions that keep the answer exact: areas with zero weight never change the cost and are
left out of the search; excluded sites are removed before anything else.
"""

from __future__ import annotations

import time

import numpy as np

from . import highs
from .pmedian_bound import subgradient
from .pmedian_milp import chain_model, chain_size, chain_start
from .pmedian_search import greedy, interchange, nearest_two, total_cost
from .problem import (
    check_distance_matrix,
    check_time_limit,
    check_weights,
    choose_sites,
    nearest_open,
)
from .result import MINIMISE, OPTIMALITY_TOLERANCE, Result, make_result

# Share of the time limit the first swaps may use (the Lagrangian phase finds better sites too).
SWAP_TIME_SHARE = 0.4
# Share of the time limit the Lagrangian phase may use before handing over to the MILP.
BOUND_TIME_SHARE = 0.6
# Above this many chain variables HiGHS would not finish in seconds; the Lagrangian gap stands.
MAX_CHAIN_LINKS = 400_000


def p_median(
    distance, weight, k: int, *, fixed_open=(), excluded=(), time_limit: float = 30.0
) -> Result:
    started = time.perf_counter()
    deadline = started + check_time_limit(time_limit)
    matrix = check_distance_matrix(distance)
    weights = check_weights(weight, matrix.shape[0])
    choice = choose_sites(matrix.shape[1], k, fixed_open, excluded)
    active = np.flatnonzero(weights > 0)
    cost = weights[active, None] * matrix[np.ix_(active, choice.allowed)]
    fixed_mask = np.isin(choice.allowed, choice.fixed)
    positions, bound, method = _solve(cost, choice.k, fixed_mask, started, deadline)
    sites = choice.allowed[positions]
    assignment = nearest_open(matrix, sites)
    objective = float((weights * matrix[np.arange(matrix.shape[0]), assignment]).sum())
    return make_result(
        model="p-median",
        sense=MINIMISE,
        sites=sites,
        assignment=assignment,
        objective=objective,
        bound=bound,
        started=started,
        method=method,
    )


def _solve(cost, k, fixed_mask, started, deadline):
    if cost.shape[0] == 0 or k == cost.shape[1] or k == fixed_mask.sum():
        chosen = np.flatnonzero(fixed_mask) if k == fixed_mask.sum() else np.arange(k)
        value = total_cost(cost, chosen) if cost.shape[0] else 0.0
        return chosen, value, "exact (no choice left)"
    swap_deadline = started + SWAP_TIME_SHARE * (deadline - started)
    initial = greedy(cost, k, np.flatnonzero(fixed_mask))
    chosen = interchange(cost, initial, fixed_mask, swap_deadline)
    first, _, second = nearest_two(cost, chosen)
    # Start halfway between each area's nearest and second-nearest incumbent costs: the middle
    # of the box where optimal multipliers lie when the LP is integral at the incumbent.
    start = np.where(np.isfinite(second), (first + second) / 2, first)
    bound_deadline = started + BOUND_TIME_SHARE * (deadline - started)
    lagrangian = subgradient(
        cost, k, fixed_mask, chosen, start, bound_deadline, OPTIMALITY_TOLERANCE, patience=20
    )
    method = (
        f"greedy + swaps; Lagrangian bound ({lagrangian.iterations} subgradient steps, "
        f"{lagrangian.active.size} of {cost.shape[1]} sites left by fixing)"
    )
    chosen, upper = lagrangian.best_sites, lagrangian.best_cost
    lower = min(lagrangian.value, upper)
    if _proven(lower, upper) or time.perf_counter() >= deadline:
        return np.asarray(chosen), lower, method
    reduced = cost[:, lagrangian.active]
    if chain_size(reduced, lagrangian.forced) > MAX_CHAIN_LINKS:
        return _bound_until_deadline(cost, k, fixed_mask, lagrangian, deadline, method)
    chosen = interchange(cost, list(chosen), fixed_mask, deadline)
    upper = total_cost(cost, chosen)
    return _exact_on_reduced(cost, k, lagrangian, chosen, upper, lower, deadline, method)


def _exact_on_reduced(cost, k, lagrangian, chosen, upper, lower, deadline, method):
    keep, must_open = lagrangian.active, lagrangian.forced
    reduced = cost[:, keep]
    if chain_size(reduced, must_open) > MAX_CHAIN_LINKS:
        return np.asarray(chosen), lower, method + "; MILP skipped (too large)"
    model = chain_model(reduced, k, must_open)
    incumbent = np.flatnonzero(np.isin(keep, chosen))
    feasible = incumbent.size == len(chosen) and must_open[incumbent].sum() == must_open.sum()
    start = chain_start(reduced, incumbent, must_open) if feasible else None
    outcome = highs.solve(model, time_limit=deadline - time.perf_counter(), start=start)
    method += f"; HiGHS MILP on the {keep.size} sites left ({outcome.status})"
    if outcome.values is not None and outcome.objective < upper:
        chosen = keep[np.flatnonzero(outcome.values[: keep.size] > 0.5)]
        upper = total_cost(cost, chosen)
    # Sites dropped by fixing cannot beat the incumbent, so the reduced bound is global.
    lower = max(lower, min(outcome.bound, upper))
    return np.asarray(chosen), lower, method


def _bound_until_deadline(cost, k, fixed_mask, lagrangian, deadline, method):
    """The MILP is too large for now: swap again, take more steps, then the MILP if it shrank.

    Swaps from the Lagrangian's best sites first: a better incumbent recentres the box of the
    multipliers and lets fixing drop more sites, which often makes the chain MILP small enough.
    """
    swap_deadline = time.perf_counter() + 0.3 * (deadline - time.perf_counter())
    sites = interchange(cost, list(lagrangian.best_sites), fixed_mask, swap_deadline)
    more = subgradient(
        cost,
        k,
        fixed_mask,
        sites,
        lagrangian.multipliers,
        time.perf_counter() + 0.7 * (deadline - time.perf_counter()),
        OPTIMALITY_TOLERANCE,
        scale=lagrangian.scale,
    )
    lower = max(min(lagrangian.value, more.best_cost), min(more.value, more.best_cost))
    method += f"; {more.iterations} more steps ({more.active.size} sites left)"
    if _proven(lower, more.best_cost) or time.perf_counter() >= deadline:
        return np.asarray(more.best_sites), lower, method
    if chain_size(cost[:, more.active], more.forced) > MAX_CHAIN_LINKS:
        return np.asarray(more.best_sites), lower, method + ", MILP skipped (too large)"
    chosen = list(more.best_sites)
    return _exact_on_reduced(cost, k, more, chosen, more.best_cost, lower, deadline, method)


def _proven(lower: float, upper: float) -> bool:
    return upper - lower <= OPTIMALITY_TOLERANCE * max(abs(upper), 1e-12)
