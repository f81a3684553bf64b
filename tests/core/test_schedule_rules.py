"""One bad opening-hours rule can neither be saved nor take a page down (issue item 5)."""

import datetime as dt
import logging
import signal
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from nara.core.models import Center, Schedule
from nara.lib import calendar
from tests.workspace import conftest as workspace_fixtures
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
centres = workspace_fixtures.centres

BAD_RULES = [
    {"freq": "MONTHLY", "interval": "0", "byday": "1MO"},  # dateutil loops forever
    {"freq": "WEEKLY", "interval": "0", "byday": "MO"},
    {"freq": "MONTHLY", "interval": "1", "byday": "99MO"},
    {"freq": "MONTHLY", "interval": "1", "byday": "6MO"},
    {"freq": "WEEKLY", "interval": "1", "byday": "99MO"},
    {"freq": "WEEKLY", "interval": "1", "byday": "0MO"},
    {"freq": "MONTHLY", "interval": "13", "byday": "1MO"},
    {"freq": "WEEKLY", "interval": "1", "byday": "MO", "valid_from": "0001-01-01"},
    {"freq": "WEEKLY", "interval": "1", "byday": "MO", "valid_to": "9999-12-31"},
]


@contextmanager
def within(seconds):
    """Fail instead of hanging when something never finishes."""

    def give_up(signum, frame):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    except TimeoutError:
        pytest.fail(f"did not finish within {seconds} s", pytrace=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def rule(**overrides):
    values = {
        "pk": 1,
        "kind": "opening",
        "title": "",
        "freq": "MONTHLY",
        "interval": 0,
        "byday": "1MO",
        "bymonthday": "",
        "opens_at": dt.time(10),
        "closes_at": dt.time(12),
        "valid_from": dt.date(2026, 1, 1),
        "valid_to": None,
    }
    return SimpleNamespace(**{**values, **overrides})


def test_a_rule_dateutil_cannot_finish_is_skipped_and_logged(caplog):
    caplog.set_level(logging.WARNING, logger="nara.lib.calendar")
    good = rule(pk=2, freq="WEEKLY", interval=1, byday="MO")
    with within(5):
        plan = calendar.expand([rule(), good], [], dt.date(2026, 3, 2), 14)
    assert [len(day.slots) for day in plan][:8] == [1, 0, 0, 0, 0, 0, 0, 1]
    assert "Skipped schedule 1" in caplog.text


@pytest.mark.parametrize("bad", BAD_RULES, ids=lambda r: ",".join(r.values()))
def test_the_schedule_form_refuses_a_rule_that_cannot_be_expanded(demo, centres, bad):
    client = signed_in(user("maria"))
    before = Schedule.objects.count()
    data = {
        "kind": "opening",
        "opens_at": "10:00",
        "closes_at": "12:00",
        "valid_from": "2026-01-01",
        **bad,
    }
    with within(10):
        response = client.post(f"/staff/centres/{centres[0].pk}/schedules/new/", data)
    assert response.status_code == 400
    assert Schedule.objects.count() == before


def test_the_form_explains_the_interval_in_swedish(demo, centres):
    client = signed_in(user("maria"))
    data = {"kind": "opening", "opens_at": "10:00", "closes_at": "12:00"}
    data |= {"valid_from": "2026-01-01", **BAD_RULES[0]}
    response = client.post(f"/staff/centres/{centres[0].pk}/schedules/new/", data)
    assert "Upprepa var 1–52:e vecka eller var 1–12:e månad." in response.content.decode()


def test_the_database_refuses_interval_zero(demo):
    schedule = Schedule.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.filter(pk=schedule.pk).update(interval=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.filter(pk=schedule.pk).update(valid_to=dt.date(1999, 1, 1))


@contextmanager
def constraint_dropped(name):
    """Store a row as an old database (before the constraint) could hold it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:  # rolled back with the test's transaction
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'ALTER TABLE core_schedule DROP CONSTRAINT "{name}"')  # noqa: S608
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


@pytest.mark.parametrize(
    "broken",
    [
        {"freq": "MONTHLY", "interval": 0, "byday": "1MO"},
        {"freq": "WEEKLY", "interval": 0, "byday": "MO"},
        {"freq": "WEEKLY", "interval": 1, "byday": "99MO"},
        {"freq": "MONTHLY", "interval": 1, "byday": "??"},
    ],
    ids=["monthly-0-1MO", "weekly-0", "weekly-99MO", "garbage"],
)
def test_a_broken_rule_stored_past_the_form_leaves_the_site_up(demo, client, caplog, broken):
    centre = Center.objects.filter(is_published=True, schedules__isnull=False).first()
    schedule = centre.schedules.first()
    with constraint_dropped("schedule_interval_in_range"):
        Schedule.objects.filter(pk=schedule.pk).update(**broken)
    caplog.set_level(logging.WARNING, logger="nara.lib.calendar")
    with within(20):
        page = client.get(f"/sv/centres/{centre.slug}/")
        others = [client.get(url).status_code for url in ("/sv/", "/sv/centres/", "/healthz")]
    assert page.status_code == 200 and centre.name in page.content.decode()
    assert others == [200, 200, 200]
    assert f"Skipped schedule {schedule.pk}" in caplog.text
