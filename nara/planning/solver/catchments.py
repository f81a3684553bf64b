"""Capacitated catchments: assign every area to exactly one of k open bases.

Each base's load (population, staff posts, …; one value per area) must stay within
``capacity`` and, optionally, above ``minimum_load``; the need-weighted distance is minimised.
Bases are either given (``bases=``) or chosen among the candidates (``k=``, with fixed-open and
excluded sites as elsewhere).

Pipeline, each step only if the previous one left a gap:

1. The uncapacitated p-median (greedy, swaps, Lagrangian bound with subgradient steps). Its
   bound is a bound here too (dropping the capacities only lowers the optimum), and when its
   nearest-base loads already fit, its plan *is* the capacitated optimum.
2. Capacity repair moves areas out of overloaded catchments: a first incumbent.
3. On small instances the strong LP (x_ij <= y_j): a bound, and its duals start step 4.
4. The knapsack Lagrangian (catchments_lagrange): relaxing "each area once" leaves one exact
   0–1 knapsack per site; every step's site set becomes a plan (catchments_assign), and the best
   plans of distinct site sets are improved by moving one base at a time.
5. Fixing by the knapsack values: sites and (area, site) pairs that cannot be in a plan cheaper
   than the incumbent are dropped.
6. The LP on what is left gives reduced-cost fixing; HiGHS solves the reduced MILP, warm-started
   with the incumbent, within the time left.

At national scale (more than LAGRANGIAN_PAIRS pairs) steps 3–6 are replaced by local search
from the p-median bases, and the bound is the p-median's.

Contiguity (optional, given area adjacency): every catchment must be connected and contain the
area its base stands in. It is enforced by iterative cut constraints: solve, find each
catchment's pieces that are cut off from the base's area, and for such a piece C add
``x_vj <= sum_{u in N(C)} x_uj`` for v in C, then solve again. Each round's model is a
relaxation of the contiguous problem, so its bound stays valid. Every round's answer is also
repaired into a contiguous plan when it can be; when the time runs out the best contiguous plan
found is returned with its proven gap.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import highs
from .catchments_assign import from_knapsacks, relocate
from .catchments_cuts import Cuts, disconnected_pieces
from .catchments_heuristics import (
    grow_balanced,
    grow_catchments,
    repair_capacity,
    repair_contiguity,
)
from .catchments_lagrange import Relaxation, fix, subgradient
from .catchments_model import Model
from .errors import InfeasibleCapacityError, PlanningError
from .pmedian_bound import subgradient as pmedian_subgradient
from .pmedian_search import greedy, interchange, nearest_two
from .problem import (
    check_distance_matrix,
    check_time_limit,
    check_weights,
    choose_sites,
)
from .result import MINIMISE, OPTIMALITY_TOLERANCE, Result, make_result

MAX_CONTIGUITY_ROUNDS = 200
# Above this many assignment variables (areas × sites left) the LP and MILP would not finish in
# seconds; the plan then stands with the Lagrangian bound.
MAX_PAIRS = 400_000
DEFAULT_TIME_LIMIT = 60.0
LAGRANGIAN_SHARE = 0.4  # of the time left, at most, for the knapsack Lagrangian
LARGE_LAGRANGIAN_SHARE = 0.75  # the same above LP_PAIRS, where the MILP rarely closes the gap
RELOCATION_STARTS = 4  # the best plans of distinct site sets that relocation starts from
LAGRANGIAN_PAIRS = 1_000_000  # areas × sites above which the plan stands with the p-median bound
LP_PAIRS = 40_000  # areas × sites up to which the strong LP starts the Lagrangian
SWAP_AREAS = 150  # areas up to which every Lagrangian plan also gets swap moves


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
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Result:
    """``adjacency``: per area, the indices of neighbouring areas. ``base_area``: per site, the
    index of the area it stands in (default: the nearest area)."""
    started = time.perf_counter()
    deadline = started + check_time_limit(time_limit)
    matrix = check_distance_matrix(distance)
    weights = check_weights(weight, matrix.shape[0])
    loads = check_weights(load, matrix.shape[0], "load")
    sites, fixed = _sites(matrix.shape[1], k, bases, fixed_open, excluded)
    count = len(sites) if bases is not None else int(k)
    check_capacity(loads, capacity, minimum_load, count)
    homes = _base_areas(matrix, base_area)[sites]
    search = _Search(
        cost=weights[:, None] * matrix[:, sites],
        loads=loads,
        capacity=float(capacity),
        minimum=float(minimum_load),
        fixed=fixed,
        k=count,
        adjacency=adjacency,
        homes=homes,
        deadline=deadline,
    )
    assignment_pos, bound, method = search.run()
    assignment = sites[assignment_pos]
    opened = np.unique(assignment)
    objective = float((weights * matrix[np.arange(matrix.shape[0]), assignment]).sum())
    load_per_site = {int(s): float(loads[assignment == s].sum()) for s in opened}
    return make_result(
        model="capacitated catchments",
        sense=MINIMISE,
        sites=opened,
        assignment=assignment,
        objective=objective,
        bound=bound,
        started=started,
        method=method,
        details={"load": load_per_site, "capacity": float(capacity)},
    )


def check_capacity(loads, capacity, minimum_load, count) -> None:
    """Raise InfeasibleCapacityError when no plan can exist, naming the reason."""
    total = float(loads.sum())
    if not capacity > 0 or not math.isfinite(capacity):
        raise PlanningError("The capacity of a base must be a positive number.")
    if minimum_load > capacity:
        raise PlanningError(
            f"The minimum load per base ({minimum_load:g}) is above the capacity ({capacity:g})."
        )
    usable = usable_capacity(loads, capacity)
    if total > count * usable * (1 + 1e-9) + 1e-9:
        whole = " whole" if usable != capacity else ""
        raise InfeasibleCapacityError(
            f"The total load {total:g} does not fit in {count} bases of capacity {capacity:g} "
            f"(at most {count * usable:g}{whole}); raise the capacity or the number of bases.",
            reason="total",
            total=total,
            most=count * usable,
        )
    if minimum_load * count > total * (1 + 1e-9) + 1e-9:
        raise PlanningError(
            f"{count} bases with a minimum load of {minimum_load:g} need {count * minimum_load:g}"
            f" in total, but the areas only have {total:g}; lower the minimum or the bases."
        )
    too_big = np.flatnonzero(loads > capacity * (1 + 1e-9) + 1e-9)
    if too_big.size:
        raise InfeasibleCapacityError(
            f"Area {int(too_big[0])} alone has load {loads[too_big[0]]:g}, "
            f"more than a base's capacity {capacity:g}.",
            reason="area",
            area=int(too_big[0]),
            total=float(loads[too_big[0]]),
        )


def usable_capacity(loads, capacity):
    """With whole loads (residents) a base holds at most floor(capacity)."""
    if np.all(loads == np.round(loads)):
        return math.floor(capacity + 1e-9)
    return capacity


def _sites(site_count, k, bases, fixed_open, excluded):
    if (k is None) == (bases is None):
        raise PlanningError("Give either the bases to use or the number of bases to choose.")
    if bases is not None:
        choice = choose_sites(site_count, len(set(bases)), fixed_open=bases)
        return choice.fixed, np.ones(choice.fixed.size, dtype=bool)
    choice = choose_sites(site_count, k, fixed_open, excluded)
    return choice.allowed, np.isin(choice.allowed, choice.fixed)


def _base_areas(matrix, base_area):
    if base_area is None:
        return np.argmin(matrix, axis=0)
    homes = np.asarray(base_area, dtype=np.int64)
    if homes.shape != (matrix.shape[1],) or homes.min() < 0 or homes.max() >= matrix.shape[0]:
        raise PlanningError("base_area must give, for every site, the index of an area.")
    return homes


class _Search:
    """The pipeline of the module docstring on the cost matrix (areas × site positions)."""

    def __init__(self, *, cost, loads, capacity, minimum, fixed, k, adjacency, homes, deadline):
        self.cost, self.loads, self.capacity, self.minimum = cost, loads, capacity, minimum
        self.fixed, self.k, self.adjacency, self.homes = fixed, k, adjacency, homes
        self.deadline = deadline
        self.best, self.upper = None, math.inf
        self.repaired = None
        self.lower = -math.inf
        self.plans = {}
        self.steps: list[str] = []

    # -- the pipeline -------------------------------------------------------------------------

    def run(self):
        sites, multipliers = self._uncapacitated()
        nearest = sites[np.argmin(self.cost[:, sites], axis=1)]
        if self._feasible(nearest):
            self._offer(nearest)
            self.steps.append("the p-median plan fits every capacity")
            return self._answer()
        self.start_sites = sites
        self._repair(nearest)
        if self.adjacency is not None:
            if self.repaired is not None:
                self._offer_contiguous(self.repaired)
            self._grow(self.start_sites)
        dropped = None
        if self.cost.size > LAGRANGIAN_PAIRS:
            self._local_search(sites)
            self.steps.append("MILP skipped (too large)")
            return self._answer()
        if self.minimum > 0:
            keep = self._fix_sites(multipliers)
        else:
            keep, dropped = self._lagrangian(multipliers)
            if self._closed():
                return self._answer()
        pairs = self.cost.shape[0] * keep.size
        if dropped is not None:
            pairs = int((~dropped[:, keep]).sum())
        if pairs > MAX_PAIRS:
            self.steps.append(f"MILP skipped ({keep.size} sites left, too large)")
            return self._answer()
        model = Model(self, keep)
        if dropped is not None:
            model.drop_pairs(dropped[model.area, keep[model.slot]])
        if self.adjacency is None:
            self._reduce(model)
            self._exact(model)
        else:
            self._contiguous(model)
        return self._answer()

    def _uncapacitated(self):
        n, m = self.cost.shape
        if self.fixed.all():
            sites = np.arange(m)
            self.lower = float(self.cost.min(axis=1).sum())
            return sites, None
        until = time.perf_counter() + 0.2 * (self.deadline - time.perf_counter())
        chosen = interchange(
            self.cost, greedy(self.cost, self.k, np.flatnonzero(self.fixed)), self.fixed, until
        )
        first, _, second = nearest_two(self.cost, chosen)
        start = np.where(np.isfinite(second), (first + second) / 2, first)
        until = time.perf_counter() + 0.15 * (self.deadline - time.perf_counter())
        lagrangian = pmedian_subgradient(
            self.cost, self.k, self.fixed, chosen, start, until, OPTIMALITY_TOLERANCE, patience=20
        )
        self.lower = min(lagrangian.value, lagrangian.best_cost)
        self.steps.append(f"p-median bound ({lagrangian.iterations} subgradient steps)")
        return np.asarray(lagrangian.best_sites), lagrangian.multipliers.astype(np.float64)

    def _repair(self, nearest):
        repaired = repair_capacity(
            self.cost, self.loads, self.capacity, nearest, self.deadline, self.adjacency
        )
        if repaired is None and self.adjacency is not None:
            repaired = repair_capacity(self.cost, self.loads, self.capacity, nearest, self.deadline)
        self.repaired = repaired
        if repaired is not None:
            self._offer(repaired)
        self.steps.append("capacity repair" + ("" if repaired is not None else " (failed)"))

    def _lagrangian(self, multipliers):
        """Knapsack Lagrangian bound, its heuristic plans, then site and pair fixing.

        When the strong LP is small enough it runs first: its bound, its duals as the starting
        multipliers and its k largest y as a site set to try."""
        n, m = self.cost.shape
        relax = Relaxation(self.cost, self.loads, self.capacity, self.k, self.fixed)
        theta = 1.0
        if n * m <= LP_PAIRS:
            duals = self._linear_relaxation()
            if duals is not None:
                multipliers, theta = duals, 0.1
        if multipliers is None:
            first, _, second = nearest_two(self.cost, np.arange(m))
            multipliers = np.where(np.isfinite(second), second, first)
        share = LAGRANGIAN_SHARE if n * m <= LP_PAIRS else LARGE_LAGRANGIAN_SHARE
        until = time.perf_counter() + share * (self.deadline - time.perf_counter())

        def offer(sites, members):
            swaps = self.cost.shape[0] <= SWAP_AREAS
            plan = from_knapsacks(self.cost, self.loads, self.capacity, sites, members, swaps)
            if plan is not None:
                self._offer_any(plan)
                self._pool(plan)

        bound = subgradient(relax, multipliers, lambda: self.upper, offer, until, theta=theta)
        self.lower = max(self.lower, min(bound.value, self.upper))
        self._relocate()
        self.steps.append(f"knapsack Lagrangian bound ({bound.iterations} steps)")
        if self._closed() or not math.isfinite(self.upper):
            return np.arange(m), None
        bound = fix(relax, bound, self.upper)
        self.lower = max(self.lower, min(bound.value, self.upper))
        keep = np.union1d(np.flatnonzero(~bound.closed), np.unique(self.best))
        dropped = bound.dropped.copy()
        dropped[np.arange(n), self.best] = False  # the incumbent stays a start
        pairs = int((~dropped[:, keep]).sum())
        self.steps.append(f"Lagrangian fixing kept {keep.size} of {m} sites, {pairs} pairs")
        return keep, dropped

    def _linear_relaxation(self):
        model = Model(self, np.arange(self.cost.shape[1]))
        outcome = highs.solve(model.build(), time_limit=self._left() / 4, relax=True)
        if outcome.row_duals is None:
            return None
        self.lower = max(self.lower, min(outcome.bound, self.upper))
        self.steps.append("LP bound")
        opened = outcome.values[model.pair_count :]
        sites = np.sort(np.argsort(-opened, kind="stable")[: self.k])
        plan = from_knapsacks(self.cost, self.loads, self.capacity, sites, {})
        if plan is not None:
            self._offer_any(plan)
            self._pool(plan)
        return outcome.row_duals[: self.cost.shape[0]].copy()

    def _local_search(self, sites):
        """At national scale: the p-median bases, areas by regret to the nearest with room,
        shift moves, then base relocation."""
        if self.adjacency is not None or self.minimum > 0:
            return
        plan = from_knapsacks(self.cost, self.loads, self.capacity, np.sort(sites), {}, False)
        if plan is not None:
            self._offer(plan)
        self._relocate(share=0.9)

    def _pool(self, plan):
        """The best plan per site set met, for relocation to start from."""
        key = tuple(np.unique(plan).tolist())
        value = float(self.cost[np.arange(len(plan)), plan].sum())
        if key not in self.plans or value < self.plans[key][0]:
            self.plans[key] = (value, plan)

    def _relocate(self, share=0.2):
        if self.best is None or self.adjacency is not None:
            return
        self._pool(self.best)
        starts = sorted(self.plans.values(), key=lambda entry: entry[0])[:RELOCATION_STARTS]
        for number, (_, plan) in enumerate(starts):
            part = share / (len(starts) - number)
            until = time.perf_counter() + part * (self.deadline - time.perf_counter())
            self._offer(relocate(self.cost, self.loads, self.capacity, plan, until))

    def _offer_any(self, plan):
        if self.adjacency is None:
            self._offer(plan)
        else:
            self._offer_contiguous(plan)

    def _fix_sites(self, multipliers):
        """Sites that cannot be in a plan cheaper than the incumbent are dropped."""
        m = self.cost.shape[1]
        if multipliers is None or not math.isfinite(self.upper):
            return np.arange(m)
        rho = np.minimum(self.cost - multipliers[:, None], 0.0).sum(axis=0)
        base = float(multipliers.sum()) + float(rho[self.fixed].sum())
        free = np.flatnonzero(~self.fixed)
        others = self.k - int(self.fixed.sum()) - 1
        order = free[np.argsort(rho[free], kind="stable")]
        best_others = rho[order[:others]].sum() if others > 0 else 0.0
        next_one = rho[order[others]] if others < order.size else 0.0
        forced = np.full(m, -np.inf)
        for j in free:  # j opened: the k-1 cheapest other free sites join it
            in_best = others > 0 and rho[j] <= rho[order[others - 1]]
            forced[j] = base + rho[j] + best_others - (rho[j] - next_one if in_best else 0.0)
        used = np.unique(self.best) if self.best is not None else np.array([], np.int64)
        keep = self.fixed | (forced < self.upper - 1e-9 * abs(self.upper))
        keep[used] = True
        self.steps.append(f"Lagrangian fixing kept {int(keep.sum())} of {m} sites")
        return np.flatnonzero(keep)

    def _reduce(self, model, fix=True):
        """LP bound; with ``fix``, drop pairs whose reduced cost rules them out."""
        outcome = highs.solve(model.build(), time_limit=self._left(), relax=True)
        if outcome.reduced_costs is None:
            return
        self.lower = max(self.lower, min(outcome.bound, self.upper))
        if not fix or not math.isfinite(self.upper):
            return
        slack = self.upper - outcome.bound + 1e-7 * abs(self.upper)
        drop = outcome.reduced_costs[: model.pair_count] > slack
        before = model.pair_count
        model.drop_pairs(drop)
        self.steps.append(f"LP bound; reduced-cost fixing kept {model.pair_count} of {before}")

    def _exact(self, model):
        if self._closed() or time.perf_counter() >= self.deadline:
            return
        outcome = highs.solve(model.build(), time_limit=self._left(), start=model.start(self.best))
        if outcome.status == "infeasible" and self.best is None:
            raise _proven_infeasible(False)
        self.steps.append(f"HiGHS MILP on the reduced problem ({outcome.status})")
        if outcome.values is not None:
            self._offer(model.assignment(outcome.values))
        self.lower = max(self.lower, min(outcome.bound, self.upper))

    def _contiguous(self, model):
        self._reduce(model, fix=False)  # contiguity only raises the optimum: a valid bound
        cuts = Cuts(self.cost.shape[0], len(model.keep))
        rounds, share = 0, 1 / 3
        while rounds < MAX_CONTIGUITY_ROUNDS and time.perf_counter() < self.deadline:
            rounds += 1
            # A share of the time per round: later rounds, with more cuts, come closer.
            outcome = highs.solve(
                model.build(cuts), time_limit=self._left() * share, start=model.start(self.best)
            )
            if outcome.status == "infeasible" and self.best is None:
                raise _proven_infeasible(True)
            if outcome.values is None:
                if share == 1:
                    break
                share = 1  # no answer yet: the same model gets all the time left
                continue
            self.lower = max(self.lower, min(outcome.bound, self.upper))
            found = model.assignment(outcome.values)
            positions = np.searchsorted(model.keep, found)
            pieces = disconnected_pieces(positions, self.adjacency, self.homes[model.keep])
            if not pieces:
                self._offer(found)
                if outcome.status == "optimal" or share == 1:
                    break
                share = 1  # contiguous but not proven: carry on with all the time left
                continue
            self._offer_contiguous(found)
            self._grow(np.unique(found))
            if self._closed():
                break
            cuts.add(pieces, self.adjacency)
        self.steps.append(f"HiGHS MILP with contiguity cuts ({rounds} rounds, {cuts.count} cuts)")
        if self.best is None:
            raise PlanningError(
                "No contiguous plan was found within the time limit; allow more time or relax "
                "the capacity."
            )

    # -- bookkeeping --------------------------------------------------------------------------

    def _grow(self, sites):
        for grow in (grow_catchments, grow_balanced):
            grown = grow(self.cost, self.loads, self.capacity, sites, self.adjacency, self.homes)
            if grown is not None:
                self._offer(grown)

    def _offer_contiguous(self, assignment):
        repaired = repair_contiguity(
            self.cost,
            self.loads,
            self.capacity,
            assignment,
            self.adjacency,
            self.homes,
            self.minimum,
        )
        if repaired is not None:
            self._offer(repaired)

    def _feasible(self, assignment) -> bool:
        load = np.bincount(assignment, weights=self.loads, minlength=self.cost.shape[1])
        used = np.unique(assignment)
        if used.size > self.k or self.fixed[used].sum() != self.fixed.sum():
            return False
        if (load > self.capacity * (1 + 1e-12)).any() or (load[used] < self.minimum).any():
            return False
        if self.adjacency is None:
            return True
        if (assignment[self.homes[used]] != used).any():
            return False
        return not disconnected_pieces(assignment, self.adjacency, self.homes)

    def _offer(self, assignment) -> None:
        if not self._feasible(assignment):
            return
        value = float(self.cost[np.arange(len(assignment)), assignment].sum())
        if value < self.upper:
            self.best, self.upper = assignment, value

    def _closed(self) -> bool:
        if not math.isfinite(self.upper):
            return False
        return self.upper - self.lower <= OPTIMALITY_TOLERANCE * max(abs(self.upper), 1e-12)

    def _left(self) -> float:
        return max(self.deadline - time.perf_counter(), 0.01)

    def _answer(self):
        if self.best is None:
            raise PlanningError(
                "No feasible assignment was found within the time limit; allow more time."
            )
        return self.best, min(self.lower, self.upper), "; ".join(self.steps)


def _proven_infeasible(contiguous: bool) -> InfeasibleCapacityError:
    extra = " and contiguous" if contiguous else ""
    return InfeasibleCapacityError(
        "No assignment keeps every base within its capacity (and minimum load)"
        f"{extra}; raise the capacity, lower the minimum or add bases.",
        reason="contiguous" if contiguous else "proven",
    )
