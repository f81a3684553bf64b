"""Staff, budget and scenario metrics for a chosen set of centres.

Posts are whole. They follow need with the largest-remainder (Hamilton) method: each centre's
quota is posts × its share of need; centres whose quota falls below their minimum get the
minimum and leave the pool, the quotas of the rest are recomputed on what is left, and so on;
then every remaining centre gets the whole part of its quota and the posts still left go to the
largest remainders (ties: larger need first, then list order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import PlanningError


def allocate_posts(total_posts: int, need, minimum=0) -> np.ndarray:
    """Whole posts per centre, proportional to ``need``, at least ``minimum`` each."""
    need = np.asarray(need, dtype=np.float64)
    floors = np.broadcast_to(np.asarray(minimum, dtype=np.int64), need.shape).copy()
    _check_posts(total_posts, need, floors)
    posts = floors.copy()
    pool = np.ones(need.size, dtype=bool)
    while pool.any():
        quota = _quotas(total_posts - posts[~pool].sum(), need, pool)
        below = pool & (quota < floors)
        if not below.any():
            return _hamilton(total_posts - posts[~pool].sum(), quota, need, pool, posts)
        pool &= ~below
    return posts


def _check_posts(total_posts, need, floors) -> None:
    if int(total_posts) != total_posts or total_posts < 0:
        raise PlanningError(
            f"The number of posts must be a whole number of at least 0; got {total_posts}."
        )
    if need.size == 0:
        raise PlanningError("Posts can only be shared among at least one centre.")
    if not np.isfinite(need).all() or (need < 0).any():
        raise PlanningError("The need of every centre must be a number of at least 0.")
    if (floors < 0).any():
        raise PlanningError("A minimum number of posts cannot be negative.")
    if floors.sum() > total_posts:
        raise PlanningError(
            f"The minimum posts per centre add up to {int(floors.sum())}, more than the "
            f"{int(total_posts)} posts available; lower the minimums or add posts."
        )


def _quotas(posts: int, need, pool) -> np.ndarray:
    share = np.where(pool, need, 0.0)
    if share.sum() == 0:
        share = pool.astype(np.float64)  # no need anywhere: share equally
    return posts * share / share.sum()


def _hamilton(posts: int, quota, need, pool, result) -> np.ndarray:
    whole = np.floor(quota + 1e-9).astype(np.int64)
    result = result.copy()
    result[pool] = whole[pool]
    left = posts - whole[pool].sum()
    remainder = np.where(pool, quota - whole, -np.inf)
    order = np.lexsort((np.arange(need.size), -need, -remainder))
    result[order[:left]] += 1
    return result


@dataclass(frozen=True)
class CentreBudget:
    posts: int
    annual_cost: float
    residents: float
    need: float
    cost_per_1000_residents: float
    cost_per_need_unit: float


def centre_budgets(
    posts, residents, need, *, cost_per_post: float, cost_per_site: float
) -> list[CentreBudget]:
    """Annual cost per centre (posts × cost per post + site cost), per 1,000 residents and per
    unit of need in its catchment."""
    if cost_per_post < 0 or cost_per_site < 0:
        raise PlanningError("Costs per post and per site cannot be negative.")
    rows = zip(
        np.asarray(posts), np.asarray(residents, float), np.asarray(need, float), strict=True
    )
    budgets = []
    for count, people, centre_need in rows:
        cost = float(count) * cost_per_post + cost_per_site
        budgets.append(
            CentreBudget(
                posts=int(count),
                annual_cost=cost,
                residents=float(people),
                need=float(centre_need),
                cost_per_1000_residents=float(cost / people * 1000) if people > 0 else math.nan,
                cost_per_need_unit=float(cost / centre_need) if centre_need > 0 else math.nan,
            )
        )
    return budgets


@dataclass(frozen=True)
class ScenarioMetrics:
    coverage_share: float  # share of need-weighted population within the coverage distance
    neediest_quintile_mean_distance: float  # population-weighted, to the nearest centre
    total_cost: float
    staff: int


def scenario_metrics(
    distance,
    sites,
    *,
    weight,
    population,
    need_index,
    coverage_distance: float,
    posts=(),
    annual_costs=(),
) -> ScenarioMetrics:
    """Headline numbers to compare scenarios side by side."""
    matrix = np.asarray(distance, dtype=np.float64)
    nearest = matrix[:, np.asarray(sites, dtype=np.int64)].min(axis=1)
    weight = np.asarray(weight, dtype=np.float64)
    population = np.asarray(population, dtype=np.float64)
    total_weight = weight.sum()
    covered = weight[nearest <= coverage_distance].sum() / total_weight if total_weight else 1.0
    neediest = _neediest_fifth(np.asarray(need_index, dtype=np.float64))
    people = population[neediest]
    mean_distance = (
        float((nearest[neediest] * people).sum() / people.sum())
        if people.sum()
        else float(nearest[neediest].mean())
    )
    return ScenarioMetrics(
        coverage_share=float(covered),
        neediest_quintile_mean_distance=mean_distance,
        total_cost=float(np.sum(annual_costs)),
        staff=int(np.sum(posts)),
    )


def _neediest_fifth(need_index: np.ndarray) -> np.ndarray:
    """The ceil(n/5) areas with the highest need index (ties by list order)."""
    count = max(1, math.ceil(need_index.size / 5))
    return np.argsort(-need_index, kind="stable")[:count]
