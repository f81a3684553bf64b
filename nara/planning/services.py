"""Glue between the database and the Django-free solver: areas, need, candidates, distances.

Defaults (shown on the pages and in ``manage.py plan --help``):

* Need index: every indicator of the municipality with weight 1. ``income`` and ``higher_ed``
  count as "a higher value means less need"; all others as "more need". The formula is the
  solver's (``nara.planning.solver.need``): a weighted mean of z-scores.
* Demand weight of an area: ``population × (1 + need scaled to [0, 1])`` (NEED_STRENGTH = 1), so
  the neediest area counts double its population.
* Distances: straight lines in metres between area points (the stored centroid or, for odd
  shapes, a point inside) and sites, both projected to EPSG:3006 (SWEREF 99 TM); or an uploaded
  travel-time matrix (CSV ``origin,destination,value``: area code, candidate id, value).
* Candidates: existing centres (``centre:<id>``), imported sites (``site:<id>``) and area
  points (``area:<code>``), all included by default.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from django.db.models import Max
from django.utils.translation import gettext as _
from pyproj import Transformer
from shapely.geometry import shape

from nara.core.models import Area, AreaIndicator, Center
from nara.core.queries import area_kind_in_use
from nara.lib import spreadsheets

from . import solver
from .models import CandidateSite

LOWER_MEANS_MORE_NEED = frozenset({"income", "higher_ed"})
NEED_STRENGTH = 1.0
DEFAULT_COVERAGE_DISTANCE = 2500.0  # metres: about a 30-minute walk
DEFAULT_COST_PER_POST = 700_000.0  # SEK per year, salary and overheads
DEFAULT_COST_PER_SITE = 400_000.0  # SEK per year, premises and running costs
# Solver time limits, for the planning pages (solved by the worker, not in the web request) and
# for `manage.py plan`. Maximal covering and p-median: the national 6,000 × 1,000 benchmark
# instances are proven optimal (or within 0.02 %) in at most 8.6 s (benchmarks/README.md), so
# 20 s leaves twice that for a busy machine.
DEFAULT_TIME_LIMIT = 20.0
# Capacitated catchments on a real municipality (Norrköping, 79 DeSOs, four bases) ends 0.3–1.5 %
# from proven after 10 s; HiGHS needs about a minute on the reduced model to prove it, and the
# contiguous plan at a capacity of 40,000 took 112 s (issue 15). 180 s covers that with a margin
# on a shared machine; a shorter default would stop typical runs with a needless gap.
DEFAULT_CATCHMENTS_TIME_LIMIT = 180.0


def default_time_limit(model):
    return DEFAULT_CATCHMENTS_TIME_LIMIT if model == "catchments" else DEFAULT_TIME_LIMIT


MODELS = ("mclp", "pmedian", "catchments")
CAPACITY_ON = ("population", "average", "staff")
MISSING_PAIRS_SHOWN = 5


class PlanInputError(ValueError):
    """Input a plan cannot be computed from; ``field`` names the form field at fault."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Weight:
    weight: float = 1.0
    higher_means_more_need: bool = True


def indicator_names(municipality):
    rows = AreaIndicator.objects.filter(area__in=planning_areas(municipality))
    return sorted(set(rows.values_list("name", flat=True)))


def default_weights(names):
    return {name: Weight(1.0, name not in LOWER_MEANS_MORE_NEED) for name in names}


def parse_weights(text, names):
    """``income=0.3,neet=1`` → weights; unnamed indicators get weight 0 (left out)."""
    weights = {name: Weight(0.0, name not in LOWER_MEANS_MORE_NEED) for name in names}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise PlanInputError(_("Write weights as name=number, e.g. income=0.3."), "weights")
        if name not in weights:
            raise PlanInputError(
                _("There is no indicator called '%(name)s'; the indicators are: %(names)s.")
                % {"name": name, "names": ", ".join(names) or "–"},
                "weights",
            )
        weights[name] = Weight(_weight_number(name, value), weights[name].higher_means_more_need)
    return weights


def _weight_number(name, value):
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise PlanInputError(
            _("The weight of '%(name)s' must be a number of at least 0 (got '%(value)s').")
            % {"name": name, "value": value.strip()},
            "weights",
        )
    return number


# Areas ------------------------------------------------------------------------------------


@dataclass
class Areas:
    ids: list
    codes: list
    names: list
    population: np.ndarray
    xy: np.ndarray  # EPSG:3006 metres, one row per area
    geometries: list  # GeoJSON (WGS84)

    def __len__(self):
        return len(self.codes)


@lru_cache(maxsize=1)
def _to_sweref():
    return Transformer.from_crs(4326, 3006, always_xy=True)


