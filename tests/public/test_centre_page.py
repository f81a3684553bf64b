import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from nara.core import queries
from nara.core.models import Center, ScheduleException
from nara.core.queries import local_now

pytestmark = pytest.mark.django_db


def centre():
    return Center.objects.filter(kind="centre").first()


def test_centre_page_shows_what_a_resident_needs(demo, resident):
    center = centre()
    html = resident.get(f"/sv/centres/{center.slug}/").content.decode()
    assert center.street_address in html and center.phone in html and center.email in html
    for person in center.staff.all():
        assert person.first_name in html
    for service in center.services.all():
        assert str(service.name) in html
    assert html.count("<tr") == 8  # header + seven days
    assert f"/sv/centres/{center.slug}/map.svg" in html
    for area in center.catchment.all():
        assert area.area.name in html


def test_week_shows_the_closure_and_its_reason(demo, resident):
    center = centre()
    staff_day = local_now().date() + dt.timedelta(days=2)
    assert ScheduleException.objects.filter(center=center, date=staff_day).exists()
    html = resident.get(f"/en/centres/{center.slug}/").content.decode()
    assert "Staff training day" in html


def test_map_is_local_svg_of_the_catchment(demo, resident):
    center = centre()
    svg = resident.get(f"/sv/centres/{center.slug}/map.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert body.count('class="served"') == center.catchment.count()
    assert "http" not in body.replace("http://www.w3.org/2000/svg", "")


def test_unpublished_or_unknown_centre_is_not_found(demo, resident):
    center = centre()
    Center.objects.filter(pk=center.pk).update(is_published=False)
    assert resident.get(f"/sv/centres/{center.slug}/").status_code == 404
    assert resident.get("/sv/centres/nowhere/").status_code == 404


def test_what_we_write_down_follows_documentation_levels(demo, resident):
    center = centre()
    center.services.exclude(documentation_level="counts_only").delete()
    html = resident.get(f"/en/centres/{center.slug}/").content.decode()
    assert "we only count that someone came" in html
    assert "record with your name" not in html


def test_an_evening_drop_in_says_come_now(demo, resident):
    center = centre()
    plan = queries.center_plan(center)
    day, slot = next(
        (d, s)
        for d in plan[1:]
        for s in d.dropins
        if not any(o.opens_at <= s.opens_at < o.closes_at for o in d.opening)
    )
    during = dt.datetime.combine(day.date, slot.opens_at) + dt.timedelta(minutes=30)
    with time_machine.travel(during.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))):
        html = resident.get(f"/en/centres/{center.slug}/").content.decode()
    assert f"Drop-in now, until {slot.closes_at:%H:%M}: come without booking." in html
    assert "Closed now" not in html
