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


def centre():
    return Center.objects.filter(kind="centre").order_by("pk").first()


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_an_edited_myth_shows_on_the_next_visit(demo, resident):
    myth = MythFact.objects.filter(is_published=True).first()
    assert str(myth.fact) in page(resident, "/sv/myths-and-facts/")
    myth.fact = "Socialtjänsten hjälper i första hand frivilligt."
    myth.save()
    assert "hjälper i första hand frivilligt" in page(resident, "/sv/myths-and-facts/")


def test_each_visitor_gets_a_working_token_of_their_own(demo):
    path = f"/sv/centres/{centre().slug}/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for visitor in (first, second):
        html = page(visitor, path)
        assert CSRF_PLACEHOLDER.decode() not in html
        tokens.append(TOKEN.search(html).group(1))
        answer = visitor.post(
            "/sv/feedback/", {"csrfmiddlewaretoken": tokens[-1], "helpful": "yes", "path": path}
        )
        assert answer.status_code == 302
    assert tokens[0] != tokens[1]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_a_thank_you_is_shown_only_to_the_visitor_who_answered(demo, resident):
    path = f"/en/centres/{centre().slug}/"
    page(Client(), path)
    answer = resident.post("/en/feedback/", {"helpful": "yes", "path": path}, follow=True)
    assert "Thank you for your answer." in answer.content.decode()
    assert "Thank you for your answer." not in page(Client(), path)


def test_open_now_turns_to_closed_at_closing_time(demo, resident):
    center = centre()
    plan = queries.center_plan(center)
    day = next(d for d in plan[1:] if d.opening)
    closes = dt.datetime.combine(day.date, day.opening[-1].closes_at)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    path = f"/en/centres/{center.slug}/"
    with time_machine.travel(closes.replace(tzinfo=zone) - dt.timedelta(minutes=1), tick=False):
        assert f"Open now, until {closes:%H:%M}" in page(resident, path)
    with time_machine.travel(closes.replace(tzinfo=zone) + dt.timedelta(minutes=1), tick=False):
        html = page(resident, path)
    assert "Open now" not in html and "Closed now" in html


def test_a_change_committed_by_another_worker_shows_within_seconds(
    demo, resident, settings, monkeypatch
):
    settings.NARA_CONTENT_VERSION_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(content_version, "_clock", lambda: clock[0])
    center = centre()
    path = f"/sv/centres/{center.slug}/"
    assert "010-999 99 99" not in page(resident, path)
    # What another gunicorn worker's transaction leaves behind: new content and a new token,
    # with nothing said to this process.
    Center.objects.filter(pk=center.pk).update(phone="010-999 99 99")
    ContentVersion.objects.filter(pk=1).update(token="changed-by-another-worker")
    clock[0] += 0.5
    assert "010-999 99 99" not in page(resident, path)  # this worker has not asked again yet
    clock[0] += 0.6
    assert "010-999 99 99" in page(resident, path)
