# ruff: noqa: F811  (the fixture `known` is imported from the public statistics tests)
"""The open statistics in the API: the same published, suppressed figures as the public
statistics pages, suppressed cells suppressed the same way (and not recoverable from the API's
totals and neighbouring months), caching headers, and problem documents for bad input."""

import pytest
from django.core.cache import cache

from nara.core.models import Center
from nara.insights import open_statistics as stats
from tests.public.test_statistics import YEAR, known  # noqa: F401, F811  (a fixture)

pytestmark = pytest.mark.django_db

V1 = "/api/v1/statistics"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_figures():
    """published() keeps figures in the default cache per municipality and year."""
    cache.clear()
    yield
    cache.clear()


def month_key(day):
    return f"{day.year:04d}-{day.month:02d}"


def period_key(period):
    return "year" if period == stats.YEAR else month_key(period)


def as_api(figure):
    if figure is None:
        return None
    return {"value": figure.value, "status": figure.status, "suppressed": figure.value is None}


def same(api_row, page_row):
    """Every figure of a published row (the page's) equals the API's row."""
    assert api_row["period"] == period_key(page_row["period"])
    for name, figure in page_row.items():
        if name == "period":
            continue
        if name == "feedback_yes":
            for question, pair in figure.items():
                for part in ("yes", "share"):
                    got = api_row[name][question][part]
                    want = as_api(pair[part])
                    if want["value"] is not None:
                        want["value"] = pytest.approx(want["value"], abs=1e-4)
                    assert got == want, (name, question, part)
            continue
        want = as_api(figure)
        if want is not None and isinstance(want["value"], float):
            want["value"] = pytest.approx(want["value"], abs=1e-4)
        assert api_row[name] == want, (api_row["period"], name)


def test_figures_equal_the_public_pages(known, demo, resident):
    body = resident.get(V1, {"year": YEAR}).json()
    data = stats.published(demo, YEAR)
    assert body["year"] == YEAR and YEAR in body["years"] and body["complete"]
    assert body["months"] == [month_key(m) for m in data["months"]]
    assert body["threshold"] == 5
    for api_row, row in zip(body["rows"], data["tables"][stats.MUNICIPALITY], strict=True):
        same(api_row, row)
    for centre in body["centres"]:
        unit = ("centre", Center.objects.get(slug=centre["slug"]).pk)
        for api_row, row in zip(centre["rows"], data["tables"][unit], strict=True):
            same(api_row, row)
    listed = {a.code: a.pk for a in stats.listed_areas(demo)}
    assert [a["code"] for a in body["areas"]] == [*listed, None]
    for area in body["areas"]:
        unit = ("area", listed[area["code"]] if area["code"] else stats.OTHER)
        for api_row, row in zip(area["rows"], data["tables"][unit], strict=True):
            same(api_row, row)
    # The number a reader sees on the page is the API's.
    assert body["rows"][0]["contacts"]["value"] == 43
    assert "<bdi>43</bdi>" in resident.get(f"/sv/statistics/?year={YEAR}").content.decode()


def test_centre_and_area_endpoints(known, demo, resident):
    a, x = known["a"], known["x"]
    centre = resident.get(f"{V1}/centres/{a.slug}", {"year": YEAR}).json()
    assert centre["centre"]["slug"] == a.slug and centre["year"] == YEAR
    assert centre["centre"]["rows"][0]["contacts"]["value"] == 32
    assert centre["centre"]["rows"][0]["visits"]["status"] == "hidden"
    assert centre["centre"]["page_url"].endswith(f"/statistics/centres/{a.slug}/?year={YEAR}")
    area = resident.get(f"{V1}/areas/{x.code}", {"year": YEAR}).json()
    assert area["area"]["code"] == x.code and "visits" not in area["area"]["rows"][0]
    whole = resident.get(V1, {"year": YEAR}).json()
    assert [c for c in whole["centres"] if c["slug"] == a.slug][0]["rows"] == (
        centre["centre"]["rows"]
    )


def test_a_suppressed_cell_is_suppressed_in_the_api(known, resident):
    body = resident.get(V1, {"year": YEAR}).json()
    b = next(c for c in body["centres"] if c["slug"] == known["b"].slug)
    y = next(a for a in body["areas"] if a["code"] == known["y"].code)
    other = body["areas"][-1]
    january = 0
    # Centre B had 11 contacts in January: hidden beside the "fewer than 5" centres.
    assert b["rows"][january]["contacts"] == {"value": None, "status": "hidden", "suppressed": True}
    # Area Y had 3: "fewer than 5", and the contacts without an area too.
    assert y["rows"][january]["contacts"] == {"value": None, "status": "few", "suppressed": True}
    assert other["rows"][january]["contacts"]["status"] == "few"
    # B's 1 declined offer: fewer than 5; no acceptance rate beside a suppressed count.
    assert b["rows"][january]["declined"]["status"] == "few"
    assert b["rows"][january]["acceptance"]["suppressed"]
    # The year total of the municipality would give away the empty months.
    assert body["rows"][-1]["period"] == "year"
    assert body["rows"][-1]["contacts"]["suppressed"]
    # And every suppressed figure says so the same way.
    for unit in [body, *body["centres"], *body["areas"]]:
        for row in unit["rows"]:
            for name, figure in row.items():
                if isinstance(figure, dict) and "status" in figure:
                    assert figure["suppressed"] == (figure["status"] != "shown"), name
                    assert (figure["value"] is None) == figure["suppressed"], name


