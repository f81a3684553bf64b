"""Outreach shifts: recorded on the phone form with sensible defaults, absurd counts and times
refused with a message and nothing saved, own centre only, totals per month."""

import datetime as dt
import html

import pytest
from django.utils import timezone, translation
from shapely.geometry import shape

from nara.core.actions.outreach import cell_name, do_record_outreach, outreach_months
from nara.core.models import Area, AuditEvent, OutreachShift, Partner
from nara.workspace.outreach_forms import default_evening
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def sv(message, **values):
    with translation.override("sv"):
        text = translation.gettext(message)
    return text % values if values else text


def page(response):
    return html.unescape(response.content.decode())


def catchment(centre):
    return Area.objects.filter(catchments__center=centre).order_by("name")


def evening(centre, **changes):
    """A plausible POST for an evening walk yesterday in the centre's first catchment area."""
    data = {
        "date": YESTERDAY.isoformat(),
        "starts": "18:00",
        "ends": "21:30",
        "staff": [str(user("anna").pk)],
        "area": str(catchment(centre).first().pk),
        "topics": ["school-absence", "parenting"],
        cell_name("13-17", "male"): "7",
        cell_name("13-17", "female"): "3",
        cell_name("26-64", "female"): "2",
        "contacts_made": "2",
        "note": "Lugnt vid torget, många vid fritidsgården",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_opens_with_this_evening_me_and_my_centre(as_worker, centres):
    response = as_worker.get(f"/staff/centres/{centres[0].pk}/outreach/new/")
    text = page(response)
    assert response.status_code == 200
    day, starts, _ends, _midnight = default_evening()
    assert f'value="{day.isoformat()}"' in text
    assert f'value="{starts:%H:%M}"' in text
    anna = user("anna")
    assert f'name="staff" value="{anna.pk}"' in text
    checked = text.split(f'name="staff" value="{anna.pk}"')[1].split(">")[0]
    assert "checked" in checked
    # Every cell of the grid is a number box labelled with its age band and gender.
    assert text.count('type="number"') >= 28
    assert 'aria-label="13–17' in text
    for word in ('name="first_name"', 'name="pnr"', 'name="alias_name"'):
        assert word not in text


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2026-03-10 22:40", ("2026-03-10", "18:00", "22:30", False)),
        ("2026-03-10 19:05", ("2026-03-10", "18:00", "19:00", False)),
        ("2026-03-10 14:20", ("2026-03-10", "11:15", "14:15", False)),
        ("2026-03-11 00:50", ("2026-03-10", "18:00", "00:45", True)),
    ],
)
def test_default_times_are_this_evening(now, expected):
    moment = timezone.make_aware(dt.datetime.fromisoformat(now))
    day, starts, ends, midnight = default_evening(moment)
    assert (day.isoformat(), f"{starts:%H:%M}", f"{ends:%H:%M}", midnight) == expected


def test_worker_records_an_evening_and_it_is_counted_in_the_month(as_worker, centres):
    centre = centres[0]
    area = catchment(centre).first()
    response = as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", evening(centre))
    assert response.status_code == 302
    shift = OutreachShift.objects.get(center=centre)
    assert shift.area == area and shift.people_met == 12 and shift.contacts_made == 2
    assert shift.minutes == 210 and shift.date == YESTERDAY
    assert {(c.age_band, c.gender, c.count) for c in shift.counts.all()} == {
        ("13-17", "male", 7),
        ("13-17", "female", 3),
        ("26-64", "female", 2),
    }
    assert list(shift.staff.all()) == [user("anna")]
    event = AuditEvent.objects.get(action="outreach.create", object_id=str(shift.pk))
    assert event.actor_id == user("anna").pk and event.person_id is None

    listing = page(as_worker.get(response["Location"], follow=True))
    assert sv("Outreach saved: %(people)d people met, %(contacts)d contacts made.", people=12,
              contacts=2) in listing  # fmt: skip
    month = listing.split(f'data-month="{YESTERDAY:%Y-%m}"')[1].split("</tr>")[0]
    assert 'class="people">12<' in month and 'class="contacts">2<' in month
    assert f'data-shift="{shift.pk}"' in listing
    detail = page(as_worker.get(f"/staff/outreach/{shift.pk}/"))
    assert area.name in detail and "Lugnt vid torget" in detail


