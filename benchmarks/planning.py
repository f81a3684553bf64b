"""Planning benchmark: Nära's placement solver against PySAL spopt on the same instances.

Run alone: ``python benchmarks/planning.py [--quick] [--only PREFIX]``. Instances (fixed seeds, see
planning_instances.py): 500 × 100, 2,000 × 300 and 6,000 × 1,000 synthetic areas × candidate
sites, plus Norrköping's 79 DeSO areas when ../shared/data is present; k = 3, 4, 10, 25; both
p-median and maximal covering. spopt builds its models with pulp and solves them with pulp's
bundled CBC under a stated time limit. Objectives must agree (relative 1e-6) wherever both
finish with a proven optimum. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.planning_catchments import catchment_rows, catchment_summary  # noqa: E402
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
HARD_CAP = 1.5  # spopt is stopped outright after this multiple of its CBC time limit
# Machines are shared and noisy: a run shorter than a threshold (1 s for Nära, 2 s for spopt) is
# repeated, REPEATS times at most, and the fastest time kept, for both solvers alike.
REPEATS = 7
NARA_REPEAT_BELOW = 1.0


def main() -> None:
    options = _arguments()
    rows = []
    for instance in _instances(options.only):
        distance = straight_line_matrix(instance.area_xy, instance.site_xy)
        spopt_limit = _spopt_limit(instance.name, options)
        for k in KS:
            for model in ("p-median", "maximal covering"):
                row = _run(instance, distance, k, model, spopt_limit)
                rows.append(row)
                _print_row(row)
    summary = _summary(rows)
    if "catchments".startswith(options.only) or not options.only:
        summary.update(catchment_summary(list(catchment_rows())))
    print(json.dumps(summary))


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
    parser.add_argument(
        "--only",
        default="",
        metavar="PREFIX",
        help="run only the instances whose name starts with PREFIX (e.g. national)",
    )
    return parser.parse_args()


def _instances(only: str = ""):
    if only == "catchments":
        return
    for name in SYNTHETIC_SPECS:
        if name.startswith(only):
            yield synthetic_instance(name)
    if not "norrkoping-79x79".startswith(only):
        return
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
    nara_seconds, nara_cpu, result = _best_of(
        lambda: _nara(instance, distance, k, model), NARA_REPEAT_BELOW
    )
    row = {
        "instance": instance.name,
        "areas": distance.shape[0],
        "sites": distance.shape[1],
        "k": k,
        "model": model,
        "nara_seconds": round(nara_seconds, 4),
        "nara_cpu_seconds": round(nara_cpu, 4),
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
        solved = row["spopt_status"] == "optimal"
        row["speedup"] = round(row["spopt_seconds"] / nara_seconds, 1) if solved else None
        cpu_ratio = row.get("spopt_cpu_seconds", 0) / max(nara_cpu, 1e-6)
        row["cpu_speedup"] = round(cpu_ratio, 1) if solved else None
        row["same_optimum"] = _agree(row, result)
    return row


def _nara(instance, distance, k, model):
    if model == "p-median":
        return p_median(distance, instance.weight, k, time_limit=NARA_TIME_LIMIT)
    return maximal_covering(
        distance, instance.weight, k, instance.coverage_distance, time_limit=NARA_TIME_LIMIT
    )


def _best_of(run, repeat_below: float):
    """Time ``run``; runs shorter than ``repeat_below`` s are repeated and the fastest kept.

    Returns (fastest wall-clock seconds, fastest CPU seconds, the last result).
    """
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(REPEATS):
        started, cpu = time.perf_counter(), _cpu_seconds()
        result = run()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, _cpu_seconds() - cpu)
        if best >= repeat_below:
            break
    return best, best_cpu, result


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (CBC), all threads included."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _spopt(instance, distance, k, model, limit) -> dict:
    """spopt's own times (build + solve, measured in the child), the fastest of up to REPEATS."""
    best, cpu = None, []
    for _ in range(REPEATS):
        outcome = _spopt_capped(instance, distance, k, model, limit)
        cpu.append(outcome.get("spopt_cpu_seconds", float("inf")))
        if best is None or outcome["spopt_seconds"] < best["spopt_seconds"]:
            best = outcome
        if best["spopt_seconds"] >= 2.0:
            break
    if "spopt_cpu_seconds" in best:
        best["spopt_cpu_seconds"] = min(cpu)
    return best


def _spopt_capped(instance, distance, k, model, limit) -> dict:
    """Run spopt in a child process and stop it (CBC included) after HARD_CAP × the limit.

    CBC checks its own time limit only once branching starts; on the large p-median models it
    can spend far longer than the limit in its root LP, so a hard stop is needed.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_spopt_child, args=(send, instance, distance, k, model, limit), daemon=True
    )
    child.start()
    cap = HARD_CAP * limit
    if receive.poll(cap):
        outcome = receive.recv()
        child.join()
        return outcome
    os.killpg(child.pid, signal.SIGKILL)  # the child leads its own group: CBC goes with it
    child.join()
    return {
        "spopt_seconds": cap,
        "spopt_status": f"stopped after {cap:.0f} s",
        "spopt_objective": None,
        "spopt_time_limit": limit,
    }


def _spopt_child(send, instance, distance, k, model, limit) -> None:
    os.setsid()
    send.send(_spopt_once(instance, distance, k, model, limit))


def _spopt_once(instance, distance, k, model, limit) -> dict:
    import pulp
    from spopt.locate import MCLP, PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
    started, cpu = time.perf_counter(), _cpu_seconds()
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
        "spopt_cpu_seconds": round(_cpu_seconds() - cpu, 3),
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
            f" ×{row['speedup']!s:<8} same={row['same_optimum']}"
        )
    print(
        f"{row['instance']:>20} k={row['k']:<3} {row['model']:>16} | Nära "
        f"{row['nara_seconds']:7.3f} s {row['nara_status']:>26}{spopt}",
        flush=True,
    )


def _summary(rows) -> dict:
    small = [r for r in rows if r["instance"].startswith("municipal")]
    national = [r for r in rows if r["instance"].startswith("national")]
    speedups = [r["speedup"] for r in small if r.get("speedup") is not None]
    cpu_speedups = [r["cpu_speedup"] for r in small if r.get("cpu_speedup") is not None]
    # None: not compared (spopt gave no proven optimum within its limit)
    agreements = [r["same_optimum"] for r in rows if r.get("same_optimum") is not None]
    return {
        "bench": "planning",
        "machine": _machine(),
        "small_speedup_vs_spopt": min(speedups) if speedups else None,
        "small_cpu_speedup_vs_spopt": min(cpu_speedups) if cpu_speedups else None,
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
