"""A failed import leaves nothing behind, not even the municipality it created (issue 15,
item 3): every table of every app has the same number of rows afterwards."""

import io
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tests.conftest import import_norrkoping, shared_file

pytestmark = pytest.mark.django_db


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def square(code, pop):
    ring = [[16.0, 58.5], [16.05, 58.5], [16.05, 58.55], [16.0, 58.55], [16.0, 58.5]]
    return {
        "type": "Feature",
        "properties": {"deso": code, "pop": pop},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_a_failed_area_import_leaves_zero_new_rows_not_even_the_municipality(tmp_path):
    path = tmp_path / "areas.geojson"
    features = [square("0999A0010", 120), square("0999A0020", "many")]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = row_counts()
    with pytest.raises(CommandError, match=r"Feature 2 \(0999A0020\): field 'pop'"):
        call_command(
            "import_areas",
            str(path),
            "--municipality",
            "0999",
            "--population",
            "pop",
            stdout=io.StringIO(),
        )
    assert row_counts() == before


def test_a_failed_pxweb_import_after_dissolving_leaves_zero_new_rows(tmp_path):
    import_norrkoping()
    data = json.loads(shared_file("scb_regso_population/norrkoping.json").read_text())
    data["data"][-1]["values"] = [".."]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    before = row_counts()
    with pytest.raises(CommandError, match="the value is missing"):
        call_command(
            "import_pxweb",
            str(path),
            "--municipality",
            "0581",
            "--dissolve-from",
            "deso",
            stdout=io.StringIO(),
        )
    assert row_counts() == before


def test_a_failed_postcode_import_leaves_zero_new_rows(tmp_path):
    import_norrkoping()
    path = tmp_path / "p.csv"
    path.write_text("postcode,lon,lat\n60221,16.18,58.59\n60222,16.18,nord\n")
    before = row_counts()
    with pytest.raises(CommandError, match="Line 3: field 'lat'"):
        call_command("import_postcodes", str(path), "--municipality", "0581", stdout=io.StringIO())
    assert row_counts() == before
