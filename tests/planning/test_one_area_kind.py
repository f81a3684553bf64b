"""RegSOs imported beside DeSOs never count residents twice (issue 15, item 1)."""

import io
import json
from collections import defaultdict

import pytest
import shapely
from django.core.management import call_command
from shapely.geometry import mapping, shape

from nara.core.models import Municipality
from nara.planning import services
from tests.conftest import import_norrkoping, shared_file

pytestmark = pytest.mark.django_db


def regso_geojson(tmp_path):
    """Norrköping's RegSOs as their own GeoJSON file (dissolved here, SCB's totals)."""
    desos = json.loads(shared_file("norrkoping_deso.geojson").read_text(encoding="utf-8"))
    table = json.loads(
        shared_file("scb_regso_population/norrkoping.json").read_text(encoding="utf-8")
    )
    totals = {
        row["key"][0].split("_")[0]: int(row["values"][0])
        for row in table["data"]
        if row["key"][1:3] == ["totalt", "1+2"]
    }
    parts = defaultdict(list)
    for feature in desos["features"]:
        parts[feature["properties"]["regso"]].append(shape(feature["geometry"]))
    features = [
        {
            "type": "Feature",
            "properties": {"regso": code, "pop": totals[code]},
            "geometry": mapping(shapely.union_all(polygons)),
        }
        for code, polygons in parts.items()
    ]
    path = tmp_path / "regso.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_a_plan_counts_desos_only_when_regsos_are_imported_beside_them(tmp_path):
    import_norrkoping()
    call_command(
        "import_areas",
        str(regso_geojson(tmp_path)),
        "--municipality",
        "0581",
        "--kind",
        "regso",
        "--code",
        "regso",
        "--population",
        "pop",
        stdout=io.StringIO(),
    )
    municipality = Municipality.objects.get(code="0581")
    assert municipality.areas.count() == 79 + 40
    areas = services.load_areas(municipality)
    assert len(areas) == 79
    assert areas.population.sum() == 144_862  # not 289,842
    out = io.StringIO()
    call_command("plan", "--model", "pmedian", "--k", "4", "--municipality", "0581", stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines() if line[:3].strip().isdigit()]
    assert sum(int(row[-3].replace(",", "")) for row in rows) == 144_862