def test_etag_and_cache_control(known, resident):
    path = f"{V1}?year={YEAR}"
    first = resident.get(path)
    assert first.status_code == 200 and first["ETag"] and "public" in first["Cache-Control"]
    assert "max-age=" in first["Cache-Control"] and "Accept-Language" in first["Vary"]
    again = resident.get(path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    english = resident.get(path, headers={"Accept-Language": "en"})
    assert english["Content-Language"] == "en"
    other = resident.get(path, headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200 and other.content == first.content


def test_the_default_year_is_the_newest(known, resident):
    body = resident.get(V1).json()
    assert body["year"] == body["years"][0] and sorted(body["years"], reverse=True) == body["years"]


@pytest.mark.parametrize(
    "year",
    [
        *("abc", "", "99999", "２０２５", "2025\x00", "-1", "2025.0", "1800", "1999", "2200"),
        *(f" {YEAR}", f"{YEAR} ", f"{YEAR}\n", f"\t{YEAR}", f"+{YEAR}", f"{YEAR}\xa0"),
    ],
)
def test_a_bad_year_is_a_400_problem(known, resident, year):
    for path in (V1, f"{V1}/centres/{known['a'].slug}", f"{V1}/areas/{known['x'].code}"):
        response = resident.get(path, {"year": year})
        assert response.status_code == 400, (path, year)
        assert response["Content-Type"] == PROBLEM
        body = response.json()
        assert body["status"] == 400 and body["code"] == "invalid" and body["detail"]
        # Swedish by default; every wrong year the same message
        assert "Ange året med fyra siffror, från 2000 till 2199." in body["errors"]["year"]


def test_unknown_year_centre_and_area_are_404_problems(known, resident):
    for path, params in (
        (V1, {"year": "2001"}),
        (f"{V1}/centres/no-such-centre", {}),
        (f"{V1}/areas/NOPE", {}),
        (f"{V1}/centres/{known['a'].slug}", {"year": "2199"}),
    ):
        response = resident.get(path, params)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 404 and response.json()["detail"]


def test_a_nul_character_in_the_address_is_not_found_not_a_server_error(known, resident):
    """PostgreSQL cannot hold a NUL: looked up as an area code it was a 500."""
    for path in (f"{V1}/areas/%00", f"{V1}/areas/X%00Y"):
        response = resident.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM and response.json()["detail"]
    page = resident.get("/sv/statistics/areas/%00/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]


def test_an_unpublished_centre_is_not_found(known, resident):
    hidden = known["b"]
    hidden.is_published = False
    hidden.save(update_fields=["is_published"])
    assert resident.get(f"{V1}/centres/{hidden.slug}").status_code == 404
    body = resident.get(V1, {"year": YEAR}).json()
    assert hidden.slug not in {c["slug"] for c in body["centres"]}


def test_writes_are_refused_as_a_method_this_address_does_not_accept(known, resident):
    """Not "you are not allowed" (403), which reads as if signing in would help: a 405 that
    says which methods the address takes."""
    for method in ("post", "put", "patch", "delete"):
        response = getattr(resident, method)(V1, headers={"Accept-Language": "en"})
        assert response.status_code == 405, method
        assert response["Content-Type"] == PROBLEM
        assert "GET" in response["Allow"] and "POST" not in response["Allow"]
        body = response.json()
        assert body["code"] == "method-not-allowed"
        assert body["detail"] == "This address does not accept that method."


def test_head_answers_like_get_without_a_body(known, resident):
    for path in (V1, f"{V1}/centres/{known['a'].slug}", f"{V1}/areas/{known['x'].code}"):
        got = resident.get(path, {"year": YEAR})
        head = resident.head(path, {"year": YEAR})
        assert head.status_code == 200, path
        assert head.content == b""
        assert head["ETag"] == got["ETag"] and head["Content-Type"] == "application/json"
        again = resident.head(path, {"year": YEAR}, headers={"If-None-Match": got["ETag"]})
        assert again.status_code == 304
    assert resident.head(f"{V1}/centres/no-such-centre").status_code == 404


def test_a_cached_answer_costs_no_query(known, resident, django_assert_num_queries):
    path = f"{V1}?year={YEAR}"
    resident.get(path)
    with django_assert_num_queries(0):
        assert resident.get(path).status_code == 200
