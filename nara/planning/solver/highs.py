"""A thin wrapper around HiGHS (highspy) for the models' mixed-integer programs."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from .result import OPTIMALITY_TOLERANCE

INFINITY = highspy.kHighsInf


def _make_first_instance_quietly():
    """HiGHS prints its banner from C++ to file descriptor 1 when the first instance of a
    process is made, before any option can be set; `manage.py plan` output must not start with
    it. Done once at import, while the process starts."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_make_first_instance_quietly()


@dataclass(frozen=True)
class MilpOutcome:
    """A HiGHS run, in minimisation form: ``bound <= optimum <= objective``."""

    values: np.ndarray | None  # None when no feasible solution was found
    objective: float
    bound: float
    status: str  # "optimal", "time limit", "infeasible" or HiGHS's own words
    reduced_costs: np.ndarray | None = None  # LP only
    row_duals: np.ndarray | None = None  # LP only


@dataclass
class Milp:
    """minimise cost @ x + offset  s.t.  row_lower <= A x <= row_upper, bounds, integrality."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column
    matrix: sparse.spmatrix | tuple  # or (starts, indices, values, shape), column-wise
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float = 0.0


def solve(
    model: Milp, *, time_limit: float, start: np.ndarray | None = None, relax: bool = False
) -> MilpOutcome:
    highs = _loaded(model, relax)
    highs.setOptionValue("time_limit", max(float(time_limit), 0.01))
    highs.setOptionValue("mip_rel_gap", OPTIMALITY_TOLERANCE / 10)
    highs.setOptionValue("mip_abs_gap", 1e-9)
    if start is not None and not relax:
        solution = highspy.HighsSolution()
        solution.col_value = list(np.asarray(start, dtype=np.float64))
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    return _outcome(highs, model, relax)


def load_lp(model: Milp) -> highspy.Highs:
    """The LP relaxation loaded without presolve, to be re-solved after bound changes."""
    highs = _loaded(model, True)
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", 4)  # primal: fewer iterations from the slack basis
    return highs


def _loaded(model: Milp, relax: bool) -> highspy.Highs:
    if isinstance(model.matrix, tuple):  # (starts, indices, values, shape), column-wise
        starts, indices, values, shape = model.matrix
    else:
        matrix = sparse.csc_matrix(model.matrix)
        matrix.sort_indices()
        starts, indices, values, shape = matrix.indptr, matrix.indices, matrix.data, matrix.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = shape[1], shape[0]
    lp.col_cost_ = np.asarray(model.cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(model.col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.offset_ = float(model.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(values, dtype=np.float64)
    if not relax:
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if flag else kinds.kContinuous for flag in model.integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return highs


def _outcome(highs: highspy.Highs, model: Milp, relax: bool) -> MilpOutcome:
    status = highs.getModelStatus()
    states = highspy.HighsModelStatus
    info = highs.getInfo()
    if status == states.kInfeasible:
        return MilpOutcome(None, INFINITY, INFINITY, "infeasible")
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.array(highs.getSolution().col_value) if has_solution else None
    objective = info.objective_function_value if has_solution else INFINITY
    reduced_costs = row_duals = None
    if relax:
        solved = status == states.kOptimal
        bound = objective if solved else -INFINITY
        reduced_costs = np.array(highs.getSolution().col_dual) if solved else None
        row_duals = np.array(highs.getSolution().row_dual) if solved else None
    else:
        bound = info.mip_dual_bound
    words = {states.kOptimal: "optimal", states.kTimeLimit: "time limit"}
    status_words = words.get(status, highs.modelStatusToString(status))
    return MilpOutcome(values, objective, bound, status_words, reduced_costs, row_duals)
