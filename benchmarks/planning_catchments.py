"""Capacitated catchments rows of benchmarks/planning.py: Nära against a plain HiGHS MILP.

Norrköping (79 DeSOs, four bases at 1.0–1.4 × the average load, with and without contiguity),
a 450-area city (four and eight bases at 1.2 × the average) and the national instance (6,000
areas into 25 and 290 catchments at 1.2 × the average). The plain MILP is the same model
(x_ij <= y_j, sum y = k, capacities) handed to highspy as it is, with the same time limit; it
is not run at national scale (6 million binaries).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.planning_instances import (
    city_catchments,
    national_catchments,
    norrkoping_catchments,
)
from nara.planning.solver import (
    InfeasibleCapacityError,
    PlanningError,
    capacitated_catchments,
    highs,
)
from nara.planning.solver.catchments_cuts import RowBlocks

REAL_SHARES = tuple(round(1.0 + 0.05 * step, 2) for step in range(9))
REAL_LIMIT, CONTIGUOUS_LIMIT, CITY_LIMIT, NATIONAL_LIMIT = 10.0, 10.0, 10.0, 60.0
CITY_SHARE = NATIONAL_SHARE = 1.2


def catchment_rows(quick_highs: bool = False):
    real = norrkoping_catchments()
    if real is None:
        print("Norrköping catchments skipped: ../shared/data/norrkoping_deso.geojson is absent.")
    else:
        for share in REAL_SHARES:
            yield _row(real, 4, share, REAL_LIMIT, contiguous=False, highs_limit=REAL_LIMIT)
            yield _row(real, 4, share, CONTIGUOUS_LIMIT, contiguous=True)
    city = city_catchments()
    for k in (4, 8):
        yield _row(city, k, CITY_SHARE, CITY_LIMIT, contiguous=False, highs_limit=CITY_LIMIT)
    national = national_catchments()
    for k in (25, 290):
        yield _row(national, k, NATIONAL_SHARE, NATIONAL_LIMIT, contiguous=False)


def _row(instance, k, share, limit, *, contiguous, highs_limit=None) -> dict:
    capacity = share * instance.load.sum() / k
    row = {
        "instance": instance.name,
        "model": "catchments" + (" contiguous" if contiguous else ""),
        "k": k,
        "capacity_share": share,
        "capacity": round(capacity, 1),
        "time_limit": limit,
    }
    started = time.perf_counter()
    try:
        result = capacitated_catchments(
            instance.distance,
            instance.weight,
            instance.load,
            capacity,
            k=k,
            adjacency=instance.adjacency if contiguous else None,
            base_area=instance.base_area,
            time_limit=limit,
        )
        row.update(
            nara_seconds=round(time.perf_counter() - started, 3),
            nara_status=result.status,
            nara_gap=result.gap,
            nara_objective=result.objective,
            nara_method=result.method,
        )
    except InfeasibleCapacityError as exc:
        row.update(
            nara_seconds=round(time.perf_counter() - started, 3),
            nara_status="infeasible",
            nara_gap=0.0,
            infeasible_reason=exc.reason,
        )
    except PlanningError as exc:  # no plan within the time limit
        row.update(
            nara_seconds=round(time.perf_counter() - started, 3),
            nara_status="no plan",
            nara_gap=None,
            nara_error=str(exc),
        )
    if highs_limit:
        row.update(plain_highs(instance, k, capacity, highs_limit))
        if row["nara_status"] == "optimal" and row["highs_status"] == "optimal":
            row["speedup"] = round(row["highs_seconds"] / max(row["nara_seconds"], 1e-3), 1)
    _print(row)
    return row


def plain_highs(instance, k, capacity, limit) -> dict:
    cost = instance.weight[:, None] * instance.distance
    n, m = cost.shape
    x = np.arange(n * m)
    area, site = np.divmod(x, m)
    y = n * m + np.arange(m)
    rows = RowBlocks()
    rows.add(area, x, np.ones(n * m), np.ones(n), np.ones(n))
    rows.add(
        np.concatenate([site, np.arange(m)]),
        np.concatenate([x, y]),
        np.concatenate([instance.load[area], np.full(m, -capacity)]),
        np.full(m, -np.inf),
        np.zeros(m),
    )
    rows.add(
        np.concatenate([x, x]),
        np.concatenate([x, y[site]]),
        np.concatenate([np.ones(n * m), -np.ones(n * m)]),
        np.full(n * m, -np.inf),
        np.zeros(n * m),
    )
    rows.add(np.zeros(m, np.int64), y, np.ones(m), [k], [k])
    matrix, lower, upper = rows.finish(n * m + m)
    model = highs.Milp(
        np.concatenate([cost.ravel(), np.zeros(m)]),
        np.zeros(n * m + m),
        np.ones(n * m + m),
        np.ones(n * m + m, bool),
        matrix,
        lower,
        upper,
    )
    started = time.perf_counter()
    outcome = highs.solve(model, time_limit=limit)
    seconds = time.perf_counter() - started
    gap = None
    if outcome.values is not None:
        gap = max(0.0, outcome.objective - outcome.bound) / max(abs(outcome.objective), 1e-12)
    status = outcome.status
    if status == "optimal" or (gap is not None and gap <= 1e-7):
        status = "optimal"
    return {
        "highs_seconds": round(seconds, 3),
        "highs_status": status,
        "highs_gap": gap,
        "highs_objective": None if outcome.values is None else outcome.objective,
    }


def _print(row) -> None:
    plain = ""
    if "highs_seconds" in row:
        gap = row["highs_gap"]
        plain = (
            f" | HiGHS {row['highs_seconds']:7.2f} s {row['highs_status']:>10}"
            f" gap {'-' if gap is None else f'{gap:.2%}'}"
        )
    print(
        f"{row['instance']:>20} k={row['k']:<3} {row['model']:>21} cap {row['capacity_share']:.2f}×"
        f" | Nära {row['nara_seconds']:7.3f} s {row['nara_status']:>26}{plain}",
        flush=True,
    )


def catchment_summary(rows) -> dict:
    real = [r for r in rows if r["instance"].startswith("norrkoping")]
    plain = [r for r in real if r["model"] == "catchments"]
    contiguous = [r for r in real if r["model"] != "catchments"]
    city = [r for r in rows if r["instance"].startswith("city")]
    national = [r for r in rows if r["instance"].startswith("national")]
    speedups = [r["speedup"] for r in rows if r.get("speedup")]

    def most(values):
        return max(values, default=None)

    return {
        "catchments_real_max_seconds": most(r["nara_seconds"] for r in plain),
        "catchments_contiguous_max_seconds": most(r["nara_seconds"] for r in contiguous),
        "catchments_real_all_optimal": bool(real)
        and all(r["nara_status"] in ("optimal", "infeasible") for r in real),
        "catchments_city_max_seconds": most(r["nara_seconds"] for r in city),
        "catchments_city_max_gap": _worst_gap(city),
        "catchments_national_max_gap": _worst_gap(national),
        "catchments_speedup_vs_highs": min(speedups) if speedups else None,
        "catchment_rows": rows,
    }


def _worst_gap(rows):
    """The largest gap; a row without a plan counts as an unbounded gap (None)."""
    if any(r["nara_gap"] is None for r in rows):
        return None
    return max((r["nara_gap"] for r in rows), default=None)
