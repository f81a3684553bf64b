"""Administration pages: who can change what, bad input changes nothing, every change audited."""

import pytest

from nara.core.models import AuditEvent, CatchmentMembership, Center, Schedule, ScheduleException
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


def test_worker_sees_own_centre_read_only_and_not_another(as_worker, centres):
    own = as_worker.get(f"/staff/centres/{centres[0].pk}/").content.decode()
    assert centres[0].name in own and "/edit/" not in own
    assert as_worker.get(f"/staff/centres/{centres[1].pk}/").status_code == 403
    listing = as_worker.get("/staff/centres/").content.decode()
    assert centres[0].name in listing and centres[1].name not in listing


def test_manager_adds_opening_hours_and_it_is_audited_and_public(as_manager, resident, centres):
    centre = centres[0]
    data = {
        "kind": "dropin",
        "title_0": "Läxhjälp",
        "freq": "WEEKLY",
        "interval": 1,
        "byday": "sa",
        "opens_at": "10:00",
        "closes_at": "12:00",
        "valid_from": "2020-01-01",
    }
    page = as_manager.post(f"/staff/centres/{centre.pk}/schedules/new/", data)
    assert page.status_code == 302
    schedule = Schedule.objects.get(center=centre, byday="SA")
    event = AuditEvent.objects.filter(action="schedule.create").last()
    assert event.object_id == str(schedule.pk) and event.center_id == centre.pk
    assert event.changes["byday"] == [None, "SA"]
    assert "Läxhjälp" in resident.get(f"/sv/centres/{centre.slug}/").content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"byday": "XX"}, "MO,WE"),
        ({"closes_at": "09:00"}, "after"),
        ({"opens_at": "25:00"}, "time"),
        ({"valid_to": "2019-01-01"}, "end date"),
        ({"interval": "-1"}, "0"),
    ],
)
def test_bad_opening_hours_get_a_clear_message_and_change_nothing(
    as_manager, centres, changes, message
):
    data = {
        "kind": "opening",
        "freq": "WEEKLY",
        "interval": 1,
        "byday": "MO",
        "opens_at": "10:00",
        "closes_at": "12:00",
        "valid_from": "2020-01-01",
        **changes,
    }
    before = Schedule.objects.count(), AuditEvent.objects.count()
    page = as_manager.post(
        f"/staff/centres/{centres[0].pk}/schedules/new/", data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 400 and message in page.content.decode()
    assert (Schedule.objects.count(), AuditEvent.objects.count()) == before


def test_manager_cannot_change_another_centres_hours(as_manager, centres):
    other = Schedule.objects.filter(center=centres[1]).first()
    page = as_manager.post(f"/staff/schedules/{other.pk}/delete/")
    assert page.status_code == 403 and Schedule.objects.filter(pk=other.pk).exists()


def test_manager_closes_for_a_day(as_manager, resident, centres):
    centre = centres[0]
    data = {"date": "2031-03-03", "closed": "on", "reason_0": "Flytt", "reason_1": "Moving"}
    assert as_manager.post(f"/staff/centres/{centre.pk}/exceptions/new/", data).status_code == 302
    assert ScheduleException.objects.filter(center=centre, date="2031-03-03").exists()
    missing_hours = {"date": "2031-03-04"}
    page = as_manager.post(f"/staff/centres/{centre.pk}/exceptions/new/", missing_hours)
    assert page.status_code == 400
    assert not ScheduleException.objects.filter(date="2031-03-04").exists()


def test_admin_moves_an_area_and_overlap_is_refused(as_admin, centres):
    first, second = centres[0], centres[1]
    taken = first.catchment.first().area
    own = [m.area_id for m in second.catchment.all()]
    page = as_admin.post(
        f"/staff/centres/{second.pk}/catchment/",
        {"areas": [*own, taken.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 400 and taken.name in page.content.decode()
    assert second.catchment.count() == len(own)
    dropped = second.catchment.exclude(area_id=own[0]).first().area
    as_admin.post(f"/staff/centres/{second.pk}/catchment/", {"areas": own[:1]})
    assert second.catchment.count() == 1
    assert not CatchmentMembership.objects.filter(area=dropped, layer="centres").exists()
    assert dropped.name in as_admin.get("/staff/coverage/").content.decode()


def test_centre_edit_rejects_coordinates_outside_sweden(as_manager, centres):
    centre = centres[0]
    page = as_manager.get(f"/staff/centres/{centre.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "languages"}
    data.update({"lon": 0.1, "name_0": "X"})
    for field in ("accessibility", "directions"):
        data.pop(field, None)
    answer = as_manager.post(f"/staff/centres/{centre.pk}/edit/", data)
    assert answer.status_code == 400
    assert Center.objects.get(pk=centre.pk).lon == centre.lon


def test_admin_creates_staff_with_roles(as_admin, centres):
    data = {
        "username": "kim",
        "first_name": "Kim",
        "last_name": "Berg",
        "social_worker": [centres[2].pk],
    }
    page = as_admin.post("/staff/users/new/", data)
    assert page.status_code == 200 and b"data-enrolment-link" in page.content
    assert not user("kim").has_usable_password()  # no administrator-chosen password
    bad = {**data, "username": "kim 2"}
    assert as_admin.post("/staff/users/new/", bad).status_code == 400
    roles = AuditEvent.objects.filter(action="user.roles").last()
    assert roles.changes["roles"][1] == [f"social_worker centre {centres[2].pk}"]


def test_myths_are_edited_in_each_language(as_admin, resident):
    data = {
        "myth_0": "Myt",
        "myth_1": "Myth one",
        "myth_2": "خرافة",
        "fact_0": "Fakta",
        "fact_1": "Fact one",
        "fact_2": "حقيقة",
        "order": 0,
        "is_published": "on",
    }
    assert as_admin.post("/staff/content/myths/new/", data).status_code == 302
    assert "خرافة" in resident.get("/ar/myths-and-facts/").content.decode()
    assert "Myth one" in resident.get("/en/myths-and-facts/").content.decode()


def test_catchment_form_offers_only_the_kind_of_area_in_use(as_admin, centres):
    """A RegSO imported beside the DeSOs it is made of covers the same residents: ticking both
    would count them twice, so the catchment form lists only the kind the catchments use."""
    from nara.core.models import Area

    deso = centres[0].catchment.first().area
    regso = Area.objects.create(
        municipality=deso.municipality,
        code="9999R777",
        name="Storområdet",
        kind=Area.Kind.REGSO,
        geometry=deso.geometry,
        **{f: getattr(deso, f) for f in ("min_lon", "min_lat", "max_lon", "max_lat")},
        centroid_lon=deso.centroid_lon,
        centroid_lat=deso.centroid_lat,
    )
    page = as_admin.get(f"/staff/centres/{centres[0].pk}/catchment/").content.decode()
    assert deso.name in page and regso.name not in page
    own = [m.area_id for m in centres[0].catchment.all()]
    refused = as_admin.post(
        f"/staff/centres/{centres[0].pk}/catchment/", {"areas": [*own, regso.pk]}
    )
    assert refused.status_code == 400
    assert not CatchmentMembership.objects.filter(area=regso).exists()
