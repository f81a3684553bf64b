"""Capacitated catchments: assign every area to exactly one of k open bases.

Each base's load (population, staff hours, …; one value per area) must stay within
``capacity`` and, optionally, above ``minimum_load``; the need-weighted distance is minimised.
Bases are either given (``bases=``) or chosen among the candidates (``k=``, with fixed-open and
excluded sites as elsewhere).

Contiguity (optional, given area adjacency): every catchment must be connected and contain the
area its base stands in. It is enforced by iterative cut constraints: solve, find each
catchment's pieces that are cut off from the base's area, and for such a piece C add
``x_vj <= sum_{u in N(C)} x_uj`` for v in C (to reach the base, v's catchment must include a
neighbour of C), then solve again. Each round's model is a relaxation of the contiguous problem,
so its bound stays valid and the final answer reports an honest gap.
"""

from __future__ import annotations

import time

import numpy as np

from . import highs
from .catchments_cuts import Cuts, RowBlocks, disconnected_pieces
from .errors import PlanningError
from .problem import (
    check_distance_matrix,
    check_time_limit,
    check_weights,
    choose_sites,
)
from .result import MINIMISE, Result, make_result

MAX_CONTIGUITY_ROUNDS = 50


def capacitated_catchments(
    distance,
    weight,
    load,
    capacity: float,
    *,
    k: int | None = None,
    bases=None,
    minimum_load: float = 0.0,
    fixed_open=(),
    excluded=(),
    adjacency=None,
    base_area=None,
    time_limit: float = 30.0,
) -> Result:
    """``adjacency``: per area, the indices of neighbouring areas. ``base_area``: per site, the
    index of the area it stands in (default: the nearest area)."""
    started = time.perf_counter()
    deadline = started + check_time_limit(time_limit)
    matrix = check_distance_matrix(distance)
    weights = check_weights(weight, matrix.shape[0])
    loads = check_weights(load, matrix.shape[0], "load")
    sites, chosen_fixed = _sites(matrix.shape[1], k, bases, fixed_open, excluded)
    _check_capacity(loads, capacity, minimum_load, sites, chosen_fixed, k)
    homes = _base_areas(matrix, base_area)
    model = _Model(
        matrix,
        weights,
        loads,
        capacity,
        minimum_load,
        sites,
        chosen_fixed,
        k if bases is None else len(sites),
    )
    cuts = Cuts(model.area_count, model.site_count)
    rounds = 0
    while rounds < MAX_CONTIGUITY_ROUNDS:
        rounds += 1
        outcome = highs.solve(
            model.build(cuts, homes if adjacency is not None else None),
            time_limit=deadline - time.perf_counter(),
        )
        if outcome.values is None:
            raise _infeasible(outcome, adjacency)
        assignment_pos = model.assignment(outcome.values)
        pieces = (
            []
            if adjacency is None
            else disconnected_pieces(assignment_pos, adjacency, homes[sites])
        )
        if not pieces or time.perf_counter() >= deadline:
            break
        cuts.add(pieces, adjacency)
    if pieces:
        raise PlanningError(
            "Could not make every catchment contiguous within the time limit; "
            "allow more time or relax the capacity."
        )
    assignment = sites[assignment_pos]
    opened = sites[outcome.values[-len(sites) :] > 0.5]
    objective = float((weights * matrix[np.arange(matrix.shape[0]), assignment]).sum())
    load_per_site = {int(s): float(loads[assignment == s].sum()) for s in opened}
    method = f"HiGHS MILP ({outcome.status})"
    if adjacency is not None:
        method += f" with contiguity cuts ({rounds} rounds, {cuts.count} cuts)"
    return make_result(
        model="capacitated catchments",
        sense=MINIMISE,
        sites=opened,
        assignment=assignment,
        objective=objective,
        bound=outcome.bound,
        started=started,
        method=method,
        details={"load": load_per_site},
    )


def _sites(site_count, k, bases, fixed_open, excluded):
    if (k is None) == (bases is None):
        raise PlanningError("Give either the bases to use or the number of bases to choose.")
    if bases is not None:
        choice = choose_sites(site_count, len(set(bases)), fixed_open=bases)
        return choice.fixed, np.ones(choice.fixed.size, dtype=bool)
    choice = choose_sites(site_count, k, fixed_open, excluded)
    return choice.allowed, np.isin(choice.allowed, choice.fixed)


