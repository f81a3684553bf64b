"""Need index per area from named indicators.

Formula. For indicator k with values x_ik over the n areas:

    z_ik = s_k * (x_ik - mean_k) / sd_k

where mean_k and sd_k (population standard deviation, ddof = 0) are taken over the areas that
have a value, and s_k = +1 when a higher value means more need (e.g. share of households with
income support) or -1 when it means less need (e.g. income). The index is the weighted
mean of the standardised indicators,

    need_i = sum_k a_k * z_ik / sum_k a_k,

with configurable non-negative weights a_k (default 1). ``contributions[k][i]`` is the term
``a_k * z_ik / sum_k a_k``, so the contributions of an area add up to its index, which reads as
"standard deviations above the average area".

Missing values (None, empty text, NaN) are imputed with the indicator's mean, i.e. they
contribute 0: a gap in the statistics neither raises nor lowers an area's need. Which areas were
imputed is reported. An indicator with the same value everywhere (sd = 0) contributes 0 to all.
A value that is not a number raises IndicatorError naming the area and the indicator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import IndicatorError, PlanningError


@dataclass(frozen=True)
class Indicator:
    name: str
    weight: float = 1.0
    higher_means_more_need: bool = True


@dataclass(frozen=True)
class NeedIndex:
    areas: tuple
    index: np.ndarray
    contributions: dict  # indicator name -> per-area contribution (sums to the index)
    z_scores: dict  # indicator name -> per-area z-score, direction applied
    imputed: dict  # indicator name -> areas whose missing value was set to the mean


def need_index(areas: Sequence, values: Mapping, indicators: Sequence[Indicator]) -> NeedIndex:
    """Combine indicator columns (``values[name]`` aligned with ``areas``) into a need index."""
    areas = tuple(areas)
    if not areas:
        raise PlanningError("A need index needs at least one area.")
    if not indicators:
        raise PlanningError("A need index needs at least one indicator.")
    total_weight = _total_weight(indicators)
    index = np.zeros(len(areas))
    contributions, z_scores, imputed = {}, {}, {}
    for indicator in indicators:
        column = _numeric_column(areas, values, indicator.name)
        z = _standardise(column, indicator.higher_means_more_need)
        contribution = indicator.weight / total_weight * z
        index += contribution
        contributions[indicator.name] = contribution
        z_scores[indicator.name] = z
        imputed[indicator.name] = tuple(
            a for a, v in zip(areas, column, strict=True) if math.isnan(v)
        )
    return NeedIndex(areas, index, contributions, z_scores, imputed)


def need_weighted_population(population, index, strength: float = 1.0) -> np.ndarray:
    """Demand weight ``population * (1 + strength * need scaled to [0, 1])``.

    The neediest area counts (1 + strength) times its population, the least needy area counts
    its population; in between linearly. With one area or a flat index, the weight is the
    population.
    """
    population = np.asarray(population, dtype=np.float64)
    index = np.asarray(index, dtype=np.float64)
    spread = index.max() - index.min() if index.size else 0.0
    scaled = (index - index.min()) / spread if spread > 0 else np.zeros_like(index)
    return population * (1.0 + strength * scaled)


def _total_weight(indicators) -> float:
    names = [indicator.name for indicator in indicators]
    if len(set(names)) != len(names):
        raise PlanningError("Each indicator can appear only once in a need index.")
    weights = [indicator.weight for indicator in indicators]
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise PlanningError("Indicator weights must be non-negative numbers, not all zero.")
    return float(sum(weights))


def _numeric_column(areas, values, name) -> np.ndarray:
    if name not in values:
        raise PlanningError(f"The indicator '{name}' has no values.")
    column = list(values[name])
    if len(column) != len(areas):
        raise PlanningError(
            f"The indicator '{name}' has {len(column)} values for {len(areas)} areas."
        )
    return np.array([_to_number(v, area, name) for area, v in zip(areas, column, strict=True)])


def _to_number(value, area, name) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool):
        raise _not_a_number(value, area, name)
    try:
        number = float(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise _not_a_number(value, area, name) from None
    if math.isinf(number):
        raise _not_a_number(value, area, name)
    return number


def _not_a_number(value, area, name) -> IndicatorError:
    return IndicatorError(
        f"Area {area}: the value of indicator '{name}' is not a number ({value!r}).",
        area=str(area),
        indicator=name,
    )


def _standardise(column: np.ndarray, higher_means_more_need: bool) -> np.ndarray:
    present = ~np.isnan(column)
    z = np.zeros_like(column)
    if present.sum() == 0:
        return z
    mean = column[present].mean()
    sd = column[present].std()
    if sd > 0:
        z[present] = (column[present] - mean) / sd
    return z if higher_means_more_need else -z
