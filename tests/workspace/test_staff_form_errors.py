"""Staff forms that used to answer with a server error (issue item 15): now a clear answer."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nara.core.models import Area, Availability, ScheduleException, Slot
from nara.planning.demo import create_example_scenario
from nara.planning.models import CandidateSite, Scenario
from tests.workspace import conftest as workspace_fixtures
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
centres = workspace_fixtures.centres
HUGE = "9" * 30


def test_bookable_times_need_no_interpreter_language(demo, centres):
    home = centres[0]
    client = signed_in(user("maria"))
    data = {
        "staff_member": home.staff.first().pk,
        "byday": "MO,WE",
        "opens_at": "09:00",
        "closes_at": "11:00",
        "meeting_minutes": "30",
        "valid_from": dt.date.today().isoformat(),
        "modes": ["centre", "phone"],
    }  # no interpreter_languages: nobody at the centre interprets
    response = client.post(f"/staff/centres/{home.pk}/availability/new/", data)
    assert response.status_code == 302
    rule = Availability.objects.filter(center=home).latest("pk")
    assert rule.interpreter_languages == []
    assert Slot.objects.filter(availability=rule).exists()


def test_a_second_exception_on_the_same_date_is_refused_with_a_message(demo, centres):
    home = centres[0]
    taken = ScheduleException.objects.filter(center=home).first()
    client = signed_in(user("maria"))
    before = ScheduleException.objects.count()
    data = {"date": taken.date.isoformat(), "closed": "on", "reason_0": "Studiedag"}
    response = client.post(f"/staff/centres/{home.pk}/exceptions/new/", data)
    assert response.status_code == 400
    assert "Centret har redan en avvikelse det datumet." in response.content.decode()
    assert ScheduleException.objects.count() == before


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_survives_dates_at_the_ends_of_time(demo, centres, date, view):
    client = signed_in(user("maria"))
    response = client.get(f"/staff/centres/{centres[0].pk}/calendar/", {"date": date, "view": view})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["compare/", "export.csv", "export.xlsx"])
@pytest.mark.parametrize("ids", ["²", HUGE, "-1"])
def test_planning_ids_that_are_no_ids_are_not_a_server_error(demo, path, ids):
    scenario = create_example_scenario(actor="test", municipality=demo)
    client = signed_in(user("ahmed"))
    response = client.get(f"/staff/planning/{path}", {"ids": [scenario.pk, ids]})
    assert response.status_code in (200, 404)


GEOJSON_SHAPES = [
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": 5}]}',
    b'{"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", '
    b'"coordinates": [16, 58]}, "properties": ["name"]}]}',
    b'{"type": "FeatureCollection", "crs": [1], "features": []}',
    b'{"type": "FeatureCollection", "crs": {"properties": {"name": 5}}, "features": []}',
    b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
]


@pytest.mark.parametrize("content", GEOJSON_SHAPES, ids=range(len(GEOJSON_SHAPES)))
def test_a_malformed_site_file_is_refused_and_imports_nothing(demo, content):
    client = signed_in(user("ahmed"))
    before = CandidateSite.objects.count()
    upload = SimpleUploadedFile("sites.geojson", content, content_type="application/geo+json")
    response = client.post("/staff/planning/sites/", {"municipality": demo.code, "file": upload})
    assert response.status_code == 400
    assert "Inget importerades" in response.content.decode()
    assert CandidateSite.objects.count() == before


def test_role_centres_beyond_64_bits_are_refused(demo, centres):
    anna = user("anna")
    roles_before = sorted(anna.memberships.values_list("pk", flat=True))
    client = signed_in(user("admin"))
    response = client.post(f"/staff/users/{anna.pk}/", {"social_worker": [centres[0].pk, HUGE]})
    assert response.status_code == 400
    assert sorted(anna.memberships.values_list("pk", flat=True)) == roles_before


def test_catchment_areas_beyond_64_bits_are_refused(demo, centres):
    home = centres[0]
    area = Area.objects.filter(municipality=home.municipality).first()
    client = signed_in(user("admin"))
    before = list(home.catchment.values_list("pk", flat=True))
    response = client.post(
        f"/staff/centres/{home.pk}/catchment/", {"areas": [area.pk, HUGE, "-" + HUGE]}
    )
    assert response.status_code == 400
    assert list(home.catchment.values_list("pk", flat=True)) == before


INDICATORS = ["child_poverty", "income", "income_support", "neet", "police_vulnerable"]


@pytest.mark.parametrize("name", ["k", "staff_posts", "min_posts"])
def test_scenario_numbers_beyond_64_bits_are_refused(demo, name):
    client = signed_in(user("ahmed"))
    data = {
        "municipality": demo.code,
        "name": "Stort",
        "model": "pmedian",
        "k": "3",
        "coverage_distance": "2000",
        "capacity_on": "population",
        "cost_per_post": "700000",
        "cost_per_site": "400000",
        "include_areas": "on",
        **{f"w_{n}": "1" for n in INDICATORS},
        name: HUGE,
    }
    before = Scenario.objects.count()
    response = client.post("/staff/planning/scenarios/new/", data, raise_request_exception=False)
    assert response.status_code == 400
    assert Scenario.objects.count() == before
