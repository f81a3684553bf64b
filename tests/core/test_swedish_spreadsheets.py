"""Every CSV import reads what Swedish offices save (issue 15, item 4): UTF-8, UTF-8 with BOM
and Windows-1252; commas or semicolons; decimal commas. Anything else is refused with a message
naming the problem, and a missing value is an error, never 0."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from nara.core.models import Area, AreaIndicator, Municipality, PostcodeArea
from nara.planning import services
from nara.planning.sites_import import CandidateImportError, parse_candidates

pytestmark = pytest.mark.django_db

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252"]
DELIMITERS = [",", ";"]


def square(code, lon, parent=""):
    ring = [[lon, 58.5], [lon + 0.05, 58.5], [lon + 0.05, 58.55], [lon, 58.55], [lon, 58.5]]
    return {
        "type": "Feature",
        "properties": {"code": code, "parent": parent},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def municipality(tmp_path):
    features = [square("0999R001", 16.0), square("0999R002", 16.1)]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    call_command(
        "import_areas",
        str(path),
        "--municipality",
        "0999",
        "--kind",
        "regso",
        "--code",
        "code",
        stdout=io.StringIO(),
    )
    return Municipality.objects.get(code="0999")


def csv_bytes(rows, delimiter, encoding):
    """Rows of cells; a cell with the delimiter in it is quoted, as spreadsheets do."""

    def cell(text):
        return f'"{text}"' if delimiter in text else text

    text = "\r\n".join(delimiter.join(cell(c) for c in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def run(command, path, *extra):
    call_command(
        command,
        str(path),
        "--municipality",
        "0999",
        *extra,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_scb_table_in_every_encoding_and_delimiter(municipality, tmp_path, encoding, delimiter):
    rows = [
        ["region", "2024"],
        ["0999R001_RegSO2025 Östra Åby", "12,5"],
        ["0999R002_RegSO2025 Söder", "1 234,5"],
    ]
    path = tmp_path / "table.csv"
    path.write_bytes(csv_bytes(rows, delimiter, encoding))
    run("import_pxweb", path, "--indicator", "income_support")
    values = dict(AreaIndicator.objects.values_list("area__code", "value"))
    assert values == {"0999R001": 12.5, "0999R002": 1234.5}
    assert Area.objects.get(code="0999R001").name == "Östra Åby"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_postcodes_in_every_encoding_and_delimiter(municipality, tmp_path, encoding, delimiter):
    rows = [["Postcode", "lon", "lat"], ["602 21", "16,01", "58,52"], ["60222", "16,12", "58,51"]]
    path = tmp_path / "postcodes.csv"
    path.write_bytes(csv_bytes(rows, delimiter, encoding))
    run("import_postcodes", path)
    assert dict(PostcodeArea.objects.values_list("postcode", "area__code")) == {
        "60221": "0999R001",
        "60222": "0999R002",
    }


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_sites_in_every_encoding_and_delimiter(encoding, delimiter):
    rows = [["name", "lon", "lat", "kind"], ["Skäggetorps centrum", "15,59", "58,43", "bibliotek"]]
    (site,) = parse_candidates("sites.csv", csv_bytes(rows, delimiter, encoding))
    assert (site.name, site.lon, site.lat, site.kind) == (
        "Skäggetorps centrum",
        15.59,
        58.43,
        "bibliotek",
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_travel_times_in_every_encoding_and_delimiter(municipality, encoding, delimiter):
    areas = services.load_areas(municipality)
    candidates = services.candidate_list(municipality, areas, centres=False, sites=False)
    rows = [["origin", "destination", "value"]] + [
        [a, c.id, "7,5"] for a in areas.codes for c in candidates
    ]
    text = csv_bytes(rows, delimiter, encoding).decode(encoding)
    matrix = services.distance_matrix(areas, candidates, text)
    assert matrix.tolist() == [[7.5, 7.5], [7.5, 7.5]]


BAD_FILES = [
    ("utf-16", "Ort;Postnummer\n".encode("utf-16"), "saved as UTF-16"),
    ("not text", b"postcode,lon,lat\n60221,\x81\x8d\x8f,1\n", "neither UTF-8 nor Windows-1252"),
    (
        "decimal comma in a comma file",
        b"postcode,lon,lat\n60221,16,01,58,52\n",
        "Line 2 has 5 columns but the header has 3. Is there a decimal comma",
    ),
    ("semicolons, wrong columns", b"zip;area\n60221;A\n", "found: zip, area"),
]


@pytest.mark.parametrize(("label", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_postcode_files_are_refused_with_the_problem_named(
    municipality, tmp_path, label, content, message
):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("import_postcodes", path)
    assert not PostcodeArea.objects.exists()


def test_bad_site_files_name_the_problem():
    # Staff upload sites on a Swedish page: the messages are in Swedish.
    with pytest.raises(CandidateImportError, match="varken UTF-8- eller Windows-1252-text"):
        parse_candidates("s.csv", b"name,lon,lat\nA\x81,16,58\n")
    with pytest.raises(
        CandidateImportError,
        match=r"saknas: lon, lat\. Hittade: name, x, y "
        r"\(kolumner åtskilda med semikolon\)",
    ):
        parse_candidates("s.csv", b"name;x;y\nA;16;58\n")
    with pytest.raises(CandidateImportError, match="Rad 2: fältet 'lon' är inte ett tal"):
        parse_candidates("s.csv", b"name;lon;lat\nA;;58\n")  # missing, not 0


def test_missing_coordinates_are_an_error_never_zero(municipality, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"postcode;lon;lat\n60221;;58,52\n")
    with pytest.raises(CommandError, match="Line 2: field 'lon' is missing"):
        run("import_postcodes", path)


def test_missing_travel_time_names_the_pair(municipality):
    areas = services.load_areas(municipality)
    candidates = services.candidate_list(municipality, areas, centres=False, sites=False)
    text = "origin;destination;value\n" + "".join(
        f"{a};{c.id};{'' if a == '0999R002' else '3,5'}\n" for a in areas.codes for c in candidates
    )
    with pytest.raises(services.PlanInputError, match="0999R002"):
        services.distance_matrix(areas, candidates, text)


def scb_with_heading(rows, delimiter, encoding, *, title_rows=1, blank_line=True, excel=False):
    """SCB's "with heading" CSV: a quoted title line, a blank line, then the header; every cell
    quoted. ``excel``: as Excel saves it again (no quotes, title and blank padded with
    separators)."""
    width = len(rows[0])
    if excel:
        title = ["Ekonomiskt bistånd efter region och år" + delimiter * (width - 1)] * title_rows
        blank = [delimiter * (width - 1)]
        body = [delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows]
    else:
        title = ['"Ekonomiskt bistånd efter region och år"'] * title_rows
        blank = [""]
        body = [delimiter.join(f'"{c}"' for c in r) for r in rows]
    lines = title + (blank if blank_line else []) + body
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


SCB_ROWS = [
    ["region", "2023", "2024"],
    ["0999R001_RegSO2025 Östra Åby", "11,0", "12,5"],
    ["0999R002_RegSO2025 Söder", "1 200,0", "1 234,5"],
]


@pytest.mark.parametrize("excel", [False, True], ids=["scb", "excel"])
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_scb_table_saved_with_its_heading(municipality, tmp_path, encoding, delimiter, excel):
    path = tmp_path / "table.csv"
    path.write_bytes(scb_with_heading(SCB_ROWS, delimiter, encoding, excel=excel))
    run("import_pxweb", path, "--indicator", "income_support")
    values = dict(AreaIndicator.objects.values_list("area__code", "value"))
    assert values == {"0999R001": 12.5, "0999R002": 1234.5}
    assert Area.objects.get(code="0999R001").name == "Östra Åby"


def test_lines_are_numbered_as_in_the_file_after_a_heading(municipality, tmp_path):
    path = tmp_path / "names.csv"
    path.write_bytes(scb_with_heading([["code", "name"], ["0999R001", ""]], ";", "cp1252"))
    table = tmp_path / "table.csv"
    table.write_bytes(scb_with_heading(SCB_ROWS, ";", "cp1252"))
    with pytest.raises(CommandError, match="line 4: area 0999R001 has no name"):
        run("import_pxweb", table, "--indicator", "income_support", "--names", path)
    assert not AreaIndicator.objects.exists()


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_a_heading_without_a_blank_line_is_refused_naming_the_header_line(
    municipality, tmp_path, delimiter
):
    path = tmp_path / "table.csv"
    content = scb_with_heading(SCB_ROWS, delimiter, "cp1252", title_rows=2, blank_line=False)
    path.write_bytes(content)
    with pytest.raises(
        CommandError,
        match="The header seems to be on line 3: remove the title lines above it",
    ):
        run("import_pxweb", path, "--indicator", "income_support")
    assert not AreaIndicator.objects.exists()
    assert Area.objects.get(code="0999R001").name == "0999R001"
