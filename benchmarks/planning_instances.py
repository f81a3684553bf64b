"""Reproducible planning instances for benchmarks/planning.py.

Synthetic instances imitate Swedish settlement: areas (DeSO-like) cluster around towns whose
sizes follow a Zipf law, with a thin rural scatter. Each area has a population (log-normal, as
DeSO areas hold 700–2,700 people) and a spatially smooth need score; the demand weight is
``population * (1 + need)`` with need scaled to [0, 1]. Candidate sites are a random subset of
area centroids (a centre is opened in an area). Coordinates are metres, as in EPSG:3006.

The real instance is Norrköping's 79 DeSO areas: centroids projected to EPSG:3006 with pyproj,
every centroid a candidate, weight ``pop * (1 + needZ scaled to [0, 1])``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NORRKOPING_FILE = SHARED_DATA / "norrkoping_deso.geojson"


@dataclass(frozen=True)
class Instance:
    name: str
    area_xy: np.ndarray  # (n, 2) metres
    site_xy: np.ndarray  # (m, 2) metres
    weight: np.ndarray  # (n,)
    coverage_distance: float  # S for maximal covering, metres


# name, areas, candidates, region width and height (m), towns, seed, coverage distance S (m)
SYNTHETIC_SPECS = {
    "municipal-500x100": (500, 100, 40_000, 40_000, 8, 11, 2_500.0),
    "regional-2000x300": (2_000, 300, 180_000, 180_000, 30, 12, 6_000.0),
    "national-6000x1000": (6_000, 1_000, 400_000, 1_500_000, 120, 13, 10_000.0),
}


def synthetic_instance(name: str) -> Instance:
    n, m, width, height, towns, seed, coverage = SYNTHETIC_SPECS[name]
    rng = np.random.default_rng(seed)
    area_xy = _clustered_points(rng, n, width, height, towns)
    weight = _population(rng, n) * (1.0 + _smooth_need(rng, area_xy, width, height))
    site_xy = area_xy[np.sort(rng.choice(n, size=m, replace=False))]
    return Instance(name, area_xy, site_xy, weight, coverage)


def _clustered_points(rng, n: int, width: float, height: float, towns: int) -> np.ndarray:
    centres = rng.uniform((0.0, 0.0), (width, height), size=(towns, 2))
    sizes = 1.0 / np.arange(1, towns + 1) ** 1.1  # Zipf: a few large towns, many small
    rural = n // 8
    per_town = rng.multinomial(n - rural, sizes / sizes.sum())
    spread = 800.0 + 6_000.0 * np.sqrt(per_town / per_town.max())
    town_points = [
        rng.normal(centres[t], spread[t], size=(count, 2)) for t, count in enumerate(per_town)
    ]
    rural_points = rng.uniform((0.0, 0.0), (width, height), size=(rural, 2))
    points = np.vstack(town_points + [rural_points])
    return points[rng.permutation(n)]


def _population(rng, n: int) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(1_600.0), 0.35, size=n), 600.0, 3_500.0).round()


def _smooth_need(rng, xy: np.ndarray, width: float, height: float) -> np.ndarray:
    """Need varies smoothly in space (a few hot spots) plus local noise, scaled to [0, 1]."""
    hot = rng.uniform((0.0, 0.0), (width, height), size=(12, 2))
    scale = 0.05 * max(width, height)
    squared = ((xy[:, None, :] - hot[None, :, :]) ** 2).sum(axis=2)
    raw = np.exp(-squared / (2 * scale**2)).sum(axis=1) + 0.3 * rng.random(len(xy))
    return (raw - raw.min()) / (raw.max() - raw.min())


def norrkoping_instance(path: Path = NORRKOPING_FILE) -> Instance | None:
    if not path.exists():
        return None
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform
    projected = [
        shapely.transform(shape(f["geometry"]), to_sweref, interleaved=False) for f in features
    ]
    xy = np.array([geometry.centroid.coords[0] for geometry in projected])
    population = np.array([f["properties"]["pop"] for f in features], dtype=float)
    need = np.array([f["properties"]["needZ"] for f in features], dtype=float)
    need01 = (need - need.min()) / (need.max() - need.min())
    return Instance("norrkoping-79x79", xy, xy.copy(), population * (1.0 + need01), 3_000.0)


@dataclass(frozen=True)
class CatchmentInstance:
    name: str
    distance: np.ndarray  # (n, m) metres
    weight: np.ndarray  # (n,) need-weighted population
    load: np.ndarray  # (n,) residents
    adjacency: list | None  # per area, the touching areas (real polygons only)
    base_area: np.ndarray  # per site, the area it stands in


def norrkoping_catchments(path: Path = NORRKOPING_FILE) -> CatchmentInstance | None:
    """Norrköping's 79 DeSOs: every area point a candidate, load = residents, polygons touching
    (shared edge or corner) as adjacency."""
    real = norrkoping_instance(path)
    if real is None:
        return None
    import shapely
    from shapely.geometry import shape

    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    polygons = [shapely.make_valid(shape(f["geometry"])).buffer(1e-6) for f in features]
    left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    neighbours = [set() for _ in polygons]
    for a, b in zip(left, right, strict=True):
        if a != b:
            neighbours[a].add(int(b))
    population = np.array([f["properties"]["pop"] for f in features], dtype=float)
    distance = _distances(real.area_xy, real.site_xy)
    return CatchmentInstance(
        "norrkoping-79x79",
        distance,
        real.weight,
        population,
        [sorted(n) for n in neighbours],
        np.arange(len(features)),
    )


def city_catchments(n: int = 450, seed: int = 21) -> CatchmentInstance:
    """A large Swedish city's DeSOs (Göteborg has about 450): a dense core and suburbs within
    about 25 km, DeSO populations log-normal (median 1,600, clipped to 700–3,000, as SCB sizes
    DeSOs), need highest in a few outer estates; every area point a candidate."""
    rng = np.random.default_rng(seed)
    core = rng.normal((12_500.0, 12_500.0), 2_500.0, size=(n // 3, 2))
    suburbs = _clustered_points(rng, n - n // 3, 25_000.0, 25_000.0, 14)
    xy = np.vstack([core, suburbs])[rng.permutation(n)]
    population = np.clip(rng.lognormal(np.log(1_600.0), 0.3, size=n), 700.0, 3_000.0).round()
    need = _smooth_need(rng, xy, 25_000.0, 25_000.0)
    return CatchmentInstance(
        f"city-{n}x{n}",
        _distances(xy, xy),
        population * (1.0 + need),
        population,
        None,
        np.arange(n),
    )


def national_catchments() -> CatchmentInstance:
    """The 6,000 × 1,000 national instance, load = a population drawn like DeSOs'."""
    base = synthetic_instance("national-6000x1000")
    rng = np.random.default_rng(31)
    population = _population(rng, len(base.weight))
    sites = np.argmin(_distances(base.site_xy, base.area_xy), axis=1)
    return CatchmentInstance(
        "national-6000x1000",
        _distances(base.area_xy, base.site_xy),
        base.weight,
        population,
        None,
        sites,
    )


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
