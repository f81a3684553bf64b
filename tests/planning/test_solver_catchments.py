"""Capacitated catchments: capacity, minimum load, contiguity and infeasibility."""

import numpy as np
import pytest

from nara.planning.solver import PlanningError, capacitated_catchments
from nara.planning.solver.catchments_cuts import disconnected_pieces


def pieces(result, adjacency, distance):
    positions = np.searchsorted(result.chosen_sites, result.assignment)
    homes = np.argmin(distance, axis=0)[result.chosen_sites]
    return disconnected_pieces(positions, adjacency, homes)


def noisy(distance, seed=1):
    """Distances that do not follow the map, so plain catchments come out fragmented."""
    rng = np.random.default_rng(seed)
    return distance * rng.uniform(0.3, 1.7, size=distance.shape)


def test_capacity_respected_with_given_bases(grid):
    distance, _ = grid
    load = np.ones(36)
    result = capacitated_catchments(distance, np.ones(36), load, capacity=10, bases=[0, 5, 30, 35])
    loads = np.bincount(result.assignment, weights=load, minlength=36)
    assert loads.max() <= 10 and set(result.chosen_sites) == {0, 5, 30, 35}
    assert result.status == "optimal"


def test_minimum_load_respected(grid):
    distance, _ = grid
    result = capacitated_catchments(
        distance, np.ones(36), np.ones(36), capacity=20, minimum_load=8, bases=[0, 1, 35]
    )
    counts = np.bincount(result.assignment, minlength=36)[[0, 1, 35]]
    assert counts.min() >= 8 and counts.max() <= 20


def test_contiguity_cuts_make_catchments_connected(grid):
    distance, adjacency = grid
    scrambled = noisy(distance)
    np.fill_diagonal(scrambled, 0)
    free = capacitated_catchments(
        scrambled, np.ones(36), np.ones(36), capacity=10, bases=[0, 5, 30, 35]
    )
    assert pieces(free, adjacency, scrambled), "the instance should need contiguity cuts"
    joined = capacitated_catchments(
        scrambled, np.ones(36), np.ones(36), capacity=10, bases=[0, 5, 30, 35], adjacency=adjacency
    )
    assert pieces(joined, adjacency, scrambled) == []
    assert joined.objective >= free.objective - 1e-9
    assert "contiguity cuts" in joined.method


def test_choosing_bases_with_contiguity(grid):
    distance, adjacency = grid
    result = capacitated_catchments(
        distance, np.ones(36), np.ones(36), capacity=10, k=4, adjacency=adjacency, time_limit=20
    )
    assert len(result.chosen_sites) == 4
    assert pieces(result, adjacency, distance) == []
    assert np.bincount(result.assignment, minlength=36).max() <= 10


def test_total_load_above_capacity_raises(grid):
    distance, _ = grid
    with pytest.raises(PlanningError, match="does not fit in 3 bases of capacity 10"):
        capacitated_catchments(distance, np.ones(36), np.ones(36), capacity=10, k=3)


def test_infeasible_milp_raises_plain_error(grid):
    distance, _ = grid
    load = np.full(36, 0.3)
    load[:3] = 16  # the total fits in two bases of 30, but two heavy areas must share one
    with pytest.raises(PlanningError, match="No assignment keeps every base within"):
        capacitated_catchments(distance, np.ones(36), load, capacity=30, bases=[0, 35])


def test_bases_or_k_required(grid):
    distance, _ = grid
    with pytest.raises(PlanningError, match="either the bases"):
        capacitated_catchments(distance, np.ones(36), np.ones(36), capacity=10)
