"""Expand HSDS-style recurring schedules (iCal RRULE parts) with day exceptions. No Django."""

import datetime as dt
import itertools
import logging
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


# What a rule may say; the form, the model and a database constraint enforce the same bounds,
# because dateutil loops forever on some rules (a monthly interval 0 with BYDAY=1MO).
MAX_INTERVAL = {"WEEKLY": 52, "MONTHLY": 12}
MAX_ORDINAL = {"WEEKLY": 53, "MONTHLY": 5}
MAX_WINDOW = dt.timedelta(days=800)  # no expansion looks further than this
MAX_OCCURRENCES = 5000  # nor produces more dates than this

logger = logging.getLogger(__name__)


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


def parse_byday(byday, freq="MONTHLY"):
    """'MO,WE' or '1TU,-1FR' → dateutil weekday objects; raises ScheduleRuleError.

    An ordinal (1TU: the first Tuesday) is -5..5 in a monthly rule, -53..53 otherwise; never 0.
    """
    days = []
    for token in filter(None, (t.strip().upper() for t in byday.split(","))):
        code, ordinal = token[-2:], token[:-2]
        if code not in WEEKDAYS or ordinal and not ordinal.lstrip("+-").isdecimal():
            raise ScheduleRuleError(f"unknown weekday {token!r}")
        if not ordinal:
            days.append(WEEKDAYS[code])
            continue
        number = int(ordinal)
        if number == 0 or abs(number) > MAX_ORDINAL.get(freq, 5):
            raise ScheduleRuleError(f"weekday ordinal out of range {token!r}")
        days.append(WEEKDAYS[code](number))
    return days


def parse_bymonthday(bymonthday):
    try:
        days = [int(t) for t in bymonthday.split(",") if t.strip()]
    except ValueError as exc:
        raise ScheduleRuleError(f"days of month must be numbers: {bymonthday!r}") from exc
    if any(not 1 <= abs(d) <= 31 for d in days):
        raise ScheduleRuleError(f"days of month must be 1–31: {bymonthday!r}")
    return days


def validate_rule(freq, interval, byday="", bymonthday=""):
    """Raise ScheduleRuleError unless the rule is one Nära can expand safely."""
    if freq not in FREQS:
        raise ScheduleRuleError(f"unknown frequency {freq!r}")
    if not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL[freq]:
        raise ScheduleRuleError(f"interval must be 1–{MAX_INTERVAL[freq]}")
    parse_byday(byday or "", freq)
    parse_bymonthday(bymonthday or "")


def rule_dates(schedule, start, end):
    """Dates in [start, end] on which a schedule occurs; raises ScheduleRuleError on a bad rule.

    Bounded: at most MAX_WINDOW from the first date, and at most MAX_OCCURRENCES dates.
    """
    validate_rule(schedule.freq, schedule.interval, schedule.byday, schedule.bymonthday)
    first = max(start, schedule.valid_from)
    last = min(end, schedule.valid_to) if schedule.valid_to else end
    if first > last:
        return []
    last = min(last, first + MAX_WINDOW)
    kwargs = {
        "dtstart": dt.datetime.combine(_phase_start(schedule, first), dt.time()),
        "until": dt.datetime.combine(last, dt.time()),
        "interval": schedule.interval,
        "cache": False,
    }
    if schedule.byday:
        kwargs["byweekday"] = parse_byday(schedule.byday, schedule.freq)
    if schedule.bymonthday:
        kwargs["bymonthday"] = parse_bymonthday(schedule.bymonthday)
    occurrences = rrule.rrule(FREQS[schedule.freq], **kwargs)
    after = dt.datetime.combine(first, dt.time())
    return [
        d.date()
        for d in itertools.islice(occurrences.xafter(after, inc=True), MAX_OCCURRENCES)
        if d <= kwargs["until"]
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
        for date in _safe_rule_dates(schedule, start, end):
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


def _safe_rule_dates(schedule, start, end):
    """A rule that fails anyway (stored before validation, say) is left out, and logged."""
    try:
        return rule_dates(schedule, start, end)
    except Exception as exc:  # one broken rule must not take the page down
        logger.warning(
            "Skipped schedule %s: %s: %s", getattr(schedule, "pk", "?"), type(exc).__name__, exc
        )
        return []


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
