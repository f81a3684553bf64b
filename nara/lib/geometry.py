"""GeoJSON parsing, reprojection and point-in-polygon, free of Django."""

import math
from dataclasses import dataclass

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape

WGS84 = CRS.from_epsg(4326)
SWEREF99TM = CRS.from_epsg(3006)
# Sweden with a generous margin, in WGS84; used to spot coordinates that are not lon/lat.
SWEDEN_LON = (9.0, 26.0)
SWEDEN_LAT = (54.0, 70.0)


class GeometryError(ValueError):
    pass


@dataclass
class ParsedGeometry:
    geojson: dict
    bbox: tuple  # min_lon, min_lat, max_lon, max_lat
    centroid: tuple  # lon, lat


def crs_of_collection(collection):
    """The CRS a FeatureCollection declares (legacy `crs` member), WGS84 when absent."""
    crs = collection.get("crs")
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not name:
        return WGS84
    if not isinstance(name, str):
        raise GeometryError(f"unknown coordinate reference system {name!r}")
    try:
        return CRS.from_user_input(name)
    except Exception as exc:
        raise GeometryError(f"unknown coordinate reference system {name!r}") from exc


def to_wgs84(geometry, source_crs):
    """Parse a GeoJSON geometry, reproject to WGS84 and check it lies in Sweden."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError("geometry must be a Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except Exception as exc:
        raise GeometryError(f"geometry is malformed ({exc})") from exc
    if geom.is_empty:
        raise GeometryError("geometry is empty")
    if not source_crs.equals(WGS84):
        transformer = Transformer.from_crs(source_crs, WGS84, always_xy=True)
        geom = shapely.transform(geom, lambda xy: _transform_xy(transformer, xy))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not _inside_sweden(min_lon, min_lat) or not _inside_sweden(max_lon, max_lat):
        raise GeometryError(
            "coordinates are not in Sweden; is the coordinate system (crs) declared correctly?"
        )
    centroid = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    rounded = shapely.set_precision(geom, 1e-7)
    return ParsedGeometry(mapping(rounded), geom.bounds, (centroid.x, centroid.y))


def _transform_xy(transformer, xy):
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _inside_sweden(lon, lat):
    return SWEDEN_LON[0] <= lon <= SWEDEN_LON[1] and SWEDEN_LAT[0] <= lat <= SWEDEN_LAT[1]


def contains(geojson, lon, lat):
    return shape(geojson).covers(shapely.Point(lon, lat))


def distance_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (haversine), precise enough for "nearest centre"."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def project_to_sweref(lon, lat):
    transformer = Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)
    return transformer.transform(lon, lat)


def locate_points(geometries, points):
    """For each (lon, lat) point, the index of the geometry covering it, or None. Built on an
    STRtree, so a hundred thousand address points take about a second. On a shared border the
    lowest index wins."""
    import numpy as np

    found = [None] * len(points)
    if not points or not geometries:
        return found
    tree = shapely.STRtree([shapely.make_valid(shape(g)) for g in geometries])
    point_index, geometry_index = tree.query(
        shapely.points(np.asarray(points, dtype=float)), predicate="intersects"
    )
    for p, g in zip(point_index.tolist(), geometry_index.tolist(), strict=True):
        if found[p] is None or g < found[p]:
            found[p] = g
    return found
