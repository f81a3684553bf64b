"""Nära's placement solver: need index, distance matrices, placement models, staffing.

Pure Python on numpy, scipy and highspy; no Django. Every model returns a Result with the chosen
sites, the assignment of areas, a proven bound and a plain status ("optimal" or "within X % of
optimal").
"""

from .catchments import capacitated_catchments, usable_capacity
from .covering import maximal_covering
from .distances import load_travel_matrix, straight_line_matrix
from .errors import (
    IndicatorError,
    InfeasibleCapacityError,
    PlanningError,
    TravelTimeMatrixError,
)
from .need import Indicator, NeedIndex, need_index, need_weighted_population
from .pmedian import p_median
from .result import Result
from .staffing import (
    CentreBudget,
    ScenarioMetrics,
    allocate_posts,
    centre_budgets,
    scenario_metrics,
)

__all__ = [
    "CentreBudget",
    "Indicator",
    "IndicatorError",
    "InfeasibleCapacityError",
    "NeedIndex",
    "PlanningError",
    "Result",
    "ScenarioMetrics",
    "TravelTimeMatrixError",
    "allocate_posts",
    "capacitated_catchments",
    "centre_budgets",
    "load_travel_matrix",
    "maximal_covering",
    "need_index",
    "need_weighted_population",
    "p_median",
    "scenario_metrics",
    "straight_line_matrix",
    "usable_capacity",
]
