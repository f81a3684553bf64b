import datetime as dt
from types import SimpleNamespace

import pytest

from nara.lib import calendar


def rule(byday="MO,TU,WE,TH", opens="09:00", closes="16:00", **extra):
    values = {
        "kind": "opening",
        "freq": "WEEKLY",
        "interval": 1,
        "byday": byday,
        "bymonthday": "",
        "opens_at": dt.time.fromisoformat(opens),
        "closes_at": dt.time.fromisoformat(closes),
        "valid_from": dt.date(2026, 1, 5),
        "valid_to": None,
        "title": "",
    }
    values.update(extra)
    return SimpleNamespace(**values)


def closure(date, reason="Julafton", **extra):
    values = {"date": date, "closed": True, "opens_at": None, "closes_at": None}
    values.update(extra)
    return SimpleNamespace(reason=reason, **values)


MONDAY = dt.date(2026, 12, 21)


def test_week_follows_the_weekly_rule():
    week = calendar.expand([rule(), rule(byday="FR", closes="12:00")], [], MONDAY, 7)
    hours = [[(s.opens_at.hour, s.closes_at.hour) for s in d.opening] for d in week]
    assert hours == [[(9, 16)]] * 4 + [[(9, 12)], [], []]


def test_a_holiday_closes_the_day_and_says_why():
    week = calendar.expand([rule()], [closure(dt.date(2026, 12, 24))], MONDAY, 7)
    thursday = week[3]
    assert thursday.closed_by_exception and thursday.slots == []
    assert thursday.exception_reason == "Julafton"
    assert week[2].opening  # Wednesday unaffected


def test_shortened_day_keeps_dropins_that_fit():
    dropin = rule(kind="dropin", byday="WE", opens="10:00", closes="11:00")
    late = rule(kind="dropin", byday="WE", opens="14:00", closes="15:00")
    short = closure(dt.date(2026, 12, 23), closed=False, opens_at=dt.time(9), closes_at=dt.time(12))
    wednesday = calendar.expand([rule(), dropin, late], [short], MONDAY, 7)[2]
    assert [(s.kind, s.opens_at.hour) for s in wednesday.slots] == [("opening", 9), ("dropin", 10)]


def test_monthly_rule_first_wednesday():
    cafe = rule(kind="dropin", freq="MONTHLY", byday="1WE")
    dates = calendar.rule_dates(cafe, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert dates == [dt.date(2026, 1, 7), dt.date(2026, 2, 4), dt.date(2026, 3, 4)]


def test_rule_outside_its_validity_gives_nothing():
    ended = rule(valid_to=dt.date(2026, 12, 1))
    assert calendar.rule_dates(ended, MONDAY, MONDAY + dt.timedelta(days=6)) == []


def test_open_now_and_next_opening():
    week = calendar.expand([rule()], [closure(dt.date(2026, 12, 24))], MONDAY, 14)
    assert calendar.status_at(week, dt.datetime(2026, 12, 21, 10, 0)) == calendar.Status(
        True,
        dt.datetime(2026, 12, 21, 16, 0),
        None,
    )
    # Wednesday evening: Thursday is Christmas Eve, Friday–Sunday no rule → next Monday.
    status = calendar.status_at(week, dt.datetime(2026, 12, 23, 17, 0))
    assert not status.is_open and status.next_opening == dt.datetime(2026, 12, 28, 9, 0)


def test_an_evening_drop_in_is_on_while_the_centre_is_closed():
    dropin = rule(kind="dropin", byday="TU", opens="17:00", closes="19:00")
    week = calendar.expand([rule(), dropin], [], MONDAY, 14)
    status = calendar.status_at(week, dt.datetime(2026, 12, 22, 18, 0))
    assert not status.is_open and status.dropin_until == dt.datetime(2026, 12, 22, 19, 0)
    assert status.next_opening == dt.datetime(2026, 12, 23, 9, 0)
    assert calendar.status_at(week, dt.datetime(2026, 12, 22, 19, 0)).dropin_until is None


@pytest.mark.parametrize("byday", ["XX", "MO,FOO", "9"])
def test_bad_weekday_rule_is_refused(byday):
    with pytest.raises(calendar.ScheduleRuleError):
        calendar.parse_byday(byday)


def every_date(schedule, start, end):
    """Occurrences by walking the rule from its very first day: the slow, obvious answer."""
    from dateutil import rrule as du

    kwargs = {
        "interval": schedule.interval,
        "dtstart": dt.datetime.combine(schedule.valid_from, dt.time()),
    }
    if schedule.byday:
        kwargs["byweekday"] = calendar.parse_byday(schedule.byday)
    freq = du.WEEKLY if schedule.freq == "WEEKLY" else du.MONTHLY
    until = dt.datetime.combine(end, dt.time())
    dates = du.rrule(freq, until=until, **kwargs)
    return [d.date() for d in dates if d.date() >= start]


@pytest.mark.parametrize(
    "schedule",
    [
        rule(byday="TU", interval=2, valid_from=dt.date(2019, 3, 5)),
        rule(byday="MO,TH", interval=3, valid_from=dt.date(2020, 2, 27)),
        rule(
            kind="dropin",
            freq="MONTHLY",
            byday="-1FR",
            interval=2,
            valid_from=dt.date(2018, 11, 20),
        ),
        rule(kind="dropin", freq="MONTHLY", byday="1WE", valid_from=dt.date(2021, 1, 31)),
    ],
)
def test_old_rules_keep_their_rhythm(schedule):
    start, end = dt.date(2026, 11, 20), dt.date(2027, 3, 1)
    assert calendar.rule_dates(schedule, start, end) == every_date(schedule, start, end)


def test_next_change_is_the_next_opening_closing_or_drop_in_boundary():
    dropin = rule(kind="dropin", byday="MO", opens="17:00", closes="19:00")
    plan = calendar.expand([rule(), dropin], [], MONDAY, 7)
    monday = dt.datetime.combine(MONDAY, dt.time())
    assert calendar.next_change(plan, monday.replace(hour=8)) == monday.replace(hour=9)
    assert calendar.next_change(plan, monday.replace(hour=9)) == monday.replace(hour=16)
    assert calendar.next_change(plan, monday.replace(hour=16)) == monday.replace(hour=17)
    assert calendar.next_change(plan, monday.replace(hour=19, minute=30)) == monday + dt.timedelta(
        days=1
    )