def project(lon, lat):
    x, y = _to_sweref().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def planning_areas(municipality):
    """The areas a plan uses: one kind only (DeSOs and the RegSOs built from them hold the
    same residents; adding both up would count everyone twice)."""
    return Area.objects.filter(municipality=municipality, kind=area_kind_in_use(municipality))


def load_areas(municipality):
    rows = list(
        planning_areas(municipality)
        .order_by("code")
        .values_list("id", "code", "name", "population", "centroid_lon", "centroid_lat", "geometry")
    )
    if not rows:
        raise PlanInputError(
            _("%(name)s has no areas yet; import areas first (manage.py import_areas).")
            % {"name": municipality.name}
        )
    ids, codes, names, pops, lons, lats, geoms = zip(*rows, strict=True)
    return Areas(
        ids=list(ids),
        codes=list(codes),
        names=list(names),
        population=np.array([p or 0 for p in pops], dtype=np.float64),
        xy=project(lons, lats),
        geometries=list(geoms),
    )


def indicator_columns(areas, names):
    columns = {name: [None] * len(areas) for name in names}
    position = {area_id: i for i, area_id in enumerate(areas.ids)}
    rows = AreaIndicator.objects.filter(area_id__in=areas.ids, name__in=names)
    for area_id, name, value in rows.values_list("area_id", "name", "value"):
        columns[name][position[area_id]] = value
    return columns


# Need -------------------------------------------------------------------------------------


@dataclass
class Need:
    areas: Areas
    weights: dict
    index: solver.NeedIndex
    demand: np.ndarray  # need-weighted population
    values: dict  # indicator name -> raw values aligned with areas


def compute_need(municipality, weights=None, *, areas=None, extra=None):
    """Need index and demand weights; ``extra``: further indicator columns (name → values)."""
    areas = areas or load_areas(municipality)
    extra = extra or {}
    names = indicator_names(municipality)
    if weights is None:
        weights = default_weights([*names, *extra])
    unknown = [name for name in weights if name not in names and name not in extra]
    if unknown:
        raise PlanInputError(
            _("There is no indicator called '%(name)s'; the indicators are: %(names)s.")
            % {"name": unknown[0], "names": ", ".join(names) or "–"},
            "weights",
        )
    used = {name: w for name, w in weights.items() if w.weight > 0}
    if not used:
        raise PlanInputError(
            _("Give at least one indicator a weight above 0; otherwise there is no need index."),
            "weights",
        )
    values = indicator_columns(areas, [n for n in used if n not in extra])
    values.update({n: list(v) for n, v in extra.items() if n in used})
    indicators = [
        solver.Indicator(name, w.weight, w.higher_means_more_need) for name, w in used.items()
    ]
    try:
        index = solver.need_index(areas.codes, values, indicators)
    except solver.IndicatorError as exc:
        raise PlanInputError(
            _("Area %(area)s: the value of indicator '%(indicator)s' is not a number.")
            % {"area": exc.area, "indicator": exc.indicator},
            "weights",
        ) from exc
    except solver.PlanningError as exc:
        raise PlanInputError(str(exc), "weights") from exc
    demand = solver.need_weighted_population(areas.population, index.index, NEED_STRENGTH)
    return Need(areas, weights, index, demand, values)


def overlap_shares(areas, collection):
    """Per area, the share of its surface inside the polygons of a GeoJSON collection (e.g. the
    police's vulnerable areas). The collection may be WGS84 or EPSG:3006 (declared)."""
    from nara.lib.geometry import WGS84, crs_of_collection

    crs = crs_of_collection(collection)
    polygons = [
        shape(f["geometry"])
        for f in collection.get("features") or []
        if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")
    ]
    if not polygons:
        return [0.0] * len(areas)
    overlay = shapely.make_valid(shapely.union_all(polygons))
    if crs.equals(WGS84):
        overlay = shapely.transform(overlay, _project_xy)
    elif crs.to_epsg() != 3006:
        to_3006 = Transformer.from_crs(crs, 3006, always_xy=True)
        overlay = shapely.transform(overlay, lambda xy: np.column_stack(to_3006.transform(*xy.T)))
    shares = []
    for geometry in areas.geometries:
        polygon = shapely.make_valid(shapely.transform(shape(geometry), _project_xy))
        total = polygon.area
        shares.append(float(polygon.intersection(overlay).area / total) if total > 0 else 0.0)
    return shares


def _project_xy(xy):
    return project(xy[:, 0], xy[:, 1])


# Candidates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    kind: str
    lon: float
    lat: float
    area_code: str = ""  # for area points: the area itself


