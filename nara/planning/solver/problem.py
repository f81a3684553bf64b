"""Validation shared by the placement models: matrices, weights and the choice of sites."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import PlanningError


@dataclass(frozen=True)
class SiteChoice:
    """Which candidate sites may be used, which must be, and how many to open in total."""

    k: int
    allowed: np.ndarray  # indices of candidates that may be opened, ascending
    fixed: np.ndarray  # indices that must be opened, ascending (a subset of allowed)

    @property
    def free_count(self) -> int:
        return self.k - len(self.fixed)


def check_distance_matrix(distance) -> np.ndarray:
    matrix = np.asarray(distance, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise PlanningError(
            "The distance matrix must have one row per area and one column per candidate site, "
            f"with at least one of each; got shape {matrix.shape}."
        )
    if not np.isfinite(matrix).all():
        raise PlanningError("The distance matrix contains missing or infinite values.")
    if (matrix < 0).any():
        raise PlanningError("The distance matrix contains negative distances.")
    return matrix


def check_weights(weight, area_count: int, what: str = "need weight") -> np.ndarray:
    values = np.asarray(weight, dtype=np.float64)
    if values.shape != (area_count,):
        raise PlanningError(
            f"Expected one {what} per area ({area_count} areas), got {values.size} values."
        )
    if not np.isfinite(values).all():
        raise PlanningError(f"Every {what} must be a number; some are missing or infinite.")
    if (values < 0).any():
        raise PlanningError(f"A {what} cannot be negative.")
    return values


def _check_indices(indices, site_count: int, what: str) -> np.ndarray:
    array = np.unique(np.asarray(list(indices), dtype=np.int64))
    outside = array[(array < 0) | (array >= site_count)]
    if outside.size:
        raise PlanningError(
            f"{what.capitalize()} site number {int(outside[0])} does not exist; "
            f"there are {site_count} candidate sites."
        )
    return array


def choose_sites(site_count: int, k: int, fixed_open=(), excluded=()) -> SiteChoice:
    """Validate k, fixed-open and excluded sites; raise PlanningError in plain English."""
    fixed = _check_indices(fixed_open, site_count, "fixed")
    banned = _check_indices(excluded, site_count, "excluded")
    both = np.intersect1d(fixed, banned)
    if both.size:
        raise PlanningError(
            f"Site {int(both[0])} is both fixed open and excluded; it can only be one of them."
        )
    if int(k) != k or k < 1:
        raise PlanningError(
            f"The number of sites to open must be a whole number of at least 1; got {k}."
        )
    allowed = np.setdiff1d(np.arange(site_count), banned)
    if k > allowed.size:
        raise PlanningError(
            f"Cannot open {k} sites: only {allowed.size} candidate sites are allowed "
            f"({site_count} candidates, {banned.size} excluded). Lower the number of sites or "
            "allow more candidates."
        )
    if k < fixed.size:
        raise PlanningError(
            f"Cannot open only {k} sites when {fixed.size} sites are fixed open. Raise the number "
            f"of sites to at least {fixed.size} or unfix some sites."
        )
    return SiteChoice(k=int(k), allowed=allowed, fixed=fixed)


def nearest_open(distance: np.ndarray, sites) -> np.ndarray:
    """For each area, the index (into all candidates) of its nearest open site."""
    sites = np.asarray(sites, dtype=np.int64)
    return sites[np.argmin(distance[:, sites], axis=1)]


def check_time_limit(time_limit: float) -> float:
    if not time_limit > 0:
        raise PlanningError(
            f"The time limit must be a positive number of seconds; got {time_limit}."
        )
    return float(time_limit)
