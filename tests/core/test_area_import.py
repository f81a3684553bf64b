import json

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer

from nara.core.models import Area, AreaIndicator, AuditEvent
from nara.core.queries import area_at_point
from tests.conftest import import_norrkoping, shared_file

pytestmark = pytest.mark.django_db


def test_norrkoping_deso_areas_import_with_population_and_indicators():
    import_norrkoping()
    areas = Area.objects.filter(municipality__code="0581")
    assert areas.count() == 79
    assert sum(a.population for a in areas) == 144_862
    area = areas.get(code="0581C1320")
    assert area.population == 2344
    assert area.parent_code == "0581R029"
    assert area.indicators.get(name="income").value == pytest.approx(301.2)
    assert AreaIndicator.objects.filter(area__municipality__code="0581").count() == 79 * 3


def test_a_point_in_norrkoping_falls_in_the_right_deso():
    import_norrkoping()
    # A point well inside DeSO 0581C1320 (its representative point, stored at import).
    area = Area.objects.get(code="0581C1320")
    assert area_at_point(area.centroid_lon, area.centroid_lat).code == "0581C1320"
    # Norrköping's central station lies in the city centre, not in an outer DeSO.
    found = area_at_point(16.1826, 58.5966)
    assert found is not None and found.code.startswith("0581C")


def test_police_vulnerable_areas_reprojected_from_sweref99tm():
    path = shared_file("police_vulnerable_areas_2025.geojson")
    call_command(
        "import_areas",
        str(path),
        "--municipality",
        "POL",
        "--kind",
        "district",
        "--code",
        "OBJECTID",
        "--name",
        "NAMN",
    )
    areas = Area.objects.filter(municipality__code="POL")
    assert areas.count() == 65
    assert areas.filter(geometry__type="MultiPolygon").count() == 1
    # A point inside Vivalla, Örebro, given in SWEREF 99 TM and converted independently.
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(510551, 6573301)
    assert area_at_point(lon, lat).name == "Vivalla"
    assert area_at_point(15.2069, 59.2747) is None  # Örebro castle: not a vulnerable area
    skaggetorp = areas.get(name="Skäggetorp")
    assert 15.5 < skaggetorp.centroid_lon < 15.7 and 58.4 < skaggetorp.centroid_lat < 58.5


def test_reimport_updates_in_place():
    import_norrkoping()
    first_ids = set(Area.objects.values_list("id", flat=True))
    import_norrkoping()
    assert set(Area.objects.values_list("id", flat=True)) == first_ids
    assert AuditEvent.objects.filter(action="areas.import").count() == 2


def write(tmp_path, collection):
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(collection))
    return str(path)


def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, **props):
    return {"type": "Feature", "properties": {"deso": code, **props}, "geometry": geometry}


def collection(*features, crs=None):
    data = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def run_import(path, *extra):
    call_command("import_areas", path, "--municipality", "0999", *extra)


def test_failed_import_changes_nothing_and_names_feature_and_field(tmp_path):
    good = feature("A1", square(16.0, 58.5), pop=100)
    bad = feature("A2", square(16.1, 58.5), pop="many")
    with pytest.raises(CommandError, match=r"Feature 2 \(A2\): field 'pop' is not a number"):
        run_import(write(tmp_path, collection(good, bad)), "--population", "pop")
    assert not Area.objects.exists()


def test_wrongly_projected_file_is_refused(tmp_path):
    # SWEREF 99 TM metres without a crs member: read as degrees they are nowhere near Sweden.
    geometry = {
        "type": "Polygon",
        "coordinates": [
            [[568000, 6521000], [569000, 6521000], [569000, 6522000], [568000, 6521000]]
        ],
    }
    with pytest.raises(CommandError, match=r"Feature 1 \(A1\): field 'geometry'.*not in Sweden"):
        run_import(write(tmp_path, collection(feature("A1", geometry))))
    assert not Area.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid GeoJSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
    ],
)
def test_malformed_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run_import(str(path))
    assert not Area.objects.exists()


def test_malformed_geometry_and_missing_code_are_named(tmp_path):
    broken = feature("A1", {"type": "Polygon", "coordinates": [[[16.0, 58.5]]]})
    with pytest.raises(CommandError, match=r"Feature 1 \(A1\): field 'geometry'"):
        run_import(write(tmp_path, collection(broken)))
    nameless = {"type": "Feature", "properties": {}, "geometry": square(16.0, 58.5)}
    with pytest.raises(CommandError, match=r"Feature 1: field 'deso' \(code\) is missing"):
        run_import(write(tmp_path, collection(nameless)))
    assert not Area.objects.exists()


def test_unknown_crs_is_refused(tmp_path):
    data = collection(feature("A1", square(16.0, 58.5)), crs="EPSG:999999")
    with pytest.raises(CommandError, match="unknown coordinate reference system"):
        run_import(write(tmp_path, data))


def test_postcode_import(tmp_path):
    run_import(write(tmp_path, collection(feature("A1", square(16.0, 58.5)))))
    csv_path = tmp_path / "postcodes.csv"
    csv_path.write_text("postcode,area_code\n602 21,A1\n60222,A1\n")
    call_command("import_postcodes", str(csv_path), "--municipality", "0999")
    assert set(Area.objects.get(code="A1").postcodes.values_list("postcode", flat=True)) == {
        "60221",
        "60222",
    }


@pytest.mark.parametrize(
    "rows, message",
    [
        ("postcode,area_code\n6022,A1\n", "Line 2: field 'postcode'"),
        ("postcode,area_code\n60221,NOPE\n", "Line 2: field 'area_code'"),
        ("zip,area\n60221,A1\n", "needs the columns"),
    ],
)
def test_bad_postcode_files_change_nothing(tmp_path, rows, message):
    run_import(write(tmp_path, collection(feature("A1", square(16.0, 58.5)))))
    csv_path = tmp_path / "postcodes.csv"
    csv_path.write_text(rows)
    with pytest.raises(CommandError, match=message):
        call_command("import_postcodes", str(csv_path), "--municipality", "0999")
    assert not Area.objects.get(code="A1").postcodes.exists()


def test_reimport_without_names_keeps_the_names_given_since(tmp_path):
    """Names come later from import_pxweb (--names or the table's labels); importing the
    polygons again without --name must not put the codes back."""
    first = [
        feature("0999C0010", square(16.0, 58.5), pop=100),
        feature("0999C0020", square(16.1, 58.5), pop=200),
    ]
    areas = write(tmp_path, collection(*first))
    run_import(areas, "--code", "deso", "--population", "pop")
    table = tmp_path / "neet.csv"
    table.write_text('region,2024\n"0999C0010 Navestad",5\n"0999C0020 Hageby",6\n')
    call_command("import_pxweb", str(table), "--municipality", "0999", "--indicator", "neet")
    assert Area.objects.get(code="0999C0010").name == "Navestad"

    again = [*first, feature("0999C0030", square(16.2, 58.5), pop=300)]
    run_import(write(tmp_path, collection(*again)), "--code", "deso", "--population", "pop")
    names = dict(Area.objects.values_list("code", "name"))
    assert names == {"0999C0010": "Navestad", "0999C0020": "Hageby", "0999C0030": "0999C0030"}

    # With a name field the file's names win, as before.
    named = [feature("0999C0010", square(16.0, 58.5), pop=100, namn="Navestad norra")]
    run_import(write(tmp_path, collection(*named)), "--code", "deso", "--name", "namn")
    assert Area.objects.get(code="0999C0010").name == "Navestad norra"
