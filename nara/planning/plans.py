"""Running a plan: validate the request, call the solver, and compute staff, budget and metrics.

Results are JSON-ready (see ``run_plan``) and stored as they are on a Scenario.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np
from django.utils.translation import gettext as _

from . import solver
from .services import (
    DEFAULT_COST_PER_POST,
    DEFAULT_COST_PER_SITE,
    DEFAULT_COVERAGE_DISTANCE,
    DEFAULT_TIME_LIMIT,
    MODELS,
    NEED_STRENGTH,
    PlanInputError,
    Weight,
    adjacency,
    base_areas,
    candidate_list,
    compute_need,
    distance_matrix,
    load_areas,
    resolve_candidates,
)


@dataclass
class PlanRequest:
    model: str
    k: int
    coverage_distance: float = DEFAULT_COVERAGE_DISTANCE
    capacity: float | None = None
    capacity_on: str = "population"
    contiguous: bool = False
    fixed: tuple = ()
    excluded: tuple = ()
    weights: dict | None = None
    staff_posts: int = 0
    min_posts: int = 0
    cost_per_post: float = DEFAULT_COST_PER_POST
    cost_per_site: float = DEFAULT_COST_PER_SITE
    include_centres: bool = True
    include_sites: bool = True
    include_areas: bool = True
    travel_matrix: str | None = field(default=None, repr=False)
    travel_matrix_name: str = ""
    time_limit: float = DEFAULT_TIME_LIMIT
    extra_indicators: dict = field(default_factory=dict, repr=False)

    def parameters(self):
        data = asdict(self)
        data.pop("travel_matrix")
        data.pop("extra_indicators")
        data["fixed"], data["excluded"] = list(self.fixed), list(self.excluded)
        data["weights"] = {
            name: {"weight": w.weight, "higher_means_more_need": w.higher_means_more_need}
            for name, w in (self.weights or {}).items()
        }
        data["extra_indicators"] = sorted(self.extra_indicators)
        data["need_strength"] = NEED_STRENGTH
        data["distance"] = "travel matrix" if self.travel_matrix else "straight line (m)"
        return data

    @classmethod
    def from_parameters(cls, parameters, *, travel_matrix=None):
        """The request a scenario was saved with (``parameters()``), to compute it again."""
        known = {f.name for f in fields(cls)} - {"travel_matrix", "extra_indicators", "weights"}
        data = {name: value for name, value in parameters.items() if name in known}
        data["fixed"] = tuple(data.get("fixed", ()))
        data["excluded"] = tuple(data.get("excluded", ()))
        weights = parameters.get("weights") or {}
        data["weights"] = {
            name: Weight(float(w["weight"]), bool(w["higher_means_more_need"]))
            for name, w in weights.items()
        } or None
        return cls(**data, travel_matrix=travel_matrix or None)


@dataclass
class Prepared:
    """A request checked against the municipality's data, ready for the solver."""

    areas: object
    need: object
    candidates: list
    fixed: list
    excluded: list
    distance: np.ndarray


def prepare_plan(municipality, request):
    """Every check that needs no solver: the areas, the need index, the candidates, the
    distances, the capacity and the staff posts. Raises PlanInputError on bad input.

    The planning pages run this in the web request (a mistake is shown on the form at once) and
    leave the solving to the worker (nara/planning/tasks.py)."""
    if request.model not in MODELS:
        raise PlanInputError(_("Choose a model."), "model")
    areas = load_areas(municipality)
    need = compute_need(municipality, request.weights, areas=areas, extra=request.extra_indicators)
    candidates = candidate_list(
        municipality,
        areas,
        centres=request.include_centres,
        sites=request.include_sites,
        area_points=request.include_areas,
    )
    fixed = resolve_candidates(request.fixed, candidates, "fixed")
    excluded = resolve_candidates(request.excluded, candidates, "excluded")
    _check_choice(request.k, len(candidates), fixed, excluded, candidates)
    distance = distance_matrix(areas, candidates, request.travel_matrix)
    if request.model == "catchments":
        _load(request, areas, need)
    try:  # the minimums against the posts: the same for any k sites
        solver.allocate_posts(request.staff_posts, [1.0] * request.k, request.min_posts)
    except solver.PlanningError as exc:
        raise PlanInputError(_("Staff posts cannot be shared out: %s") % exc, "min_posts") from exc
    return Prepared(areas, need, candidates, fixed, excluded, distance)


def run_plan(municipality, request):
    """Solve the request and return JSON-ready results. Raises PlanInputError on bad input."""
    ready = prepare_plan(municipality, request)
    areas, need, candidates, distance = ready.areas, ready.need, ready.candidates, ready.distance
    result = _solve(request, areas, need, candidates, distance, ready.fixed, ready.excluded)
    return _results(request, areas, need, candidates, distance, result)


