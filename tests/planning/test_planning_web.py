"""Planning in the staff workspace, as the analyst on the demo municipality."""

import csv
import io
import json
import math

import pytest
from openpyxl import load_workbook

from nara.core.models import Area, AuditEvent
from nara.planning.models import CandidateSite, Scenario
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db

NEED = "/staff/planning/"
SITES = "/staff/planning/sites/"
NEW = "/staff/planning/scenarios/new/"
INDICATORS = ["child_poverty", "income", "income_support", "neet", "police_vulnerable"]


@pytest.fixture
def analyst(demo):
    client = signed_in(user("ahmed"))
    client.cookies["nara_language"] = "en"  # assert on the English msgids
    return client


def weights(**chosen):
    data = {}
    for name in INDICATORS:
        data[f"w_{name}"] = chosen.get(name, 1)
        if name != "income":
            data[f"up_{name}"] = "on"
    return data


def scenario_data(**overrides):
    data = {
        "name": "Scenario",
        "model": "mclp",
        "k": 3,
        "coverage_distance": 1500,
        "capacity_on": "population",
        "include_centres": "on",
        "include_sites": "on",
        "include_areas": "on",
        "staff_posts": 9,
        "min_posts": 1,
        "cost_per_post": 700000,
        "cost_per_site": 400000,
        **weights(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def run(client, **overrides):
    return client.post(NEW, scenario_data(**overrides))


def errors_of(response):
    return response.content.decode()


# Need -------------------------------------------------------------------------------------


def test_need_page_shows_a_choropleth_with_legend_and_the_formula(analyst):
    response = analyst.get(NEED)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and html.count('class="area q') == 40
    assert "How the need index is computed" in html and "Σ" in html
    assert 'class="legend"' in html and "most need" in html
    assert "planning/planning" in html  # local stylesheet, no tiles or other hosts
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_income_is_not_called_a_median(analyst):
    """Imports give mean or median income (FAVE's Norrköping file: the mean disposable income
    in kSEK); the label claims neither."""
    html = analyst.get(NEED).content.decode()
    assert "Income (thousand SEK)" in html and "Median" not in html
    analyst.cookies["nara_language"] = "sv"
    html = analyst.get(NEED).content.decode()
    assert "Inkomst (tusen kr)" in html and "Median" not in html


def test_weights_change_the_index_and_contributions_are_shown(analyst, demo):
    response = analyst.get(NEED, weights(income=0, neet=0, income_support=0, police_vulnerable=0))
    assert response.status_code == 200
    html = response.content.decode()
    # Only child poverty counts: the neediest area (first row) has the highest child poverty.
    top = max(
        Area.objects.filter(municipality=demo),
        key=lambda a: a.indicators.get(name="child_poverty").value,
    )
    table = html.split('class="need-table"', 1)[1]
    assert table.index(top.name) < min(
        table.index(a.name)
        for a in Area.objects.filter(municipality=demo).exclude(pk=top.pk)
        if a.name in table and a.name not in top.name
    )
    assert "value → contribution" in html


def test_non_numeric_weight_is_a_clear_400(analyst):
    response = analyst.get(NEED, {**weights(), "w_income": "lots"})
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()


def test_all_weights_zero_is_a_clear_400(analyst):
    zero = weights(**{name: 0 for name in INDICATORS})
    response = analyst.get(NEED, zero)
    assert response.status_code == 400
    assert "at least one indicator a weight above 0" in response.content.decode()


# Scenarios: run, view, compare, export, print ----------------------------------------------


def test_covering_and_four_bases_then_compare_export_and_print(analyst, demo):
    before = AuditEvent.objects.filter(action="scenario.create").count()
    response = run(analyst, name="Three centres", model="mclp", k=3)
    assert response.status_code == 302, errors_of(response)
    covering = Scenario.objects.get(name="Three centres")
    assert covering.results["status"] == "optimal"
    assert len(covering.results["sites"]) == 3
    assert sum(s["posts"] for s in covering.results["sites"]) == 9
    assert all(s["posts"] >= 1 for s in covering.results["sites"])
    assert 0 < covering.metrics["coverage_share"] <= 1

    population = sum(a.population for a in Area.objects.filter(municipality=demo))
    capacity = math.ceil(population / 4 * 1.2)
    response = run(
        analyst,
        name="Four bases",
        model="catchments",
        k=4,
        capacity=capacity,
        contiguous="on",
        staff_posts=12,
    )
    assert response.status_code == 302, errors_of(response)
    bases = Scenario.objects.get(name="Four bases")
    assert len(bases.results["sites"]) == 4
    assert all(s["residents"] <= capacity for s in bases.results["sites"])
    assert sum(s["residents"] for s in bases.results["sites"]) == population
    assert bases.results["status"] == "optimal" or "of optimal" in bases.results["status"]
    assert AuditEvent.objects.filter(action="scenario.create").count() == before + 2

    page = analyst.get(f"/staff/planning/scenarios/{bases.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and html.count('class="site"') == 4
    assert "Four bases" in html and "per 1,000 residents" in html

    listing = analyst.get("/staff/planning/scenarios/").content.decode()
    assert "Three centres" in listing and "Four bases" in listing and "optimal" in listing

    compare = analyst.get("/staff/planning/compare/", {"ids": [covering.pk, bases.pk]})
    html = compare.content.decode()
    assert compare.status_code == 200
    assert "Three centres" in html and "Four bases" in html
    assert "Mean distance, neediest fifth of the areas" in html

    exported = analyst.get("/staff/planning/export.csv", {"ids": [covering.pk, bases.pk]})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Three centres", "Four bases"]
    assert float(rows[1]["annual_cost_sek"]) == pytest.approx(bases.metrics["total_cost"])
    assert rows[0]["status"] == "optimal"

    per_centre = analyst.get("/staff/planning/export.csv", {"ids": [bases.pk], "level": "centres"})
    rows = list(csv.DictReader(io.StringIO(per_centre.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and sum(int(r["posts"]) for r in rows) == 12

    xlsx = analyst.get("/staff/planning/export.xlsx", {"ids": [covering.pk, bases.pk]})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Scenarios", "Centres", "Areas"]
    header, *lines = list(book["Scenarios"].values)
    first = dict(zip(header, lines[0], strict=True))
    second = dict(zip(header, lines[1], strict=True))
    assert first["name"] == "Three centres" and first["status"] == "optimal"
    assert first["coverage_share"] == pytest.approx(covering.metrics["coverage_share"])
    assert second["annual_cost_sek"] == pytest.approx(12 * 700000 + 4 * 400000)
    assert second["staff_posts"] == 12
    assert second["neediest_quintile_mean_distance"] == pytest.approx(
        bases.metrics["neediest_quintile_mean_distance"]
    )
    centres = list(book["Centres"].values)[1:]
    assert len(centres) == 3 + 4
    assert len(list(book["Areas"].values)) == 1 + 2 * 40

    printable = analyst.get(f"/staff/planning/scenarios/{covering.pk}/print/")
    html = printable.content.decode()
    assert printable.status_code == 200
    assert "<svg" in html and "planning/planning" in html and "Three centres" in html
    assert "site-header" not in html  # a page of its own, without the workspace chrome


def test_pmedian_and_travel_time_matrix(analyst, demo):
    areas = list(Area.objects.filter(municipality=demo).order_by("code"))
    lines = ["origin,destination,value"]
    for area in areas:
        for other in areas:
            minutes = abs(area.centroid_lon - other.centroid_lon) * 600 + 2
            lines.append(f"{area.code},area:{other.code},{minutes:.2f}")
    matrix = io.BytesIO("\n".join(lines).encode())
    matrix.name = "minutes.csv"
    response = run(
        analyst,
        name="By travel time",
        model="pmedian",
        k=2,
        include_centres=None,
        travel_matrix=matrix,
        coverage_distance=10,
    )
    assert response.status_code == 302, errors_of(response)
    scenario = Scenario.objects.get(name="By travel time")
    assert scenario.results["distance_unit"] == "matrix"
    assert scenario.parameters["travel_matrix_name"] == "minutes.csv"
    assert scenario.results["status"] == "optimal"


def test_fixed_sites_stay_open(analyst, demo):
    code = Area.objects.filter(municipality=demo).order_by("code").first().code
    response = run(analyst, name="Fixed", model="pmedian", k=3, fixed=[f"area:{code}"])
    assert response.status_code == 302, errors_of(response)
    sites = Scenario.objects.get(name="Fixed").results["sites"]
    assert f"area:{code}" in [s["id"] for s in sites]
    assert [s["fixed"] for s in sites].count(True) == 1


def test_analyst_deletes_a_scenario_with_an_audit_entry(analyst):
    assert run(analyst, name="Gone soon", model="pmedian", k=2).status_code == 302
    scenario = Scenario.objects.get(name="Gone soon")
    response = analyst.post(f"/staff/planning/scenarios/{scenario.pk}/delete/")
    assert response.status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()
    assert AuditEvent.objects.filter(action="scenario.delete", object_id=str(scenario.pk)).exists()


# Bad input: a clear message, status 400, nothing saved -------------------------------------


def assert_rejected(response, *phrases):
    html = response.content.decode()
    assert response.status_code == 400
    assert "nothing was saved" in html
    for phrase in phrases:
        assert phrase in html, phrase
    assert not Scenario.objects.exists()


def test_more_sites_than_candidates(analyst):
    assert_rejected(
        run(analyst, k=100, include_centres=None), "Cannot open 100 sites", "40 candidate"
    )


def test_infeasible_capacity(analyst):
    assert_rejected(
        run(analyst, model="catchments", k=4, capacity=5000),
        "hold at most 20",
        "Raise the capacity or the number of bases",
    )


def test_catchments_without_capacity(analyst):
    assert_rejected(run(analyst, model="catchments", k=4), "need a capacity per base")


def test_missing_travel_time_pairs(analyst, demo):
    code = Area.objects.filter(municipality=demo).first().code
    matrix = io.BytesIO(f"origin,destination,value\n{code},area:{code},0\n".encode())
    matrix.name = "partial.csv"
    assert_rejected(
        run(analyst, travel_matrix=matrix),
        "The travel-time file lacks",
        "Every area needs a value to every candidate site",
    )


def test_non_numeric_indicator_weight(analyst):
    assert_rejected(run(analyst, w_neet="high"), "Enter a number")


def test_site_both_fixed_and_excluded(analyst, demo):
    site = f"area:{Area.objects.filter(municipality=demo).first().code}"
    assert_rejected(run(analyst, fixed=[site], excluded=[site]), "both fixed open and excluded")


def test_too_few_posts_for_the_minimums(analyst):
    assert_rejected(run(analyst, staff_posts=2, min_posts=1), "Staff posts cannot be shared")


# Candidate sites ---------------------------------------------------------------------------


def upload(name, text):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


def test_import_candidate_sites_from_csv_and_use_them(analyst, demo):
    text = "name,lon,lat,kind\nLibrary,16.01,58.51,library\nSchool,16.02,58.52,school\n"
    area = Area.objects.filter(municipality=demo).first()
    text = (
        f"name,lon,lat,kind\nLibrary,{area.centroid_lon},{area.centroid_lat},library\n"
        f"School,{area.centroid_lon + 0.001},{area.centroid_lat},school\n"
    )
    response = analyst.post(SITES, {"file": upload("sites.csv", text)})
    assert response.status_code == 302
    assert CandidateSite.objects.filter(municipality=demo).count() == 2
    assert AuditEvent.objects.filter(action="candidate_sites.import").exists()
    page = analyst.get(SITES).content.decode()
    site = CandidateSite.objects.get(name="Library")
    assert f"site:{site.pk}" in page
    response = run(analyst, name="With library", model="pmedian", k=2, fixed=[f"site:{site.pk}"])
    assert response.status_code == 302, errors_of(response)


def test_bad_csv_row_names_row_and_field_and_saves_nothing(analyst):
    text = "name,lon,lat\nGood,16.0,58.5\nBad,16.0,north\n"
    response = analyst.post(SITES, {"file": upload("sites.csv", text)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Row 3: field &#x27;lat&#x27; is not a number" in html
    assert not CandidateSite.objects.exists()


def test_sweref_coordinates_in_csv_are_refused_with_a_hint(analyst):
    text = "name,lon,lat\nSite,568000,6493000\n"
    response = analyst.post(SITES, {"file": upload("sites.csv", text)})
    assert response.status_code == 400
    assert "Row 2: field &#x27;lon&#x27;" in response.content.decode()
    assert not CandidateSite.objects.exists()


def test_geojson_points_in_sweref99tm_are_reprojected(analyst, demo):
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Vivalla torg", "kind": "square"},
                "geometry": {"type": "Point", "coordinates": [510551, 6573301]},
            }
        ],
    }
    response = analyst.post(SITES, {"file": upload("sites.geojson", json.dumps(collection))})
    assert response.status_code == 302
    site = CandidateSite.objects.get()
    assert 15.1 < site.lon < 15.2 and 59.2 < site.lat < 59.35 and site.kind == "square"


def test_bad_geojson_feature_names_feature_and_field(analyst):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "A"}, "geometry": None},
        ],
    }
    response = analyst.post(SITES, {"file": upload("sites.geojson", json.dumps(collection))})
    assert response.status_code == 400
    assert "Feature 1: field &#x27;geometry&#x27; must be a Point" in response.content.decode()
    assert not CandidateSite.objects.exists()


# Access ------------------------------------------------------------------------------------


def test_social_worker_and_partner_are_refused(analyst):
    as_worker, as_partner = signed_in(user("anna")), signed_in(user("petra"))
    assert run(analyst, name="Secret", model="pmedian", k=2).status_code == 302
    pk = Scenario.objects.get().pk
    urls = [
        NEED,
        SITES,
        "/staff/planning/scenarios/",
        NEW,
        f"/staff/planning/scenarios/{pk}/",
        f"/staff/planning/scenarios/{pk}/print/",
        "/staff/planning/compare/",
        "/staff/planning/export.csv",
        "/staff/planning/export.xlsx",
    ]
    for client in (as_worker, as_partner):
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(NEW, scenario_data()).status_code == 403
        assert client.post(f"/staff/planning/scenarios/{pk}/delete/").status_code == 403
    assert Scenario.objects.filter(pk=pk).exists()


def test_admin_may_plan(demo):
    as_admin = signed_in(user("admin"))
    assert as_admin.get(NEED).status_code == 200
    assert as_admin.get(NEW).status_code == 200


def test_unknown_scenario_is_404(analyst):
    assert analyst.get("/staff/planning/scenarios/999999/").status_code == 404


def test_a_nul_character_in_the_municipality_is_not_found_not_a_server_error(demo):
    """PostgreSQL cannot hold a NUL: looked up as a municipality code it was a 500."""
    analyst = signed_in(user("ahmed"))
    for url in (
        "/staff/planning/",
        "/staff/planning/scenarios/",
        "/staff/insights/evaluations/new/",
    ):
        assert analyst.get(url, {"municipality": "\x00"}).status_code == 404, url
