"""Expand HSDS-style recurring schedules (iCal RRULE parts) with day exceptions. No Django."""

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from dateutil import rrule

FREQS = {"WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY}
WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}


class ScheduleRuleError(ValueError):
    pass


@dataclass
class Slot:
    kind: str  # "opening" or "dropin"
    opens_at: dt.time
    closes_at: dt.time
    title: str = ""


@dataclass
class Day:
    date: dt.date
    slots: list = field(default_factory=list)
    exception_reason: str = ""
    closed_by_exception: bool = False

    @property
    def opening(self):
        return [s for s in self.slots if s.kind == "opening"]

    @property
    def dropins(self):
        return [s for s in self.slots if s.kind == "dropin"]


def parse_byday(byday):
    """'MO,WE' or '1TU,-1FR' → dateutil weekday objects; raises ScheduleRuleError."""
    days = []
    for token in filter(None, (t.strip().upper() for t in byday.split(","))):
        code, ordinal = token[-2:], token[:-2]
        if code not in WEEKDAYS:
            raise ScheduleRuleError(f"unknown weekday {token!r}")
        try:
            days.append(WEEKDAYS[code](int(ordinal)) if ordinal else WEEKDAYS[code])
        except ValueError as exc:
            raise ScheduleRuleError(f"unknown weekday {token!r}") from exc
    return days


def parse_bymonthday(bymonthday):
    try:
        days = [int(t) for t in bymonthday.split(",") if t.strip()]
    except ValueError as exc:
        raise ScheduleRuleError(f"days of month must be numbers: {bymonthday!r}") from exc
    if any(not 1 <= abs(d) <= 31 for d in days):
        raise ScheduleRuleError(f"days of month must be 1–31: {bymonthday!r}")
    return days


def rule_dates(schedule, start, end):
    """Dates in [start, end] on which a schedule occurs."""
    first = max(start, schedule.valid_from)
    last = min(end, schedule.valid_to) if schedule.valid_to else end
    if first > last:
        return []
    kwargs = {
        "dtstart": dt.datetime.combine(_phase_start(schedule, first), dt.time()),
        "until": dt.datetime.combine(last, dt.time()),
        "interval": schedule.interval,
    }
    if schedule.byday:
        kwargs["byweekday"] = parse_byday(schedule.byday)
    if schedule.bymonthday:
        kwargs["bymonthday"] = parse_bymonthday(schedule.bymonthday)
    occurrences = rrule.rrule(FREQS[schedule.freq], **kwargs)
    return [
        d.date()
        for d in occurrences.between(
            dt.datetime.combine(first, dt.time()), kwargs["until"], inc=True
        )
    ]


def _phase_start(schedule, first):
    """A start on or before `first` in the rule's phase, so old rules expand as fast as new ones."""
    start, step = schedule.valid_from, max(schedule.interval, 1)
    if schedule.freq == "WEEKLY":
        weeks = (first - start).days // 7 // step * step
        return start + dt.timedelta(weeks=weeks)
    if schedule.byday or schedule.bymonthday:  # monthly: the day of dtstart does not matter
        months = ((first.year - start.year) * 12 + first.month - start.month) // step * step
        if months > 0:
            month = start.month - 1 + months
            return dt.date(start.year + month // 12, month % 12 + 1, 1)
    return start


def next_change(plan, now):
    """When what `plan` says about `now` may next change: a slot starts or ends, or midnight."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
    moments = [
        dt.datetime.combine(day.date, moment)
        for day in plan
        if day.date == now.date()
        for slot in day.slots
        for moment in (slot.opens_at, slot.closes_at)
    ]
    return min([m for m in moments if m > now] + [midnight])


def expand(schedules, exceptions, start, days):
    """Day-by-day plan for `days` days from `start`, exceptions applied."""
    end = start + dt.timedelta(days=days - 1)
    plan = {start + dt.timedelta(days=i): Day(start + dt.timedelta(days=i)) for i in range(days)}
    for schedule in schedules:
        for date in rule_dates(schedule, start, end):
            plan[date].slots.append(
                Slot(schedule.kind, schedule.opens_at, schedule.closes_at, schedule.title or "")
            )
    for exception in exceptions:
        day = plan.get(exception.date)
        if day is not None:
            _apply_exception(day, exception)
    for day in plan.values():
        day.slots.sort(key=lambda s: (s.opens_at, s.kind))
    return [plan[d] for d in sorted(plan)]


def _apply_exception(day, exception):
    day.exception_reason = exception.reason or ""
    if exception.closed or not (exception.opens_at and exception.closes_at):
        day.slots, day.closed_by_exception = [], True
        return
    opens, closes = exception.opens_at, exception.closes_at
    dropins = [s for s in day.dropins if s.opens_at >= opens and s.closes_at <= closes]
    day.slots = [Slot("opening", opens, closes)] + dropins


class Status(NamedTuple):
    is_open: bool
    closes_at: dt.datetime | None = None
    next_opening: dt.datetime | None = None
    dropin_until: dt.datetime | None = None  # a drop-in session is on now, until then


def status_at(plan, now):
    """Open now and until when, or the next opening; and any drop-in on now. Naive local `now`."""
    dropin_until = next(
        (
            closes
            for day in plan
            if day.date == now.date()
            for slot in day.dropins
            if dt.datetime.combine(day.date, slot.opens_at)
            <= now
            < (closes := dt.datetime.combine(day.date, slot.closes_at))
        ),
        None,
    )
    for day in plan:
        for slot in day.opening:
            opens = dt.datetime.combine(day.date, slot.opens_at)
            closes = dt.datetime.combine(day.date, slot.closes_at)
            if opens <= now < closes:
                return Status(True, closes, None, dropin_until)
            if opens > now:
                return Status(False, None, opens, dropin_until)
    return Status(False, None, None, dropin_until)