def test_totals_per_month_add_up_shifts_of_the_month(centres):
    centre, anna = centres[0], user("anna")
    area = catchment(centre).first()
    for days_ago, boys in ((1, 5), (2, 8)):
        start = timezone.now() - dt.timedelta(days=days_ago, hours=4)
        do_record_outreach(
            actor=anna,
            center=centre,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            staff=[anna],
            area=area,
            counts={("13-17", "male"): boys},
            contacts_made=1,
        )
    rows = {
        (r["month"].year, r["month"].month): r for r in outreach_months(centre)
    }  # the two shifts fall in one or two months
    assert sum(r["people"] for r in rows.values()) == 13
    assert sum(r["shifts"] for r in rows.values()) == 2
    assert sum(r["contacts"] for r in rows.values()) == 2
    assert sum(r["hours"] for r in rows.values()) == 4.0


def test_a_point_on_the_map_finds_its_catchment_area(as_worker, centres):
    centre = centres[0]
    area = catchment(centre).last()
    point = shape(area.geometry).representative_point()
    data = evening(centre, area="", lat=f"{point.y:.6f}", lon=f"{point.x:.6f}")
    response = as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", data)
    assert response.status_code == 302
    shift = OutreachShift.objects.get(center=centre)
    assert shift.area == area and shift.lat == pytest.approx(point.y, abs=1e-5)


def refused(as_worker, centre, data):
    before_shifts = OutreachShift.objects.count()
    before_audit = AuditEvent.objects.filter(action__startswith="outreach.").count()
    response = as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", data)
    assert response.status_code == 400
    assert OutreachShift.objects.count() == before_shifts
    assert AuditEvent.objects.filter(action__startswith="outreach.").count() == before_audit
    return page(response)


NUMBER = "Write a whole number from %(min)d to %(max)d."