def _check_capacity(loads, capacity, minimum_load, sites, fixed, k):
    count = len(sites) if k is None else k
    total = float(loads.sum())
    if not capacity > 0:
        raise PlanningError("The capacity of a base must be a positive number.")
    if minimum_load > capacity:
        raise PlanningError(
            f"The minimum load per base ({minimum_load:g}) is above the capacity ({capacity:g})."
        )
    if total > count * capacity:
        raise PlanningError(
            f"The total load {total:g} does not fit in {count} bases of capacity {capacity:g} "
            f"(at most {count * capacity:g}); raise the capacity or the number of bases."
        )
    if minimum_load * count > total:
        raise PlanningError(
            f"{count} bases with a minimum load of {minimum_load:g} need {count * minimum_load:g}"
            f" in total, but the areas only have {total:g}; lower the minimum or the bases."
        )
    too_big = np.flatnonzero(loads > capacity)
    if too_big.size:
        raise PlanningError(
            f"Area {int(too_big[0])} alone has load {loads[too_big[0]]:g}, "
            f"more than a base's capacity {capacity:g}."
        )


def _base_areas(matrix, base_area):
    if base_area is None:
        return np.argmin(matrix, axis=0)
    homes = np.asarray(base_area, dtype=np.int64)
    if homes.shape != (matrix.shape[1],) or homes.min() < 0 or homes.max() >= matrix.shape[0]:
        raise PlanningError("base_area must give, for every site, the index of an area.")
    return homes


def _infeasible(outcome, adjacency) -> PlanningError:
    if outcome.status == "infeasible":
        extra = " and contiguous" if adjacency is not None else ""
        return PlanningError(
            "No assignment keeps every base within its capacity (and minimum load)"
            f"{extra}; raise the capacity, lower the minimum or add bases."
        )
    return PlanningError("No feasible assignment was found within the time limit; allow more time.")


class _Model:
    """Variables: x_ij (area i to site position j, row-major), then y_j (site j open)."""

    def __init__(self, matrix, weights, loads, capacity, minimum, sites, fixed, k):
        self.area_count, self.site_count = matrix.shape[0], len(sites)
        self.cost = (weights[:, None] * matrix[:, sites]).ravel()
        self.loads, self.capacity, self.minimum = loads, capacity, minimum
        self.sites, self.fixed, self.k = sites, fixed, k

    def build(self, cuts: Cuts, homes) -> highs.Milp:
        n, m = self.area_count, self.site_count
        x = np.arange(n * m)
        area, site = np.divmod(x, m)
        y = n * m + np.arange(m)
        rows = RowBlocks()
        rows.add(area, x, np.ones(n * m), np.ones(n), np.ones(n))  # each area exactly once
        load_rows = np.concatenate([site, np.arange(m)])
        load_cols = np.concatenate([x, y])
        rows.add(
            load_rows,
            load_cols,
            np.concatenate([self.loads[area], np.full(m, -self.capacity)]),
            np.full(m, -np.inf),
            np.zeros(m),
        )
        if self.minimum > 0:
            rows.add(
                load_rows,
                load_cols,
                np.concatenate([self.loads[area], np.full(m, -self.minimum)]),
                np.zeros(m),
                np.full(m, np.inf),
            )
        if not self.fixed.all():
            rows.add(
                np.concatenate([x, x]),
                np.concatenate([x, y[site]]),
                np.concatenate([np.ones(n * m), -np.ones(n * m)]),
                np.full(n * m, -np.inf),
                np.zeros(n * m),
            )  # x_ij <= y_j, a tighter LP
            rows.add(np.zeros(m, np.int64), y, np.ones(m), [self.k], [self.k])
        if homes is not None:
            home = homes[self.sites] * m + np.arange(m)
            rows.add(
                np.concatenate([np.arange(m)] * 2),
                np.concatenate([home, y]),
                np.concatenate([np.ones(m), -np.ones(m)]),
                np.zeros(m),
                np.zeros(m),
            )
        cuts.write(rows, m)
        matrix, lower, upper = rows.finish(n * m + m)
        col_lower = np.zeros(n * m + m)
        col_lower[y] = self.fixed.astype(float)
        return highs.Milp(
            cost=np.concatenate([self.cost, np.zeros(m)]),
            col_lower=col_lower,
            col_upper=np.ones(n * m + m),
            integer=np.ones(n * m + m, bool),
            matrix=matrix,
            row_lower=lower,
            row_upper=upper,
        )

    def assignment(self, values) -> np.ndarray:
        x = values[: self.area_count * self.site_count].reshape(self.area_count, self.site_count)
        return np.argmax(x, axis=1)
