"""Capacitated catchments on real data: proven optima, infeasible capacities, contiguous plans."""

import numpy as np
import pytest

from benchmarks.planning_catchments import plain_highs
from benchmarks.planning_instances import norrkoping_catchments
from nara.planning.solver import InfeasibleCapacityError, capacitated_catchments
from nara.planning.solver.catchments_cuts import disconnected_pieces


@pytest.fixture(scope="module")
def norrkoping(norrkoping_path):
    return norrkoping_catchments(norrkoping_path)


def capacity_at(instance, share, k=4):
    return share * instance.load.sum() / k


@pytest.mark.parametrize("share", [1.8, 2.0, 3.0])
def test_four_bases_on_norrkoping_are_optimal_as_a_plain_highs_milp_confirms(norrkoping, share):
    capacity = capacity_at(norrkoping, share)
    result = capacitated_catchments(
        norrkoping.distance, norrkoping.weight, norrkoping.load, capacity, k=4, time_limit=60
    )
    assert result.status == "optimal"
    assert result.details["capacity"] == pytest.approx(capacity)
    loads = np.bincount(result.assignment, weights=norrkoping.load)
    assert loads.max() <= capacity and len(result.chosen_sites) == 4
    reference = plain_highs(norrkoping, 4, capacity, 120)
    assert reference["highs_status"] == "optimal"
    assert result.objective == pytest.approx(reference["highs_objective"], rel=1e-6)


def test_when_the_p_median_plan_fits_it_is_returned_at_once_as_optimal(norrkoping):
    result = capacitated_catchments(
        norrkoping.distance,
        norrkoping.weight,
        norrkoping.load,
        capacity_at(norrkoping, 3.0),
        k=4,
        time_limit=60,
    )
    assert result.status == "optimal" and result.solve_seconds < 1.0
    assert "p-median plan fits" in result.method


def test_a_capacity_below_the_population_is_infeasible_not_no_plan(norrkoping):
    # 4 × 36,215.5 = 144,862 residents, but whole residents fit only 4 × 36,215 = 144,860.
    with pytest.raises(InfeasibleCapacityError) as caught:
        capacitated_catchments(
            norrkoping.distance,
            norrkoping.weight,
            norrkoping.load,
            capacity_at(norrkoping, 1.0),
            k=4,
            time_limit=30,
        )
    assert caught.value.reason == "total"
    assert "does not fit" in str(caught.value)


def test_an_area_above_the_capacity_is_named(norrkoping):
    biggest = int(np.argmax(norrkoping.load))
    with pytest.raises(InfeasibleCapacityError) as caught:
        capacitated_catchments(
            norrkoping.distance,
            norrkoping.weight,
            norrkoping.load,
            norrkoping.load[biggest] - 1,
            k=79,
            time_limit=30,
        )
    assert caught.value.reason == "area" and caught.value.area == biggest


def test_contiguous_catchments_under_a_tiny_time_limit_still_give_a_plan_with_its_gap(norrkoping):
    result = capacitated_catchments(
        norrkoping.distance,
        norrkoping.weight,
        norrkoping.load,
        capacity_at(norrkoping, 1.3),
        k=4,
        adjacency=norrkoping.adjacency,
        base_area=norrkoping.base_area,
        time_limit=2,
    )
    assert 0 < result.gap < 1 and result.status.startswith("within")
    positions = np.searchsorted(result.chosen_sites, result.assignment)
    assert not disconnected_pieces(positions, norrkoping.adjacency, result.chosen_sites)
    assert np.bincount(result.assignment, weights=norrkoping.load).max() <= capacity_at(
        norrkoping, 1.3
    )


@pytest.mark.parametrize("share", [1.05, 1.2, 1.4])
def test_the_certified_bound_at_tight_capacities_is_below_any_plan_highs_finds(norrkoping, share):
    capacity = capacity_at(norrkoping, share)
    result = capacitated_catchments(
        norrkoping.distance, norrkoping.weight, norrkoping.load, capacity, k=4, time_limit=5
    )
    assert np.bincount(result.assignment, weights=norrkoping.load).max() <= capacity
    assert len(result.chosen_sites) == 4 and result.details["capacity"] == pytest.approx(capacity)
    reference = plain_highs(norrkoping, 4, capacity, 10)
    if reference["highs_objective"] is not None:  # a plan: the optimum lies at or below it
        assert result.lower_bound <= reference["highs_objective"] * (1 + 1e-9)
    if reference["highs_status"] == "optimal":
        assert result.objective >= reference["highs_objective"] * (1 - 1e-7)
