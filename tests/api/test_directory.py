"""The public directory's behaviour: caching headers and 304s, problem documents for bad input,
modified_since, only published centres, nothing personal, and Norrköping's real areas as
service areas validated against HSDS."""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from nara.api import hsds as mapping
from nara.api.ids import hsds_id
from nara.core.actions.centers import do_create, do_set_catchment, do_update
from nara.core.models import Area, Center, Municipality, Service, StaffMember
from tests.api.conftest import every_page
from tests.conftest import import_norrkoping

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
PROBLEM = "application/problem+json"


def test_etag_and_cache_control_and_304(demo, resident):
    first = resident.get(f"{V1}/services?per_page=100")
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Language" in first["Vary"]
    etag = first["ETag"]
    again = resident.get(f"{V1}/services?per_page=100", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    english = resident.get(f"{V1}/services?per_page=100", HTTP_ACCEPT_LANGUAGE="en")
    assert english["ETag"] != etag and english["Content-Language"] == "en"
    service = Service.objects.order_by("pk").first()
    do_update(actor="test", obj=service, fields={"min_age": 3})
    changed = resident.get(f"{V1}/services?per_page=100", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize(
    "path",
    [
        "/services?page=0",
        "/services?page=abc",
        "/services?per_page=100000",
        "/services?modified_since=yesterday",
        "/services?modified_since=2026-13-45",
        "/services?organization_id=not-a-uuid",
        "/locations?format=xml",
        "/schedules?page=-1",
    ],
)
def test_malformed_query_is_a_400_problem(demo, resident, path):
    response = resident.get(V1 + path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == 400 and body["instance"].startswith(V1) and body["errors"]


def test_problems_speak_the_request_language(demo, resident):
    swedish = resident.get(f"{V1}/services?page=0", HTTP_ACCEPT_LANGUAGE="sv").json()
    english = resident.get(f"{V1}/services?page=0", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Invalid request" and swedish["title"] != english["title"]


@pytest.mark.parametrize(
    "path",
    [
        "/services/00000000-0000-0000-0000-000000000000",
        "/services/nonsense",
        "/locations/123",
        "/taxonomy_terms/00000000-0000-0000-0000-000000000000",
        "/services?page=999",
        "/tabular/nothing.csv",
        "/no-such-thing",
    ],
)
def test_unknown_is_a_404_problem(demo, resident, path):
    response = resident.get(V1 + path)
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_wrong_method_is_a_405_problem(demo, resident):
    response = resident.post(f"{V1}/services", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert "GET" in response["Allow"] and "POST" not in response["Allow"]


def test_head_answers_like_get_without_a_body(demo, resident):
    for path in ("/", "/services", "/organizations"):
        got = resident.get(V1 + path)
        head = resident.head(V1 + path)
        assert head.status_code == 200, path
        assert head.content == b"" and head["ETag"] == got["ETag"]


def test_an_id_of_another_kind_is_not_found(demo, resident):
    centre = Center.objects.filter(is_published=True).first()
    assert resident.get(f"{V1}/locations/{hsds_id('location', centre.pk)}").status_code == 200
    assert resident.get(f"{V1}/services/{hsds_id('location', centre.pk)}").status_code == 404


def test_modified_since(demo, resident, api):
    from nara.core.models import AuditEvent

    # Just after everything written so far (a test before may have rebuilt the demo through
    # the actions moments ago), and before the change below.
    last = AuditEvent.objects.order_by("-id").values_list("created_at", flat=True).first()
    before = max(timezone.now() - dt.timedelta(seconds=1), last or timezone.now())
    before += dt.timedelta(microseconds=1)
    since = before.isoformat().replace("+00:00", "Z")
    service = Service.objects.order_by("pk").last()
    do_update(actor="test", obj=service, fields={"max_age": 99})
    found = api(f"{V1}/services?modified_since={since.replace('+', '%2B')}")
    assert [s["id"] for s in found["contents"]] == [hsds_id("service", service.pk)]
    assert found["contents"][0]["last_modified"]
    later = (timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api(f"{V1}/services?modified_since={later}")["empty"]
    assert api(f"{V1}/services?modified_after={since.replace('+', '%2B')}")["total_items"] == 1


def test_only_published_centres(demo, resident, api):
    hidden = do_create(
        actor="test",
        model=Center,
        fields={
            "municipality": demo,
            "slug": "hemlig",
            "name": "Hemliga centret",
            "neutral_display_name": "Kontoret",
            "street_address": "Gömd gata 1",
            "postal_code": "12345",
            "city": "Exempelstad",
            "lon": 16.0,
            "lat": 58.5,
        },
    )
    service = Service.objects.order_by("pk").first()
    do_update(
        actor="test", obj=service, fields={}, m2m={"centers": [*service.centers.all(), hidden]}
    )
    everything = "".join(
        json.dumps(every_page(api, f"{V1}/{name}", per_page=50))
        for name in ("locations", "service_at_locations", "schedules", "service_areas")
    )
    everything += resident.get(f"{V1}/tabular/hsds.zip").content.decode("latin-1")
    assert "Hemliga" not in everything and "Gömd gata" not in everything
    assert hsds_id("location", hidden.pk) not in everything
    assert resident.get(f"{V1}/locations/{hsds_id('location', hidden.pk)}").status_code == 404


# Fields of the models that must never reach the API (staff, internal decisions, budgets).
NEVER = {
    "decision_reference",
    "decision_conditions",
    "decision_date",
    "documentation_level",
    "annual_budget_sek",
    "neutral_display_name",
}


def test_nothing_personal_or_internal_in_any_payload(demo, resident, api):
    payloads = [
        json.dumps(every_page(api, f"{V1}/{name}", per_page=100))
        for name in (
            "organizations",
            "services",
            "service_at_locations",
            "locations",
            "schedules",
            "languages",
            "service_areas",
            "taxonomies",
        )
    ]
    for item in api(f"{V1}/services?per_page=100")["contents"]:
        payloads.append(json.dumps(api(f"{V1}/services/{item['id']}")))
    payloads.append(resident.get(f"{V1}/tabular/hsds.zip").content.decode("latin-1"))
    text = "\n".join(payloads)
    first_names = set(StaffMember.objects.values_list("first_name", flat=True))
    assert first_names
    for name in first_names:
        assert f'"{name}"' not in text and f" {name} " not in text, name
    for service in Service.objects.all():
        assert service.decision_reference not in text
    for centre in Center.objects.all():
        assert centre.neutral_display_name not in text
    keys = set()

    def walk(value):
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for payload in payloads[:-1]:
        walk(json.loads(payload))
    assert not keys & NEVER, keys & NEVER
    assert not keys & {"first_name", "last_name", "person", "personnummer", "staff"}


def test_the_builders_use_only_public_fields():
    """The mapping reads a fixed list of model fields: a new field is not published by accident."""
    import inspect

    source = inspect.getsource(mapping)
    for field in NEVER:
        assert field not in source, field


def test_norrkoping_areas_as_service_areas(demo, api, hsds):
    import_norrkoping(stdout=io.StringIO())
    norrkoping = Municipality.objects.get(code="0581")
    areas = list(Area.objects.filter(municipality=norrkoping).order_by("code")[:6])
    assert len(areas) == 6
    centre = do_create(
        actor="test",
        model=Center,
        fields={
            "municipality": norrkoping,
            "slug": "navestad",
            "name": "Sociala centret Navestad",
            "neutral_display_name": "Kontoret",
            "street_address": "Navestadsgatan 1",
            "postal_code": "60229",
            "city": "Norrköping",
            "lon": areas[0].centroid_lon,
            "lat": areas[0].centroid_lat,
            "is_published": True,
        },
    )
    do_set_catchment(actor="test", center=centre, areas=areas)
    service = do_create(
        actor="test",
        model=Service,
        fields={
            "municipality": norrkoping,
            "slug": "norrkoping-samtal",
            "name": {"sv": "Stödsamtal", "en": "Support talks"},
            "topic": "parenting",
            "description": {"sv": "Samtal.", "en": "Talks."},
            "decision_reference": "SN 2026/1",
            "decision_date": dt.date(2026, 1, 1),
            "documentation_level": "counts_only",
        },
        m2m={"centers": [centre]},
    )
    found = api(f"{V1}/service_areas?service_id={hsds_id('service', service.pk)}")
    assert found["total_items"] == 1
    area = found["contents"][0]
    hsds.check("service_area.json", area)
    extent = json.loads(area["extent"])
    assert extent["type"] == "MultiPolygon" and len(extent["coordinates"]) >= 6
    assert all(a.name in area["description"] for a in areas)
    full = api(f"{V1}/services/{hsds_id('service', service.pk)}")
    hsds.check("service.json", full)
    location = api(f"{V1}/locations/{hsds_id('location', centre.pk)}")
    hsds.check("location.json", location)
    assert location["addresses"][0]["state_province"] == "Östergötlands län"
    organization = api(f"{V1}/organizations/{hsds_id('organization', norrkoping.pk)}")
    hsds.check("organization.json", organization)
    assert [s["id"] for s in organization["services"]] == [hsds_id("service", service.pk)]