def _check_choice(k, count, fixed, excluded, candidates):
    if count == 0:
        raise PlanInputError(
            _("There are no candidate sites; include centres, imported sites or area points."),
            "include_areas",
        )
    both = sorted(set(fixed) & set(excluded))
    if both:
        raise PlanInputError(
            _("%(name)s is both fixed open and excluded; it can only be one of them.")
            % {"name": candidates[both[0]].name},
            "excluded",
        )
    if k is None or k < 1:
        raise PlanInputError(_("The number of sites must be at least 1."), "k")
    allowed = count - len(excluded)
    if k > allowed:
        raise PlanInputError(
            _(
                "Cannot open %(k)d sites: only %(allowed)d candidate sites are allowed "
                "(%(count)d candidates, %(excluded)d excluded). Lower the number of sites or "
                "allow more candidates."
            )
            % {"k": k, "allowed": allowed, "count": count, "excluded": len(excluded)},
            "k",
        )
    if k < len(fixed):
        raise PlanInputError(
            _("Cannot open only %(k)d sites when %(fixed)d are fixed open.")
            % {"k": k, "fixed": len(fixed)},
            "k",
        )


def _solve(request, areas, need, candidates, distance, fixed, excluded):
    common = {"fixed_open": fixed, "excluded": excluded, "time_limit": request.time_limit}
    try:
        if request.model == "mclp":
            if not request.coverage_distance or request.coverage_distance <= 0:
                raise PlanInputError(
                    _("Maximal covering needs a coverage distance above 0."), "coverage_distance"
                )
            return solver.maximal_covering(
                distance, need.demand, request.k, request.coverage_distance, **common
            )
        if request.model == "pmedian":
            return solver.p_median(distance, need.demand, request.k, **common)
        load, capacity = _load(request, areas, need)
        return solver.capacitated_catchments(
            distance,
            need.demand,
            load,
            capacity,
            k=request.k,
            adjacency=adjacency(areas) if request.contiguous else None,
            base_area=base_areas(areas, candidates),
            **common,
        )
    except solver.InfeasibleCapacityError as exc:
        raise _infeasible(request, exc) from exc
    except solver.PlanningError as exc:
        if "time limit" in str(exc):
            raise PlanInputError(
                _(
                    "The solver found no answer within the time limit of %(seconds)g s. Fewer "
                    "candidate sites, more capacity or no contiguity make it easier."
                )
                % {"seconds": request.time_limit},
                "k",
            ) from exc
        raise PlanInputError(_("The plan could not be computed: %s") % exc) from exc


def _infeasible(request, exc):
    """The solver's reason, in the user's language only."""
    if exc.reason == "proven":
        message = _(
            "Infeasible: no assignment keeps every base within its capacity. Raise the capacity "
            "or the number of bases."
        )
    elif exc.reason == "contiguous":
        message = _(
            "Infeasible: no assignment keeps every base within its capacity with contiguous "
            "catchments. Raise the capacity, add bases or drop contiguity."
        )
    else:
        message = _("Infeasible: the bases cannot hold the load.")
    return PlanInputError(message, "capacity")


def capacity_for(request, load):
    """The capacity per base in load units: as given, or a multiple of the average load."""
    if request.capacity_on == "average":
        return request.capacity * float(load.sum()) / request.k
    return request.capacity


def _load(request, areas, need):
    if request.capacity is None or not request.capacity > 0:
        raise PlanInputError(
            _("Capacitated catchments need a capacity per base above 0."), "capacity"
        )
    if request.capacity_on == "staff":
        if request.staff_posts <= 0:
            raise PlanInputError(
                _("A capacity on staff needs the number of staff posts."), "staff_posts"
            )
        load = request.staff_posts * need.demand / need.demand.sum()
        unit = _("posts")
    else:
        load = areas.population
        unit = _("residents")
    capacity = capacity_for(request, load)
    total = float(load.sum())
    most = request.k * solver.usable_capacity(load, capacity)
    if total > most * (1 + 1e-9) + 1e-9:
        raise PlanInputError(
            _(
                "Infeasible: %(k)d bases with a capacity of %(capacity)s %(unit)s hold at most "
                "%(most)s in total, but the areas have %(total)s. Raise the capacity or the "
                "number of bases."
            )
            % {
                "k": request.k,
                "capacity": _fmt(capacity),
                "unit": unit,
                "most": _fmt(most),
                "total": _fmt(total),
            },
            "capacity",
        )
    biggest = int(np.argmax(load))
    if load[biggest] > capacity * (1 + 1e-9) + 1e-9:
        raise PlanInputError(
            _(
                "Infeasible: area %(area)s alone has %(load)s %(unit)s, more than a base's "
                "capacity of %(capacity)s."
            )
            % {
                "area": areas.names[biggest],
                "load": _fmt(load[biggest]),
                "unit": unit,
                "capacity": _fmt(capacity),
            },
            "capacity",
        )
    if request.capacity_on == "staff":
        # Posts are shared out whole afterwards: a base whose share of the posts rounds to the
        # capacity can be given exactly that many (12 posts fill 4 bases of 3 exactly).
        capacity += 0.5
    return load, capacity


