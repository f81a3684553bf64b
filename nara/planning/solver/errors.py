"""Errors raised by the planning solver.

Every message is plain English, names what is wrong and, where it helps, what to change. The
Django side shows or translates ``str(error)``; the structured attributes let it do so precisely.
"""

from __future__ import annotations


class PlanningError(ValueError):
    """A planning request that cannot be answered as posed."""


class TravelTimeMatrixError(PlanningError):
    """A travel-time matrix has missing pairs or unusable values."""

    def __init__(self, message: str, *, missing_pairs=(), bad_values=()):
        super().__init__(message)
        self.missing_pairs = tuple(missing_pairs)
        self.bad_values = tuple(bad_values)


class IndicatorError(PlanningError):
    """A need indicator has a value that is not a number."""

    def __init__(self, message: str, *, area: str, indicator: str):
        super().__init__(message)
        self.area = area
        self.indicator = indicator


class InfeasibleCapacityError(PlanningError):
    """No plan can keep every base within its capacity.

    ``reason``: "total" (the bases together hold less than the total load), "area" (one area
    alone is above the capacity; ``area`` is its index), "proven" (the solver proved that no
    assignment fits) or "contiguous" (none fits with connected catchments).
    """

    def __init__(
        self, message: str, *, reason: str, area: int | None = None, total=None, most=None
    ):
        super().__init__(message)
        self.reason = reason
        self.area = area
        self.total = total
        self.most = most
