"""Posts by largest remainder, budgets and scenario metrics."""

import numpy as np
import pytest

from nara.planning.solver import (
    PlanningError,
    allocate_posts,
    centre_budgets,
    scenario_metrics,
)


def test_largest_remainder_is_proportional():
    assert allocate_posts(5, [1, 2, 3, 4, 5]).tolist() == [0, 1, 1, 1, 2]
    assert allocate_posts(10, [1, 1, 1, 1]).sum() == 10


def test_minimums_are_met_and_rest_follows_need():
    posts = allocate_posts(10, [5, 3, 2, 0.1], minimum=1)
    assert posts.tolist() == [4, 3, 2, 1]
    assert allocate_posts(7, [10, 1, 1], minimum=[0, 2, 2]).tolist() == [3, 2, 2]


def test_minimums_above_total_raise():
    with pytest.raises(PlanningError, match="add up to 6, more than the 5 posts"):
        allocate_posts(5, [1, 1, 1], minimum=2)


def test_halmstad_budget_three_centres_three_posts_four_msek():
    posts = allocate_posts(3, [40_000, 30_000, 20_000], minimum=1)
    budgets = centre_budgets(
        posts,
        residents=[30_000, 25_000, 20_000],
        need=[40_000, 30_000, 20_000],
        cost_per_post=700_000,
        cost_per_site=633_334,
    )
    assert posts.tolist() == [1, 1, 1]
    assert sum(b.annual_cost for b in budgets) == pytest.approx(4_000_000, rel=1e-5)
    assert budgets[0].cost_per_1000_residents == pytest.approx(1_333_334 / 30)
    assert budgets[2].cost_per_need_unit == pytest.approx(1_333_334 / 20_000)


def test_scenario_metrics():
    distance = np.array([[0.0, 5.0], [3.0, 1.0], [9.0, 9.0], [2.0, 8.0], [7.0, 0.5]])
    metrics = scenario_metrics(
        distance,
        [0, 1],
        weight=[1, 1, 2, 1, 1],
        population=[10, 10, 10, 10, 10],
        need_index=[0.0, 0.1, 2.0, -1.0, 0.5],
        coverage_distance=2.0,
        posts=[2, 1],
        annual_costs=[1e6, 5e5],
    )
    assert metrics.coverage_share == pytest.approx(4 / 6)
    assert metrics.neediest_quintile_mean_distance == pytest.approx(9.0)
    assert metrics.total_cost == 1.5e6 and metrics.staff == 3
