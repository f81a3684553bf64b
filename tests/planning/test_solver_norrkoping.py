"""The real Norrköping DeSO instance (skips when ../shared/data is absent)."""

import json

import numpy as np
import pytest

from nara.planning.solver import (
    Indicator,
    maximal_covering,
    need_index,
    need_weighted_population,
    p_median,
    straight_line_matrix,
)


@pytest.fixture(scope="module")
def norrkoping(norrkoping_path):
    pyproj = pytest.importorskip("pyproj")
    shapely = pytest.importorskip("shapely")
    from shapely.geometry import shape

    features = json.loads(norrkoping_path.read_text(encoding="utf-8"))["features"]
    project = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform
    projected = [
        shapely.transform(shape(f["geometry"]), project, interleaved=False) for f in features
    ]
    xy = np.array([geometry.centroid.coords[0] for geometry in projected])
    properties = [f["properties"] for f in features]
    return xy, properties


def test_norrkoping_need_and_placement(norrkoping):
    xy, properties = norrkoping
    areas = [p["deso"] for p in properties]
    values = {
        name: [p[name] for p in properties]
        for name in ("income_support", "neet", "income", "higher_ed")
    }
    need = need_index(
        areas,
        values,
        [
            Indicator("income_support"),
            Indicator("neet"),
            Indicator("income", higher_means_more_need=False),
            Indicator("higher_ed", higher_means_more_need=False),
        ],
    )
    assert len(need.imputed["higher_ed"]) == 14  # nulls in the file, imputed as the mean
    weight = need_weighted_population([p["pop"] for p in properties], need.index)
    distance = straight_line_matrix(xy, xy)
    median = p_median(distance, weight, 3)
    covering = maximal_covering(distance, weight, 3, 3_000)
    assert median.status == "optimal" and covering.status == "optimal"
    assert 0 < covering.details["covered_share"] < 1
