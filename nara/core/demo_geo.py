"""Plausible fictional district polygons: a Voronoi tessellation of a town in SWEREF 99 TM."""

import math
import random

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point, mapping

PREFIXES = [
    "Björk",
    "Ek",
    "Lind",
    "Sol",
    "Äng",
    "Berg",
    "Sjö",
    "Gran",
    "Hag",
    "Ros",
    "Tall",
    "Löv",
    "Kvarn",
    "Mal",
    "Sten",
    "Vall",
    "Al",
    "Hassel",
    "Lärk",
    "Sand",
]
SUFFIXES = [
    "backen",
    "dalen",
    "gården",
    "hagen",
    "viken",
    "berga",
    "lund",
    "torp",
    "by",
    "holmen",
    "ängen",
    "höjden",
]

CENTRE_E, CENTRE_N = 497_000, 6_418_000  # inland Småland; the town itself is fictional
TO_WGS84 = Transformer.from_crs(3006, 4326, always_xy=True)


def district_names(rng, count):
    names = set()
    while len(names) < count:
        names.add(rng.choice(PREFIXES) + rng.choice(SUFFIXES))
    return sorted(names)


def town_outline(rng):
    """A lobed outline about 14 × 11 km, so districts are not a perfect ellipse."""
    points = []
    for step in range(72):
        angle = 2 * math.pi * step / 72
        wobble = 1 + 0.08 * math.sin(3 * angle + rng.random()) + 0.04 * rng.random()
        points.append(
            (CENTRE_E + 7000 * wobble * math.cos(angle), CENTRE_N + 5500 * wobble * math.sin(angle))
        )
    return shapely.Polygon(points)


def district_polygons(seed, count=40):
    """`count` (name, polygon in SWEREF 99 TM, distance from the town centre in m)."""
    rng = random.Random(seed)
    outline = town_outline(rng)
    seeds = []
    while len(seeds) < count:
        # Denser in the middle, like a real town.
        r = 6500 * math.sqrt(rng.random()) ** 1.3
        angle = rng.random() * 2 * math.pi
        point = Point(CENTRE_E + r * math.cos(angle), CENTRE_N + 0.8 * r * math.sin(angle))
        if outline.contains(point) and all(point.distance(p) > 700 for p in seeds):
            seeds.append(point)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline)
    by_seed = []
    for point in seeds:
        cell = next(c for c in cells.geoms if c.contains(point))
        by_seed.append((cell.intersection(outline), point.distance(Point(CENTRE_E, CENTRE_N))))
    names = district_names(rng, count)
    return [(names[i], poly, dist) for i, (poly, dist) in enumerate(by_seed)]


def to_wgs84_geojson(polygon):
    return mapping(shapely.transform(polygon, _to_wgs84))


def _to_wgs84(xy):
    import numpy as np

    lon, lat = TO_WGS84.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def point_wgs84(point):
    return TO_WGS84.transform(point.x, point.y)
