"""Public pages are kept rendered between visits; residents must never see that they are."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from nara.core import content_version, queries
from nara.core.models import Center, ContentVersion, MythFact
from nara.public.page_cache import CSRF_PLACEHOLDER

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_an_edited_myth_shows_on_the_next_visit(demo, resident, read_page):
    myth = MythFact.objects.filter(is_published=True).first()
    assert str(myth.fact) in read_page(resident, "/sv/myths-and-facts/")
    myth.fact = "Socialtjänsten hjälper i första hand frivilligt."
    myth.save()
    assert "hjälper i första hand frivilligt" in read_page(resident, "/sv/myths-and-facts/")


def test_each_visitor_gets_a_working_token_of_their_own(demo, first_centre, read_page):
    path = f"/sv/centres/{first_centre.slug}/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for visitor in (first, second):
        html = read_page(visitor, path)
        assert CSRF_PLACEHOLDER.decode() not in html
        tokens.append(TOKEN.search(html).group(1))
        answer = visitor.post(
            "/sv/feedback/", {"csrfmiddlewaretoken": tokens[-1], "helpful": "yes", "path": path}
        )
        assert answer.status_code == 302
    assert tokens[0] != tokens[1]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_a_thank_you_is_shown_only_to_the_visitor_who_answered(
    demo, resident, first_centre, read_page
):
    path = f"/en/centres/{first_centre.slug}/"
    read_page(Client(), path)
    answer = resident.post("/en/feedback/", {"helpful": "yes", "path": path}, follow=True)
    assert "Thank you for your answer." in answer.content.decode()
    assert "Thank you for your answer." not in read_page(Client(), path)


def test_open_now_turns_to_closed_at_closing_time(demo, resident, first_centre, read_page):
    center = first_centre
    plan = queries.center_plan(center)
    day = next(d for d in plan[1:] if d.opening)
    closes = dt.datetime.combine(day.date, day.opening[-1].closes_at)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    path = f"/en/centres/{center.slug}/"
    with time_machine.travel(closes.replace(tzinfo=zone) - dt.timedelta(minutes=1), tick=False):
        assert f"Open now, until {closes:%H:%M}" in read_page(resident, path)
    with time_machine.travel(closes.replace(tzinfo=zone) + dt.timedelta(minutes=1), tick=False):
        html = read_page(resident, path)
    assert "Open now" not in html and "Closed now" in html


def test_a_change_committed_by_another_worker_shows_within_seconds(
    demo, resident, settings, monkeypatch, first_centre, read_page
):
    settings.NARA_CONTENT_VERSION_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(content_version, "_clock", lambda: clock[0])
    center = first_centre
    path = f"/sv/centres/{center.slug}/"
    assert "010-999 99 99" not in read_page(resident, path)
    # What another gunicorn worker's transaction leaves behind: new content and a new token,
    # with nothing said to this process.
    Center.objects.filter(pk=center.pk).update(phone="010-999 99 99")
    ContentVersion.objects.filter(pk=1).update(token="changed-by-another-worker")
    clock[0] += 0.5
    assert "010-999 99 99" not in read_page(resident, path)  # this worker has not asked again yet
    clock[0] += 0.6
    assert "010-999 99 99" in read_page(resident, path)