def candidate_list(municipality, areas, *, centres=True, sites=True, area_points=True):
    found = []
    if centres:
        for c in Center.objects.filter(municipality=municipality).order_by("kind", "name", "pk"):
            found.append(Candidate(f"centre:{c.pk}", c.name, c.kind, c.lon, c.lat))
    if sites:
        for s in CandidateSite.objects.filter(municipality=municipality):
            found.append(Candidate(f"site:{s.pk}", s.name, s.kind or "site", s.lon, s.lat))
    if area_points:
        lonlat = Area.objects.filter(municipality=municipality).values_list(
            "code", "centroid_lon", "centroid_lat"
        )
        points = {code: (lon, lat) for code, lon, lat in lonlat}
        for code, name in zip(areas.codes, areas.names, strict=True):
            lon, lat = points[code]
            found.append(Candidate(f"area:{code}", name, "area", lon, lat, code))
    return found


def resolve_candidates(ids, candidates, field):
    """Candidate ids (or, as a shortcut, an area code) → indices into ``candidates``."""
    index = {c.id: i for i, c in enumerate(candidates)}
    found = []
    for raw in ids:
        key = str(raw).strip()
        position = index.get(key, index.get(f"area:{key}"))
        if position is None:
            raise PlanInputError(
                _("'%(id)s' is not one of the candidate sites in this plan.") % {"id": key}, field
            )
        found.append(position)
    return sorted(set(found))


# Distances and adjacency ------------------------------------------------------------------


def distance_matrix(areas, candidates, travel_matrix=None):
    if travel_matrix is None:
        return solver.straight_line_matrix(
            areas.xy, project([c.lon for c in candidates], [c.lat for c in candidates])
        )
    try:
        # Semicolons, decimal commas and the like are made plain for the solver's reader.
        plain = spreadsheets.canonical_csv(
            travel_matrix, required=("origin", "destination", "value"), numeric=("value",)
        )
    except spreadsheets.SpreadsheetError as exc:
        raise PlanInputError(
            _("The travel-time file cannot be used: %s") % exc, "travel_matrix"
        ) from exc
    try:
        return solver.load_travel_matrix(
            io.StringIO(plain), areas.codes, [c.id for c in candidates]
        )
    except solver.TravelTimeMatrixError as exc:
        if exc.missing_pairs:
            shown = ", ".join(f"{a} → {b}" for a, b in exc.missing_pairs[:MISSING_PAIRS_SHOWN])
            message = _(
                "The travel-time file lacks %(count)d of the %(total)d area–site pairs (for "
                "example %(shown)s). Every area needs a value to every candidate site "
                "(origin = area code, destination = candidate id)."
            ) % {
                "count": len(exc.missing_pairs),
                "total": len(areas) * len(candidates),
                "shown": shown,
            }
        else:
            message = _("The travel-time file cannot be used: %s") % exc
        raise PlanInputError(message, "travel_matrix") from exc


def adjacency(areas):
    """Per area, the indices of the areas whose polygons touch it (shared edge or corner)."""
    polygons = [shapely.make_valid(shape(g)).buffer(1e-6) for g in areas.geometries]
    tree = shapely.STRtree(polygons)
    pairs = tree.query(polygons, predicate="intersects")
    neighbours = [set() for _ in polygons]
    for a, b in zip(*pairs, strict=True):
        if a != b:
            neighbours[a].add(int(b))
    return [sorted(n) for n in neighbours]


def base_areas(areas, candidates):
    """For each candidate, the index of the area it stands in (else the nearest area)."""
    polygons = [shapely.make_valid(shape(g)) for g in areas.geometries]
    tree = shapely.STRtree(polygons)
    position = {code: i for i, code in enumerate(areas.codes)}
    homes = []
    xy = project([c.lon for c in candidates], [c.lat for c in candidates])
    for candidate, point_xy in zip(candidates, xy, strict=True):
        if candidate.area_code in position:
            homes.append(position[candidate.area_code])
            continue
        hits = tree.query(shapely.Point(candidate.lon, candidate.lat), predicate="intersects")
        if len(hits):
            homes.append(int(hits[0]))
        else:
            homes.append(int(np.argmin(((areas.xy - point_xy) ** 2).sum(axis=1))))
    return np.array(homes, dtype=np.int64)


def areas_signature(municipality):
    """Changes when the municipality's areas change (for caching drawn maps)."""
    stats = Area.objects.filter(municipality=municipality).aggregate(latest=Max("updated_at"))
    return (
        municipality.pk,
        stats["latest"],
        Area.objects.filter(municipality=municipality).count(),
    )
