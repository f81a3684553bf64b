"""Placement models: exact optima by brute force, honest gaps, site options, errors."""

from itertools import combinations

import numpy as np
import pytest

from nara.planning.solver import PlanningError, maximal_covering, p_median

K = 3


def brute_force_median(distance, weight, k, allowed=None, fixed=()):
    allowed = range(distance.shape[1]) if allowed is None else allowed
    best = np.inf
    for sites in combinations(allowed, k):
        if set(fixed) <= set(sites):
            best = min(best, float((weight * distance[:, list(sites)].min(axis=1)).sum()))
    return best


def brute_force_cover(distance, weight, k, radius):
    covers = distance <= radius
    return max(
        float(weight[covers[:, list(s)].any(axis=1)].sum())
        for s in combinations(range(distance.shape[1]), k)
    )


def test_p_median_matches_brute_force(small_instance):
    distance, weight = small_instance
    result = p_median(distance, weight, K)
    assert result.objective == pytest.approx(brute_force_median(distance, weight, K), rel=1e-9)
    assert result.status == "optimal"
    assert result.lower_bound <= result.objective + 1e-6
    assert len(result.chosen_sites) == K


def test_p_median_assigns_each_area_to_its_nearest_open_site(small_instance):
    distance, weight = small_instance
    result = p_median(distance, weight, K)
    nearest = result.chosen_sites[np.argmin(distance[:, result.chosen_sites], axis=1)]
    assert (result.assignment == nearest).all()


@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_p_median_every_k_optimal(small_instance, k):
    distance, weight = small_instance
    result = p_median(distance, weight, k)
    assert result.objective == pytest.approx(brute_force_median(distance, weight, k), rel=1e-9)


def test_p_median_honours_fixed_and_excluded_sites(small_instance):
    distance, weight = small_instance
    free = p_median(distance, weight, K)
    banned = int(free.chosen_sites[0])
    forced = int(next(j for j in range(10) if j not in free.chosen_sites))
    result = p_median(distance, weight, K, fixed_open=[forced], excluded=[banned])
    assert forced in result.chosen_sites and banned not in result.chosen_sites
    allowed = [j for j in range(10) if j != banned]
    expected = brute_force_median(distance, weight, K, allowed, fixed=[forced])
    assert result.objective == pytest.approx(expected, rel=1e-9)


def test_gap_is_honest_when_time_is_short():
    rng = np.random.default_rng(3)
    distance = rng.uniform(0, 100, size=(400, 80))
    result = p_median(distance, rng.uniform(1, 2, 400), 8, time_limit=0.05)
    assert result.lower_bound <= result.objective <= result.upper_bound
    assert result.gap >= 0
    assert result.status == "optimal" or result.status.startswith("within ")
    assert result.status.endswith("% of optimal") or result.status == "optimal"


def test_maximal_covering_matches_brute_force(small_instance):
    distance, weight = small_instance
    radius = 2_500.0
    result = maximal_covering(distance, weight, K, radius)
    assert result.objective == pytest.approx(brute_force_cover(distance, weight, K, radius))
    assert result.status == "optimal"
    assert result.upper_bound >= result.objective
    assert result.details["covered"].sum() > 0


def test_maximal_covering_fixed_and_excluded(small_instance):
    distance, weight = small_instance
    free = maximal_covering(distance, weight, K, 2_500.0)
    banned = int(free.chosen_sites[0])
    result = maximal_covering(
        distance,
        weight,
        K,
        2_500.0,
        fixed_open=[banned + 1 if banned < 9 else 0],
        excluded=[banned],
    )
    assert banned not in result.chosen_sites
    assert (banned + 1 if banned < 9 else 0) in result.chosen_sites


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"k": 11}, "only 10 candidate sites are allowed"),
        ({"k": 9, "excluded": [0, 1]}, "only 8 candidate sites"),
        ({"k": 1, "fixed_open": [0, 1]}, "2 sites are fixed open"),
        ({"k": 2, "fixed_open": [3], "excluded": [3]}, "both fixed open and excluded"),
        ({"k": 0}, "at least 1"),
        ({"k": 2, "excluded": [12]}, "does not exist"),
    ],
)
def test_invalid_site_choices_raise_plain_errors(small_instance, kwargs, words):
    distance, weight = small_instance
    with pytest.raises(PlanningError, match=words):
        p_median(distance, weight, **kwargs)
    with pytest.raises(PlanningError, match=words):
        maximal_covering(distance, weight, coverage_distance=1000.0, **kwargs)


def test_negative_distance_rejected(small_instance):
    distance, weight = small_instance
    bad = distance.copy()
    bad[0, 0] = -1
    with pytest.raises(PlanningError, match="negative"):
        p_median(bad, weight, 2)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_p_median_box_multipliers_stay_exact(small_instance, monkeypatch, k):
    """The box-restricted Lagrangian (used on large instances) keeps answers exact and honest."""
    from nara.planning.solver import pmedian_bound

    monkeypatch.setattr(pmedian_bound, "BOX_MIN_ENTRIES", 0)
    distance, weight = small_instance
    result = p_median(distance, weight, k)
    assert result.objective == pytest.approx(brute_force_median(distance, weight, k), rel=1e-9)
    assert result.lower_bound <= result.objective * (1 + 1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_maximal_covering_branch_and_bound_matches_brute_force(seed):
    """Overlapping random covers give fractional LPs, so the LP branch-and-bound has to work."""
    rng = np.random.default_rng(seed)
    areas = rng.uniform(0, 10_000, size=(60, 2))
    sites = rng.uniform(0, 10_000, size=(14, 2))
    distance = np.sqrt(((areas[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    weight = rng.uniform(1, 5, size=60)
    for k in (2, 4):
        result = maximal_covering(distance, weight, k, 2_600.0)
        expected = brute_force_cover(distance, weight, k, 2_600.0)
        assert result.objective == pytest.approx(expected, rel=1e-9)
        assert result.status == "optimal"
        assert result.upper_bound >= result.objective
