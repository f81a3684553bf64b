"""Planning benchmark: Nära's placement solver against PySAL spopt on the same instances.

Run alone: ``python benchmarks/planning.py [--quick]``. Instances (fixed seeds, see
planning_instances.py): 500 × 100, 2,000 × 300 and 6,000 × 1,000 synthetic areas × candidate
sites, plus Norrköping's 79 DeSO areas when ../shared/data is present; k = 3, 4, 10, 25; both
p-median and maximal covering. spopt builds its models with pulp and solves them with pulp's
bundled CBC under a stated time limit. Objectives must agree (relative 1e-6) wherever both
finish with a proven optimum. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.planning_instances import (  # noqa: E402
    SYNTHETIC_SPECS,
    norrkoping_instance,
    synthetic_instance,
)
from nara.planning.solver import maximal_covering, p_median, straight_line_matrix  # noqa: E402

KS = (3, 4, 10, 25)
NARA_TIME_LIMIT = 9.5  # seconds; the target is an answer within 10 s
SPOPT_LIMITS = {"municipal-500x100": 300, "regional-2000x300": 120, "norrkoping-79x79": 300}
AGREEMENT = 1e-6


def main() -> None:
    options = _arguments()
    rows = []
    for instance in _instances():
        distance = straight_line_matrix(instance.area_xy, instance.site_xy)
        spopt_limit = _spopt_limit(instance.name, options)
        for k in KS:
            for model in ("p-median", "maximal covering"):
                row = _run(instance, distance, k, model, spopt_limit)
                rows.append(row)
                _print_row(row)
    print(json.dumps(_summary(rows)))


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip spopt on the 2,000 × 300 and 6,000 × 1,000 instances",
    )
    parser.add_argument(
        "--spopt-national",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also run spopt on 6,000 × 1,000 with this CBC time limit "
        "(its pulp model has 6 million variables; off by default)",
    )
    return parser.parse_args()


def _instances():
    for name in SYNTHETIC_SPECS:
        yield synthetic_instance(name)
    real = norrkoping_instance()
    if real is None:
        print("Norrköping instance skipped: ../shared/data/norrkoping_deso.geojson is absent.")
    else:
        yield real


def _spopt_limit(name: str, options) -> float | None:
    if name.startswith("national"):
        return options.spopt_national or None
    if options.quick and name.startswith("regional"):
        return None
    return SPOPT_LIMITS[name]


def _run(instance, distance, k, model, spopt_limit) -> dict:
    started = time.perf_counter()
    if model == "p-median":
        result = p_median(distance, instance.weight, k, time_limit=NARA_TIME_LIMIT)
    else:
        result = maximal_covering(
            distance, instance.weight, k, instance.coverage_distance, time_limit=NARA_TIME_LIMIT
        )
    nara_seconds = time.perf_counter() - started
    row = {
        "instance": instance.name,
        "areas": distance.shape[0],
        "sites": distance.shape[1],
        "k": k,
        "model": model,
        "nara_seconds": round(nara_seconds, 4),
        "nara_objective": result.objective,
        "nara_gap": result.gap,
        "nara_status": result.status,
        "nara_method": result.method,
    }
    if model == "maximal covering":
        row["coverage_distance_m"] = instance.coverage_distance
        row["covered_share"] = round(result.details["covered_share"], 4)
    if spopt_limit:
        row.update(_spopt(instance, distance, k, model, spopt_limit))
        row["speedup"] = round(row["spopt_seconds"] / nara_seconds, 1)
        row["same_optimum"] = _agree(row, result)
    return row


def _spopt(instance, distance, k, model, limit) -> dict:
    import pulp
    from spopt.locate import MCLP, PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
    started = time.perf_counter()
    try:
        if model == "p-median":
            problem = PMedian.from_cost_matrix(distance, instance.weight, k)
        else:
            problem = MCLP.from_cost_matrix(
                distance, instance.weight, instance.coverage_distance, k
            )
        problem.solve(solver, results=False)
    except Exception as error:  # spopt raises when CBC stops without a proven optimum
        return {
            "spopt_seconds": round(time.perf_counter() - started, 3),
            "spopt_status": f"failed: {error}",
            "spopt_objective": None,
            "spopt_time_limit": limit,
        }
    seconds = time.perf_counter() - started
    optimal = problem.problem.sol_status == pulp.LpSolutionOptimal
    return {
        "spopt_seconds": round(seconds, 3),
        "spopt_objective": pulp.value(problem.problem.objective),
        "spopt_status": "optimal" if optimal else pulp.LpStatus[problem.problem.status],
        "spopt_time_limit": limit,
    }


def _agree(row, result) -> bool | None:
    if row["spopt_status"] != "optimal" or not result.is_optimal:
        return None
    reference = row["spopt_objective"]
    return abs(result.objective - reference) <= AGREEMENT * max(abs(reference), 1.0)


def _print_row(row) -> None:
    spopt = ""
    if "spopt_seconds" in row:
        spopt = (
            f" | spopt {row['spopt_seconds']:8.2f} s {row['spopt_status']:>8}"
            f" ×{row['speedup']:<8} same={row['same_optimum']}"
        )
    print(
        f"{row['instance']:>20} k={row['k']:<3} {row['model']:>16} | Nära "
        f"{row['nara_seconds']:7.3f} s {row['nara_status']:>26}{spopt}",
        flush=True,
    )


def _summary(rows) -> dict:
    small = [r for r in rows if r["instance"].startswith("municipal")]
    national = [r for r in rows if r["instance"].startswith("national")]
    speedups = [r["speedup"] for r in small if "speedup" in r]
    agreements = [r.get("same_optimum") for r in rows if "same_optimum" in r]
    return {
        "bench": "planning",
        "machine": _machine(),
        "small_speedup_vs_spopt": min(speedups) if speedups else None,
        "small_same_optimum": bool(small) and all(r.get("same_optimum") is True for r in small),
        "all_compared_same_optimum": all(a is True for a in agreements),
        "national_max_seconds": max((r["nara_seconds"] for r in national), default=None),
        "national_max_gap": max((r["nara_gap"] for r in national), default=None),
        "nara_time_limit_seconds": NARA_TIME_LIMIT,
        "instances": rows,
    }


def _machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
