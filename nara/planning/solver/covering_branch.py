"""LP-based branch-and-bound for maximal covering on one reused HiGHS instance.

Each node only changes the bounds of site columns, so HiGHS re-solves from the previous basis
(dual simplex warm start) in a fraction of a millisecond, with no model building per node.
Depth first, the "open" branch first; every node also rounds its LP solution (the ``count``
largest y) into a candidate. A node is pruned when its LP bound does not beat the incumbent.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from . import highs

MAX_NODES = 400  # beyond this the HiGHS MILP (with its cuts) is the better tool


class CoverLp:
    """The LP relaxation of the reduced model; columns 0..sites-1 are the sites' y."""

    def __init__(self, model: highs.Milp, sites: int):
        self.highs = highs.load_lp(model)
        self.sites = sites
        self.index = np.arange(sites, dtype=np.int32)

    def solve(self, lower: np.ndarray, upper: np.ndarray):
        """(upper bound on coverage, y) for these site bounds; (-inf, None) if infeasible."""
        self.highs.changeColsBounds(self.sites, self.index, lower, upper)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return -np.inf, None
        if status != highspy.HighsModelStatus.kOptimal:
            raise ArithmeticError(self.highs.modelStatusToString(status))
        values = np.asarray(self.highs.getSolution().col_value)[: self.sites]
        return -self.highs.getInfo().objective_function_value, values

    def reduced_costs(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_dual)[: self.sites]


def branch(lp: CoverLp, score, count, lower, upper, root_bound, incumbent, tolerance, deadline):
    """Search below the root; return (sites or None, incumbent, bound, finished).

    ``score(sites)`` is the true coverage of a site set. The bound is the best LP bound of the
    nodes left open (or the incumbent when none is), so it is valid even when stopped early.
    """
    lp.highs.setOptionValue("simplex_strategy", 1)  # dual: nodes only change bounds
    stack = [(lower, upper, root_bound)]
    best_sites, nodes = None, 0
    while stack and nodes < MAX_NODES and time.perf_counter() < deadline:
        low, high, parent = stack.pop()
        if parent <= incumbent + tolerance:
            continue
        nodes += 1
        value, y = lp.solve(low, high)
        if y is None or value <= incumbent + tolerance:
            continue
        rounded = np.argsort(-y, kind="stable")[:count]
        found = score(rounded)
        if found > incumbent:
            best_sites, incumbent = rounded, found
        distance = np.minimum(y, 1.0 - y)
        site = int(np.argmax(distance))
        if distance[site] <= 1e-6 or value <= incumbent + tolerance:
            continue  # integral: its rounding is the LP solution itself
        closed_high, opened_low = high.copy(), low.copy()
        closed_high[site], opened_low[site] = 0.0, 1.0
        stack.append((low, closed_high, value))
        stack.append((opened_low, high, value))
    open_bounds = [bound for _, _, bound in stack if bound > incumbent + tolerance]
    bound = max([incumbent, *open_bounds])
    return best_sites, incumbent, bound, not open_bounds
