"""A simple catchment map drawn from the area polygons as SVG: no tiles, no other host."""

import math
from functools import lru_cache

import shapely
from django.db.models import Max
from django.utils.html import escape
from shapely.geometry import shape

from nara.core.models import Area

WIDTH = 600


def catchment_svg(center):
    areas = Area.objects.filter(municipality_id=center.municipality_id)
    signature = (
        areas.aggregate(latest=Max("updated_at"))["latest"],
        tuple(center.catchment.order_by("area_id").values_list("area_id", flat=True)),
        center.lon,
        center.lat,
    )
    return _render(center.pk, center.name, signature)


@lru_cache(maxsize=64)
def _render(center_pk, center_name, signature):
    served = set(signature[1])
    served_geoms = {
        a.id: shape(a.geometry)
        for a in Area.objects.filter(catchments__center_id=center_pk).only("id", "geometry")
    }
    if not served_geoms:
        return _svg_document(0, "", "")
    focus = shapely.union_all(list(served_geoms.values()))
    min_lon, min_lat, max_lon, max_lat = focus.bounds
    neighbours = (
        Area.objects.filter(municipality__centers__id=center_pk)
        .filter(kind__in=Area.objects.filter(id__in=served).values("kind"))
        .exclude(id__in=served)
        .filter(min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat)
        .filter(max_lat__gte=min_lat)
        .only("id", "geometry")
    )
    geoms = {a.id: shape(a.geometry) for a in neighbours} | served_geoms
    lon0, lat0 = signature[2], signature[3]
    project = _projector(focus)
    paths = []
    for area_id, geom in geoms.items():
        css = "served" if area_id in served else "other"
        paths.append(f'<path class="{css}" d="{_path(project(geom))}"/>')
    marker = project(shapely.Point(lon0, lat0))
    pin = f'<circle class="pin" cx="{marker.x:.1f}" cy="{marker.y:.1f}" r="9"/>'
    return _svg_document(project.height, "".join(paths), pin, escape(center_name))


def _projector(focus):
    min_lon, min_lat, max_lon, max_lat = focus.bounds
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span = max((max_lon - min_lon) * kx, max_lat - min_lat, 1e-6) * 1.1
    scale = WIDTH / span
    cx, cy = (min_lon + max_lon) / 2 * kx, (min_lat + max_lat) / 2

    def project(geom):
        projected = shapely.transform(
            geom,
            lambda xy: _scaled(xy, kx, scale, cx, cy),
        )
        return projected.simplify(0.8)

    project.height = WIDTH
    return project


def _scaled(xy, kx, scale, cx, cy):
    out = xy.copy()
    out[:, 0] = (xy[:, 0] * kx - cx) * scale + WIDTH / 2
    out[:, 1] = WIDTH / 2 - (xy[:, 1] - cy) * scale
    return out


def _path(geom):
    polygons = getattr(geom, "geoms", [geom])
    parts = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = ring.coords
            if len(coords) < 3:
                continue
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords[:-1])
            parts.append(f"M{points}Z")
    return "".join(parts)


def _svg_document(height, paths, pin, title=""):
    style = (
        ".other{fill:#e8e8e8;stroke:#fff;stroke-width:1}"
        ".served{fill:#b9d9c8;stroke:#1d5b3b;stroke-width:1.5}"
        ".pin{fill:#b3261e;stroke:#fff;stroke-width:3}"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height or WIDTH}" '
        f'role="img"><title>{title}</title><style>{style}</style>{paths}{pin}</svg>'
    )
