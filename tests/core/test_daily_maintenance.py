"""Bookable times roll forward every day and the purge runs on a schedule, once per day however
many workers run (nara/core/maintenance.py, started by `manage.py run_worker`)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from nara.core import maintenance
from nara.core.actions.booking import do_publish_slots
from nara.core.actions.centers import do_create
from nara.core.models import Availability, Center, DailyRun, Municipality, PurgeProtocol, Slot
from tests.core.test_reminders import (  # noqa: F401  (fixtures)
    sms_server,
    smtp_server,
    wait_until,
    workers,
)


def make_rule(**extra):
    town = Municipality.objects.create(code="9998", name="Testkommun")
    centre = Center.objects.create(
        municipality=town,
        slug="horisont",
        name="Centre",
        neutral_display_name="Mötesplats",
        street_address="Gatan 1",
        postal_code="111 11",
        city="Exempelstad",
        lon=15.0,
        lat=59.0,
        is_published=True,
    )
    fields = {
        "center": centre,
        "byday": "MO,TU,WE,TH,FR",
        "opens_at": dt.time(9),
        "closes_at": dt.time(11),
        "meeting_minutes": 60,
        "valid_from": timezone.localdate(),
        "modes": ["centre"],
        "interpreter_languages": ["ar"],
        **extra,
    }
    return do_create(actor="test", model=Availability, fields=fields)


def last_slot_day(rule):
    return timezone.localtime(Slot.objects.filter(availability=rule).last().starts_at).date()


def horizon_from(today):
    return today + dt.timedelta(days=settings.NARA_BOOKING_HORIZON_DAYS)


@pytest.mark.django_db
def test_the_daily_run_fills_each_rule_to_the_horizon_once_a_day():
    rule = make_rule()
    do_publish_slots(actor="test", availability=rule, days=10)  # published once, long ago
    today = timezone.localdate()
    assert last_slot_day(rule) <= today + dt.timedelta(days=10)

    counts = maintenance.run_daily()
    assert counts["slots_published"] > 0
    assert horizon_from(today) - last_slot_day(rule) < dt.timedelta(days=3)  # up to a weekend
    slots = Slot.objects.count()
    assert maintenance.run_daily() is None  # already done today
    assert do_publish_slots(actor="test", availability=rule) == 0  # idempotent anyway
    assert Slot.objects.count() == slots
    assert DailyRun.objects.get().finished_at is not None
    assert PurgeProtocol.objects.count() == 1  # the purge ran with it


@pytest.mark.django_db
def test_the_horizon_moves_forward_as_days_pass_and_ended_rules_stop():
    rule = make_rule()
    ended = make_rule_for_same_centre(rule, valid_to=timezone.localdate() + dt.timedelta(days=5))
    maintenance.run_daily()
    first = last_slot_day(rule)
    later = timezone.now() + dt.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        assert maintenance.run_daily()["slots_published"] > 0
        today = timezone.localdate()
    assert last_slot_day(rule) > first + dt.timedelta(days=14)
    assert horizon_from(today) - last_slot_day(rule) < dt.timedelta(days=3)
    assert last_slot_day(ended) <= ended.valid_to
    assert DailyRun.objects.count() == 2 and PurgeProtocol.objects.count() == 2


def make_rule_for_same_centre(rule, **extra):
    fields = {
        f.name: getattr(rule, f.name)
        for f in Availability._meta.concrete_fields
        if f.name not in ("id", "staff_member")
    }
    return do_create(actor="test", model=Availability, fields={**fields, **extra})


@pytest.mark.django_db
def test_only_one_claim_per_day_and_a_dead_run_is_taken_over():
    now, today = timezone.now(), timezone.localdate()
    assert maintenance.claim(today, now) is True
    assert maintenance.claim(today, now) is False
    assert maintenance.claim(today, now + dt.timedelta(minutes=30)) is False
    assert maintenance.claim(today, now + dt.timedelta(hours=2)) is True  # its worker died
    DailyRun.objects.update(finished_at=now)
    assert maintenance.claim(today, now + dt.timedelta(hours=5)) is False


@pytest.mark.django_db(transaction=True)
def test_two_running_workers_extend_the_times_and_purge_exactly_once(workers):  # noqa: F811
    rule = make_rule()
    do_publish_slots(actor="test", availability=rule, days=7)
    first, second = workers.start("worker-1"), workers.start("worker-2")
    wait_until(lambda: DailyRun.objects.filter(finished_at__isnull=False).exists(), workers.logs)
    workers.stop(first), workers.stop(second)
    assert DailyRun.objects.count() == 1
    assert PurgeProtocol.objects.count() == 1
    assert horizon_from(timezone.localdate()) - last_slot_day(rule) < dt.timedelta(days=3)
    starts = list(Slot.objects.values_list("availability", "starts_at"))
    assert len(starts) == len(set(starts))
