"""Planning maps drawn locally as SVG from the area polygons: need choropleth and catchments.

Same approach as nara/public/maps.py (no tiles, no other host): longitude is scaled by the
cosine of the mid latitude, the municipality is fitted into a fixed width, rings are simplified
to under a pixel. Colours come from CSS classes in planning/planning.css (q1–q5 for need
quintiles, c0–c9 for catchments), so the pages keep a strict Content-Security-Policy.
"""

import math
from functools import lru_cache

import numpy as np
import shapely
from django.utils.html import escape
from shapely.geometry import shape

from nara.core.models import Area, Municipality
from nara.core.queries import area_kind_in_use

from .services import areas_signature

WIDTH = 640
MARGIN = 8
PALETTE_SIZE = 10
CLASSES = 5


def _fit(bounds):
    min_lon, min_lat, max_lon, max_lat = bounds
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * kx, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = (WIDTH - 2 * MARGIN) / span_x
    height = min(int(span_y * scale + 2 * MARGIN), int(WIDTH * 1.4))
    scale = min(scale, (height - 2 * MARGIN) / span_y)
    return kx, scale, min_lon, max_lat, height


@lru_cache(maxsize=16)
def _drawn(signature):
    """(code → SVG path, projection parameters) for a municipality's areas."""
    municipality = Municipality.objects.get(pk=signature[0])
    rows = Area.objects.filter(
        municipality=municipality, kind=area_kind_in_use(municipality)
    ).values_list("code", "geometry")
    geoms = {code: shape(geometry) for code, geometry in rows}
    if not geoms:
        return {}, None
    bounds = shapely.union_all(list(geoms.values())).bounds
    fit = _fit(bounds)
    paths = {
        code: _path(shapely.transform(g, lambda xy: _xy(xy, fit))) for code, g in geoms.items()
    }
    return paths, fit


def _xy(xy, fit):
    kx, scale, min_lon, max_lat, _height = fit
    out = np.empty_like(xy)
    out[:, 0] = (xy[:, 0] - min_lon) * kx * scale + MARGIN
    out[:, 1] = (max_lat - xy[:, 1]) * scale + MARGIN
    return out


def _path(geom):
    geom = geom.simplify(0.6)
    parts = []
    for polygon in getattr(geom, "geoms", [geom]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = ring.coords
            if len(coords) < 4:
                continue
            parts.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords[:-1]) + "Z")
    return "".join(parts)


def _document(fit, body, title):
    height = fit[4] if fit else WIDTH
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="planning-map" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def need_classes(values):
    """Quintile class 1–5 per area (by rank) and the legend: [(class, low, high), ...]."""
    codes = sorted(values, key=lambda c: (values[c], c))
    n = len(codes)
    classes, legend = {}, []
    for q in range(CLASSES):
        members = codes[q * n // CLASSES : (q + 1) * n // CLASSES]
        for code in members:
            classes[code] = q + 1
        if members:
            legend.append((q + 1, values[members[0]], values[members[-1]]))
    return classes, legend


def choropleth(municipality, values, names, title):
    """SVG of need per area (``values``: code → index) and its legend."""
    paths, fit = _drawn(areas_signature(municipality))
    classes, legend = need_classes(values)
    body = []
    for code, d in paths.items():
        q = classes.get(code)
        css = f"q{q}" if q else "nodata"
        label = f"{names.get(code, code)}: {values[code]:.2f}" if q else names.get(code, code)
        body.append(f'<path class="area {css}" d="{d}"><title>{escape(label)}</title></path>')
    return _document(fit, "".join(body), title), legend


def catchment_map(municipality, results, names, title):
    """SVG of a scenario: areas coloured by the site serving them, numbered site markers."""
    paths, fit = _drawn(areas_signature(municipality))
    colour = {site["id"]: (site["number"] - 1) % PALETTE_SIZE for site in results["sites"]}
    unit_limit = results["metrics"].get("coverage_distance")
    distance = results.get("distance", {})
    body = []
    for code, d in paths.items():
        site_id = results["assignment"].get(code)
        css = f"c{colour[site_id]}" if site_id in colour else "nodata"
        far = unit_limit is not None and distance.get(code, 0) > unit_limit
        css += " far" if far else ""
        label = escape(names.get(code, code))
        body.append(f'<path class="area {css}" d="{d}"><title>{label}</title></path>')
    if fit:
        for site in results["sites"]:
            x, y = _xy(np.array([[site["lon"], site["lat"]]]), fit)[0]
            body.append(
                f'<g class="site"><circle cx="{x:.1f}" cy="{y:.1f}" r="10"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}">{site["number"]}</text>'
                f"<title>{escape(site['name'])}</title></g>"
            )
    return _document(fit, "".join(body), title)
