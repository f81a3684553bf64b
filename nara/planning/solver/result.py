"""The answer every placement model returns, with its proven bounds and an honest status."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

# Relative gap below which an answer counts as proven optimal (floating-point noise).
OPTIMALITY_TOLERANCE = 1e-7

MINIMISE = "minimise"
MAXIMISE = "maximise"


@dataclass(frozen=True)
class Result:
    """A placement: which sites, who goes where, how good, and how sure.

    ``lower_bound <= objective <= upper_bound`` always holds; for a minimisation the objective is
    the upper bound, for a maximisation it is the lower bound. ``gap`` is relative to the
    objective, and ``status`` says it in words: "optimal" or "within 0.05 % of optimal".
    """

    model: str
    sense: str
    chosen_sites: np.ndarray
    assignment: np.ndarray
    objective: float
    lower_bound: float
    upper_bound: float
    gap: float
    status: str
    solve_seconds: float
    method: str
    details: dict = field(default_factory=dict)

    @property
    def is_optimal(self) -> bool:
        return self.status == "optimal"


def relative_gap(lower: float, upper: float, objective: float) -> float:
    spread = max(0.0, upper - lower)
    if spread <= 1e-12 * max(1.0, abs(objective)):
        return 0.0
    return spread / max(abs(objective), 1e-12)


def status_text(gap: float) -> str:
    if gap <= OPTIMALITY_TOLERANCE:
        return "optimal"
    return f"within {_percent_rounded_up(gap)} % of optimal"


def _percent_rounded_up(gap: float) -> str:
    """Two significant digits, rounded up so the stated gap is never smaller than the true one."""
    percent = gap * 100.0
    decimals = max(0, 1 - math.floor(math.log10(percent)))
    scale = 10**decimals
    return f"{math.ceil(percent * scale - 1e-9) / scale:.{decimals}f}"


def make_result(
    *,
    model: str,
    sense: str,
    sites,
    assignment,
    objective: float,
    bound: float,
    started: float,
    method: str,
    details: dict | None = None,
) -> Result:
    """Build a Result from the incumbent objective and the best proven bound on the optimum."""
    if sense == MINIMISE:
        lower, upper = min(bound, objective), objective
    else:
        lower, upper = objective, max(bound, objective)
    gap = relative_gap(lower, upper, objective)
    return Result(
        model=model,
        sense=sense,
        chosen_sites=np.sort(np.asarray(sites, dtype=np.int64)),
        assignment=np.asarray(assignment, dtype=np.int64),
        objective=float(objective),
        lower_bound=float(lower),
        upper_bound=float(upper),
        gap=gap,
        status=status_text(gap),
        solve_seconds=time.perf_counter() - started,
        method=method,
        details=details or {},
    )