@pytest.mark.parametrize(
    "changes, message, values",
    [
        ({cell_name("13-17", "male"): "-3"}, NUMBER, {"min": 0, "max": 1000}),
        ({cell_name("0-5", "other"): "1001"}, NUMBER, {"min": 0, "max": 1000}),
        ({cell_name("65+", "female"): "9" * 30}, NUMBER, {"min": 0, "max": 1000}),
        ({cell_name("6-12", "male"): "två"}, NUMBER, {"min": 0, "max": 1000}),
        ({"contacts_made": "5000"}, NUMBER, {"min": 0, "max": 1000}),
        (
            {"starts": "21:00", "ends": "18:00"},
            "The end is before the start. Nothing was saved.",
            {},
        ),
        (
            {"starts": "06:00", "ends": "23:30"},
            "At most %(hours)d hours from start to end. Nothing was saved.",
            {"hours": 16},
        ),
        (
            {"date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
            "The date cannot be in the future. Nothing was saved.",
            {},
        ),
        ({"date": "1999-12-31"}, "Write a date between 2000 and 2999.", {}),
        ({"date": "2024-02-30"}, None, {}),
        ({"area": "", "lat": "", "lon": ""}, None, {}),
        ({"lat": "57.0", "lon": "12.0"}, "Choose an area or give a point, not both.", {}),
        ({"area": "", "lat": "59.3293", "lon": "18.0686"}, None, {}),
        ({"staff": ["999999"]}, None, {}),
        ({"topics": ["no-such-topic"]}, None, {}),
    ],
)
def test_absurd_input_is_refused_and_nothing_saved(as_worker, centres, changes, message, values):
    text = refused(as_worker, centres[0], evening(centres[0], **changes))
    assert sv("Please correct the fields marked below. Nothing was saved.") in text or (
        message and sv(message, **values) in text
    )
    if message:
        assert sv(message, **values) in text


def test_a_personnummer_in_the_note_is_refused_and_not_written_back(as_worker, centres):
    number = "19121212-1212"
    text = refused(as_worker, centres[0], evening(centres[0], note=f"Pratade med {number}"))
    assert (
        sv(
            "Do not write a personal identity number here: no one is named in these records. "
            "Nothing was saved."
        )
        in text
    )
    assert number not in text


def test_a_shift_past_midnight_is_fine_when_said(as_worker, centres):
    centre = centres[0]
    two_days_ago = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    data = evening(centre, date=two_days_ago, starts="20:00", ends="01:30", past_midnight="on")
    assert as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", data).status_code == 302
    assert OutreachShift.objects.get(center=centre).minutes == 330


def test_another_centres_worker_can_neither_see_nor_change_it(as_worker, as_other_worker, centres):
    centre = centres[0]
    as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", evening(centre))
    shift = OutreachShift.objects.get(center=centre)
    assert as_other_worker.get(f"/staff/outreach/{shift.pk}/").status_code == 403
    assert as_other_worker.get(f"/staff/outreach/{shift.pk}/edit/").status_code == 403
    changed = evening(centre, **{cell_name("13-17", "male"): "70"})
    assert as_other_worker.post(f"/staff/outreach/{shift.pk}/edit/", changed).status_code == 403
    assert as_other_worker.get(f"/staff/centres/{centre.pk}/outreach/").status_code == 403
    assert (
        as_other_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", changed).status_code
        == 403
    )
    shift.refresh_from_db()
    assert shift.people_met == 12 and OutreachShift.objects.count() == 1
    # Omar's own outreach page (the menu's) does not list it.
    own = page(as_other_worker.get("/staff/outreach/"))
    assert f'data-shift="{shift.pk}"' not in own


def test_the_worker_corrects_a_shift_and_the_log_keeps_both(as_worker, centres):
    centre = centres[0]
    as_worker.post(f"/staff/centres/{centre.pk}/outreach/new/", evening(centre))
    shift = OutreachShift.objects.get(center=centre)
    form = page(as_worker.get(f"/staff/outreach/{shift.pk}/edit/"))
    assert f'name="{cell_name("13-17", "male")}" value="7"' in form
    partner = Partner.objects.first()
    data = evening(centre, **{cell_name("13-17", "male"): "9"}, partners=[str(partner.pk)])
    assert as_worker.post(f"/staff/outreach/{shift.pk}/edit/", data).status_code == 302
    shift.refresh_from_db()
    assert shift.people_met == 14 and list(shift.partners.all()) == [partner]
    event = AuditEvent.objects.get(action="outreach.update", object_id=str(shift.pk))
    assert event.changes["counts"][0]["13-17/male"] == 7
    assert event.changes["counts"][1]["13-17/male"] == 9


def test_the_menu_leads_centre_roles_to_outreach_and_groups(as_worker, as_analyst):
    menu = page(as_worker.get("/staff/"))
    assert 'href="/staff/outreach/"' in menu and 'href="/staff/groups/"' in menu
    assert 'href="/staff/outreach/"' not in page(as_analyst.get("/staff/"))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"date": "\x00", "starts": "24:00", "ends": "x"},
        {"date": "9999-12-31", "starts": "23:00", "ends": "01:00", "past_midnight": "on"},
        {"lat": "nan", "lon": "inf", "area": "outside"},
        {"staff": "²", "partners": "-1", "area": "¹"},
    ],
)
def test_garbage_is_never_a_server_error(as_worker, centres, data):
    response = as_worker.post(f"/staff/centres/{centres[0].pk}/outreach/new/", data)
    assert response.status_code == 400
    assert not OutreachShift.objects.exists()
