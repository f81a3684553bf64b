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
    assert calendar.status_at(week, dt.datetime(2026, 12, 21, 10, 0)) == (
        True,
        dt.datetime(2026, 12, 21, 16, 0),
        None,
    )
    # Wednesday evening: Thursday is Christmas Eve, Friday–Sunday no rule → next Monday.
    is_open, _closes, next_opening = calendar.status_at(week, dt.datetime(2026, 12, 23, 17, 0))
    assert not is_open and next_opening == dt.datetime(2026, 12, 28, 9, 0)


@pytest.mark.parametrize("byday", ["XX", "MO,FOO", "9"])
def test_bad_weekday_rule_is_refused(byday):
    with pytest.raises(calendar.ScheduleRuleError):
        calendar.parse_byday(byday)
