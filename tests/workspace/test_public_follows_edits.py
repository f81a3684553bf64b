"""What staff change in the workspace shows on the public pages at the next visit."""

import datetime as dt

import pytest
from django.test import Client

from nara.core import queries
from nara.core.models import ScheduleException

pytestmark = pytest.mark.django_db


def test_a_closure_added_by_staff_shows_on_the_next_visit(
    demo, resident, as_manager, first_centre, read_page
):
    center = first_centre
    path = f"/en/centres/{center.slug}/"
    assert "Moving day" not in read_page(resident, path)
    taken = set(ScheduleException.objects.filter(center=center).values_list("date", flat=True))
    today = queries.local_now().date()
    free_day = next(
        today + dt.timedelta(days=n)
        for n in range(1, 7)
        if today + dt.timedelta(days=n) not in taken
    )
    data = {
        "date": free_day.isoformat(),
        "closed": "on",
        "reason_0": "Flytt",
        "reason_1": "Moving day",
        "confirm": "1",  # the day may have free times: the preview's confirmation
    }
    assert as_manager.post(f"/staff/centres/{center.pk}/exceptions/new/", data).status_code == 302
    assert "Moving day" in read_page(Client(), path)


def test_a_changed_catchment_shows_on_the_next_visit(
    demo, resident, as_admin, first_centre, read_page
):
    center = first_centre
    path = f"/sv/centres/{center.slug}/"
    url = f"/staff/centres/{center.pk}/catchment/"
    areas = [m.area for m in center.catchment.select_related("area").order_by("area__code")]
    links = [f"?area={a.code}" for a in areas]
    assert all(link in read_page(resident, path) for link in links)
    assert as_admin.post(url, {"areas": [a.pk for a in areas[1:]]}).status_code == 302
    assert links[0] not in read_page(resident, path)
    # Adding goes through bulk_create, which sends no signals.
    assert as_admin.post(url, {"areas": [a.pk for a in areas]}).status_code == 302
    assert links[0] in read_page(resident, path)