def _fmt(number):
    if abs(number - round(number)) > 1e-6 and abs(number) < 100:
        return f"{number:,.2f}".replace(",", "\u00a0")
    return f"{number:,.0f}".replace(",", "\u00a0")


def _results(request, areas, need, candidates, distance, result):
    chosen = [int(s) for s in result.chosen_sites]
    assignment = np.asarray(result.assignment, dtype=np.int64)
    residents = [float(areas.population[assignment == s].sum()) for s in chosen]
    site_need = [float(need.demand[assignment == s].sum()) for s in chosen]
    try:
        posts = solver.allocate_posts(request.staff_posts, site_need, request.min_posts)
        budgets = solver.centre_budgets(
            posts,
            residents,
            site_need,
            cost_per_post=request.cost_per_post,
            cost_per_site=request.cost_per_site,
        )
    except solver.PlanningError as exc:
        raise PlanInputError(_("Staff posts cannot be shared out: %s") % exc, "min_posts") from exc
    metrics = solver.scenario_metrics(
        distance,
        chosen,
        weight=need.demand,
        population=areas.population,
        need_index=need.index.index,
        coverage_distance=request.coverage_distance,
        posts=posts,
        annual_costs=[b.annual_cost for b in budgets],
    )
    nearest = distance[np.arange(len(areas)), assignment]
    total_residents, total_need = float(areas.population.sum()), float(need.demand.sum())
    fixed = set(resolve_candidates(request.fixed, candidates, "fixed"))
    sites = []
    for number, (site, budget) in enumerate(zip(chosen, budgets, strict=True), start=1):
        candidate = candidates[site]
        sites.append(
            {
                "number": number,
                "id": candidate.id,
                "name": candidate.name,
                "kind": candidate.kind,
                "lon": candidate.lon,
                "lat": candidate.lat,
                "areas": int((assignment == site).sum()),
                "residents": budget.residents,
                "need": budget.need,
                "posts": budget.posts,
                "annual_cost": budget.annual_cost,
                "cost_per_1000_residents": _finite(budget.cost_per_1000_residents),
                "cost_per_need_unit": _finite(budget.cost_per_need_unit),
                "fixed": site in fixed,
            }
        )
    return {
        "model": result.model,
        "status": result.status,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "upper_bound": result.upper_bound,
        "gap": result.gap,
        "method": result.method,
        "solve_seconds": round(result.solve_seconds, 3),
        "distance_unit": "matrix" if request.travel_matrix else "m",
        "capacity": _capacity_summary(request, areas, result),
        "candidate_count": len(candidates),
        "sites": sites,
        "assignment": {
            code: candidates[int(s)].id for code, s in zip(areas.codes, assignment, strict=True)
        },
        "distance": {code: float(d) for code, d in zip(areas.codes, nearest, strict=True)},
        "need_index": {
            code: float(v) for code, v in zip(areas.codes, need.index.index, strict=True)
        },
        "metrics": {
            "coverage_share": metrics.coverage_share,
            "coverage_distance": request.coverage_distance,
            "neediest_quintile_mean_distance": metrics.neediest_quintile_mean_distance,
            "total_cost": metrics.total_cost,
            "staff": metrics.staff,
            "residents": total_residents,
            "need": total_need,
            "cost_per_1000_residents": _finite(
                metrics.total_cost / total_residents * 1000 if total_residents else math.nan
            ),
            "cost_per_need_unit": _finite(
                metrics.total_cost / total_need if total_need else math.nan
            ),
        },
    }


def _capacity_summary(request, areas, result):
    """The capacity the plan was made with, stated in every result (None without one)."""
    if request.model != "catchments":
        return None
    capacity = result.details.get("capacity")
    if request.capacity_on == "staff":
        capacity = request.capacity
        total = float(request.staff_posts)
    else:
        total = float(areas.population.sum())
    average = total / request.k
    return {
        "per_base": capacity,
        "unit": "posts" if request.capacity_on == "staff" else "residents",
        "share_of_average": capacity / average if average else None,
    }


def _finite(value):
    return float(value) if value is not None and math.isfinite(value) else None
