"""The knapsack Lagrangian bound of capacitated catchments is valid: never above the optimum.

Small random instances are solved by brute force (every site set, every assignment); the bound
for any multipliers, the fixing against an incumbent just above the optimum and the solver's
certified lower bound must all respect that optimum.
"""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nara.planning.solver import InfeasibleCapacityError, capacitated_catchments
from nara.planning.solver import catchments_knapsack as knapsack
from nara.planning.solver.catchments_lagrange import Relaxation, fix, subgradient


def brute_force(cost, loads, capacity, k):
    """(optimum, plan) over every k-site set and every assignment to it; (inf, None) if none."""
    n, m = cost.shape
    best, plan = np.inf, None
    for sites in itertools.combinations(range(m), k):
        for choice in itertools.product(range(k), repeat=n):
            assignment = np.array(sites)[list(choice)]
            load = np.bincount(assignment, weights=loads, minlength=m)
            if load.max() > capacity + 1e-9:
                continue
            value = cost[np.arange(n), assignment].sum()
            if value < best:
                best, plan = value, assignment
    return best, plan


@st.composite
def instances(draw):
    n = draw(st.integers(4, 7))
    m = draw(st.integers(2, 4))
    k = draw(st.integers(1, min(m, 3)))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    areas, sites = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    distance = np.sqrt(((areas[:, None] - sites[None]) ** 2).sum(axis=2))
    weight = rng.uniform(1, 5, n)
    loads = rng.integers(1, 30, n).astype(float) * draw(st.sampled_from([1.0, 37.0, 0.37]))
    share = draw(st.floats(1.0, 1.8))
    capacity = max(share * loads.sum() / k, loads.max())
    return distance, weight, loads, capacity, k, rng


FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_the_lagrangian_value_is_never_above_the_optimum(instance):
    distance, weight, loads, capacity, k, rng = instance
    cost = weight[:, None] * distance
    optimum, _ = brute_force(cost, loads, capacity, k)
    relax = Relaxation(cost, loads, capacity, k, np.zeros(cost.shape[1], bool), cells=50)
    for _ in range(5):
        multipliers = rng.uniform(0, 2, cost.shape[0]) * cost.max(axis=1)
        value = relax.evaluate(multipliers)[0]
        assert value <= optimum * (1 + 1e-9) + 1e-9


@FAST
@given(instances())
def test_fixing_never_removes_an_optimal_plan(instance):
    distance, weight, loads, capacity, k, _ = instance
    cost = weight[:, None] * distance
    optimum, plan = brute_force(cost, loads, capacity, k)
    if plan is None:
        return
    relax = Relaxation(cost, loads, capacity, k, np.zeros(cost.shape[1], bool), cells=50)
    start = np.sort(cost, axis=1)[:, min(1, cost.shape[1] - 1)]
    upper = optimum * (1 + 1e-6) + 1e-6
    bound = subgradient(relax, start, lambda: upper, lambda *_: None, float("inf"), patience=5)
    assert bound.value <= optimum * (1 + 1e-9) + 1e-9
    bound = fix(relax, bound, upper)
    assert not bound.closed[np.unique(plan)].any()
    assert not bound.dropped[np.arange(len(plan)), plan].any()


@FAST
@given(instances())
def test_the_solver_certifies_a_bound_below_the_optimum(instance):
    distance, weight, loads, capacity, k, _ = instance
    optimum, _ = brute_force(weight[:, None] * distance, loads, capacity, k)
    try:
        result = capacitated_catchments(distance, weight, loads, capacity, k=k, time_limit=5)
    except InfeasibleCapacityError:
        assert optimum == np.inf
        return
    assert result.lower_bound <= optimum * (1 + 1e-9) + 1e-9
    assert result.objective >= optimum * (1 - 1e-9) - 1e-9
    if result.status == "optimal":
        assert result.objective == pytest.approx(optimum, rel=1e-7)


@given(
    st.lists(st.integers(1, 40), min_size=1, max_size=9),
    st.lists(st.floats(-10, -0.01), min_size=9, max_size=9),
    st.integers(1, 120),
)
def test_the_knapsack_is_exact_on_whole_weights(weights, values, capacity):
    weights = np.array(weights)
    values = np.array(values[: weights.size])
    best = min(
        values[list(c)].sum()
        for r in range(weights.size + 1)
        for c in itertools.combinations(range(weights.size), r)
        if weights[list(c)].sum() <= capacity
    )
    value, chosen, _ = knapsack.solve(values, weights, capacity)
    assert value == pytest.approx(best)
    assert weights[chosen].sum() <= capacity
    assert values[chosen].sum() == pytest.approx(value)
