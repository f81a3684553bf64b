"""The insights' key figures, defined once. Each is one aggregate query in the database over the
rollups (models.py), never a loop over raw rows; the formulas and edge cases are also in the
README ("Insights: how each number is computed").

Filters (`Filters`): a period of whole calendar months (`start`, `end`: any day in the first and
last month; None = open), centre ids, an area id (0 = not stated, -1 = outside the catchment),
a topic, an age band and a channel. Contacts, offers and reach take every filter. Bookings and
escalations are only cut by period and centre (an appointment or an escalation has no area,
age band or channel, and an appointment's topic is purged after the visit): they answer with
`not_filtered_by`, the filters that were given but do not apply, so no one reads an unfiltered
figure as a filtered one.

A rate whose denominator is 0 is None ("no rate"), never 0 %. Rates are fractions (0.25).

Every read here goes to the read replica when one is configured (db.py): the rollups through
the router, the raw contacts of `reach` with `.using(reporting_alias())`.
"""

import dataclasses
import datetime as dt
import json

from django.db import connections
from django.db.models import Count, F, IntegerField, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce

from .db import reporting_alias
from .models import (
    ALL_TOPICS,
    KEY_AREA_NOT_STATED,
    KEY_AREA_OUTSIDE,
    REACH_KINDS,
    TOTAL,
    BookingRollup,
    ContactRollup,
    ContactSlice,
    EscalationRollup,
    OfferRollup,
    OfferSlice,
    ReachRollup,
)
from .rollups import first_complete_month, month_of, next_month


@dataclasses.dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    centers: tuple | None = None
    area: int | None = None
    topic: str | None = None
    age_band: str | None = None
    channel: str | None = None

    @property
    def first_month(self):
        return month_of(self.start) if self.start else None

    @property
    def stop_month(self):
        return next_month(month_of(self.end)) if self.end else None


CUTS = ("area", "topic", "age_band", "channel")
CONTACT_DIMENSIONS = ("month", "center_id", "area_id", "topic", "age_band", "channel", "language")
# A rollup dimension as the slices name it (area_id is "area", its value the id as text).
SLICE_DIMENSION = {"area_id": "area", "topic": "topic", "age_band": "age_band"}
SLICE_DIMENSION |= {"channel": "channel", "language": "language"}
SLICE_OF = {ContactRollup: ContactSlice, OfferRollup: OfferSlice}


def rate(numerator, denominator):
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def _rows(model, filters, *, by_topic=False, group=None):
    """The model's rollup rows under the filters, to be summed or grouped by `group` (a
    dimension of the model, or None). Without a topic filter the topic-free total rows are
    read, so a contact with two topics counts once; `by_topic` reads the topic rows.

    Contacts and offers come from the narrow slices (models.py) whenever they can answer: at
    most one of the filters area, topic, age band and channel, and then grouped by nothing,
    month or centre; or no such filter and grouped by one dimension. The rows then carry the
    grouped dimension under the model's own name (area_id as a number), so callers do not
    see which table answered."""
    sliced = _slice_rows(model, filters, group)
    if sliced is not None:
        return sliced
    return _cube_rows(model, filters, by_topic=by_topic or group == "topic")


def _period_and_centres(rows, filters):
    if filters.first_month:
        rows = rows.filter(month__gte=filters.first_month)
    if filters.stop_month:
        rows = rows.filter(month__lt=filters.stop_month)
    if filters.centers is not None:
        rows = rows.filter(center_id__in=list(filters.centers))
    return rows


def _slice_rows(model, filters, group):
    slice_model = SLICE_OF.get(model)
    if slice_model is None:
        return None
    cuts = [(cut, getattr(filters, cut)) for cut in _not_filtered_by(filters)]
    if len(cuts) > 1 or (cuts and group not in (None, "month", "center_id")):
        return None
    dimension = SLICE_DIMENSION.get(group, TOTAL)
    if dimension != TOTAL and dimension not in slice_model.DIMENSIONS:
        return None
    rows = _period_and_centres(slice_model.objects.all(), filters)
    if cuts:
        ((cut, value),) = cuts
        return rows.filter(dimension=cut, value=str(value))
    rows = rows.filter(dimension=dimension)
    if group == "area_id":
        return rows.annotate(area_id=Cast("value", IntegerField()))
    if dimension != TOTAL:
        return rows.annotate(**{group: F("value")})
    return rows


def slices(model, dimension=TOTAL, *, using=None):
    """A slice table's rows of one dimension; by area they carry `area_id` as a number.
    Filter areas by `value__in` (text), never by the cast: the database may evaluate the
    cast before the dimension condition, on rows whose value is not a number."""
    rows = model.objects.using(using or reporting_alias()).filter(dimension=dimension)
    if dimension == "area":
        rows = rows.annotate(area_id=Cast("value", IntegerField()))
    return rows


def _cube_rows(model, filters, *, by_topic=False):
    rows = model.objects.all()
    if filters.first_month:
        rows = rows.filter(month__gte=filters.first_month)
    if filters.stop_month:
        rows = rows.filter(month__lt=filters.stop_month)
    if filters.centers is not None:
        rows = rows.filter(center_id__in=list(filters.centers))
    if model in (ContactRollup, OfferRollup):
        if filters.area is not None:
            rows = rows.filter(area_id=filters.area)
        if filters.age_band:
            rows = rows.filter(age_band=filters.age_band)
        if filters.channel:
            rows = rows.filter(channel=filters.channel)
        if filters.topic:
            rows = rows.filter(topic=filters.topic)
        elif by_topic:
            rows = rows.exclude(topic=ALL_TOPICS)
        else:
            rows = rows.filter(topic=ALL_TOPICS)
    return rows


def _sums(rows, measures):
    zero = Value(0, output_field=IntegerField())
    totals = rows.aggregate(**{m: Coalesce(Sum(m), zero) for m in measures})
    return {m: int(totals[m]) for m in measures}


def _not_filtered_by(filters):
    return [cut for cut in CUTS if getattr(filters, cut) not in (None, "")]


# Contacts ----------------------------------------------------------------------------------


def contacts(filters=Filters()):
    """Contacts, first-time visitors, previously known to social services, interpreter, gender.

    previously_unknown_share = contacts marked "not previously known" / contacts where it was
    stated (known + not known); "don't know" is left out of the share and counted apart."""
    s = _sums(_rows(ContactRollup, filters), ContactRollup.MEASURES)
    stated = s["known_yes"] + s["known_no"]
    return {
        "contacts": s["contacts"],
        "first_contacts": s["first_contacts"],
        "first_contact_share": rate(s["first_contacts"], s["contacts"]),
        "previously_known": s["known_yes"],
        "previously_unknown": s["known_no"],
        "previously_known_not_stated": s["contacts"] - stated,
        "previously_unknown_share": rate(s["known_no"], stated),
        "interpreter_used": s["interpreter"],
        "gender": {
            "female": s["female"],
            "male": s["male"],
            "other": s["other_gender"],
            "not_stated": s["contacts"] - s["female"] - s["male"] - s["other_gender"],
        },
    }


def contacts_by(dimension, filters=Filters()):
    """[{"value": …, "contacts": n, "first_contacts": n, "previously_unknown": n}, …] per value
    of a rollup dimension (month, center_id, area_id, topic, age_band, channel, language),
    largest first, in one GROUP BY. By topic: a contact counts once under each of its topics,
    so the rows add up to more than the contacts."""
    if dimension not in CONTACT_DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    rows = _rows(ContactRollup, filters, group=dimension)
    grouped = (
        rows.values(dimension)
        .annotate(n=Sum("contacts"), first=Sum("first_contacts"), unknown=Sum("known_no"))
        .order_by(dimension if dimension == "month" else "-n", dimension)
    )
    return [
        {
            "value": row[dimension],
            "contacts": row["n"],
            "first_contacts": row["first"],
            "previously_unknown": row["unknown"],
        }
        for row in grouped
        if row["n"]
    ]


# Offers ------------------------------------------------------------------------------------


def offer_funnel(filters=Filters()):
    """offered → accepted → started → completed, counted by the month the offer was made.

    acceptance_rate = accepted / (accepted + declined): of the offers the resident decided on;
    "no answer yet" and "wants to think" are undecided and left out (`undecided` counts them).
    completion_rate = completed / (completed + ended early + referred on): of the help that
    ended. No offers (or none decided / ended) → None, not 0 %."""
    s = _sums(_rows(OfferRollup, filters), OfferRollup.MEASURES)
    ended = s["completed"] + s["ended_early"] + s["referred_on"]
    return {
        **s,
        "no_answer": s["offered"] - s["answered"],
        "undecided": s["offered"] - s["accepted"] - s["declined"],
        "acceptance_rate": rate(s["accepted"], s["accepted"] + s["declined"]),
        "completion_rate": rate(s["completed"], ended),
    }


# Bookings ----------------------------------------------------------------------------------


def _booking_figures(s):
    cancelled = s["cancelled_resident"] + s["cancelled_centre"]
    return {
        "booked": s["booked"],
        "attended": s["attended"],
        "no_show": s["no_show"],
        "cancelled": cancelled,
        "cancelled_by_resident": s["cancelled_resident"],
        "cancelled_by_centre": s["cancelled_centre"],
        "open": s["booked"] - s["attended"] - s["no_show"] - cancelled,
        "no_show_rate": rate(s["no_show"], s["attended"] + s["no_show"]),
    }


def bookings(filters=Filters()):
    """Appointments by the month of the visit: booked (all made), attended, no-show, cancelled
    and still open; no_show_rate = no-shows / (attended + no-shows), cancelled and open visits
    left out; the same with and without a visit reminder sent. Cut by period and centre only."""
    rows = _rows(BookingRollup, filters)
    measures = BookingRollup.MEASURES
    split = {True: dict.fromkeys(measures, 0), False: dict.fromkeys(measures, 0)}
    for row in rows.values("reminder_sent").annotate(**{m: Sum(m) for m in measures}):
        split[row["reminder_sent"]] = {m: int(row[m] or 0) for m in measures}
    total = {m: split[True][m] + split[False][m] for m in measures}
    return {
        **_booking_figures(total),
        "with_reminder": _booking_figures(split[True]),
        "without_reminder": _booking_figures(split[False]),
        "not_filtered_by": _not_filtered_by(filters),
    }


# Escalations -------------------------------------------------------------------------------


def escalations(filters=Filters()):
    """Escalations (reports of concern about a child, formal cases) by kind and reason. Cut by
    period and centre only."""
    rows = _rows(EscalationRollup, filters)
    by_kind = dict(rows.values_list("kind").annotate(n=Sum("escalations")).order_by("kind"))
    by_reason = dict(rows.values_list("reason").annotate(n=Sum("escalations")).order_by("reason"))
    return {
        "escalations": sum(by_kind.values()),
        "by_kind": {k: v for k, v in by_kind.items() if v},
        "by_reason": {k: v for k, v in by_reason.items() if v},
        "not_filtered_by": _not_filtered_by(filters),
    }


# Unique people, households and aliases reached ---------------------------------------------


def reach(filters=Filters()):
    """Distinct people, households and aliases with a contact in the period. The three are
    separate counts, never added together (an alias later linked to a person counts in both).
    Anonymous contacts (counts only) reach no one countable.

    Distinct counts cannot be added up from monthly counts of contacts. For January up to a
    month of the same year, with no filter but the centres (the dashboards' default), the
    sum of the year's first appearances answers (models.ReachRollup); otherwise
    COUNT(DISTINCT) on the raw contacts (a partial index per kind, by date, centre and
    subject).

    `complete` is False when the period reaches into months the retention purge has thinned
    out: unique reach then counts only the contacts still kept."""
    kept_from = first_complete_month(ContactRollup)
    complete = kept_from is None or (
        filters.first_month is not None and filters.first_month >= kept_from
    )
    if complete and _reach_adds_up(filters):
        return _reach_from_first_appearances(filters)
    return _reach_counted(filters) | {"complete": complete}


def _reach_adds_up(filters):
    """Whether the period is January up to a month of the same year, with no filter but the
    centres: then unique reach is the sum of the year's first appearances (ReachRollup)."""
    first, stop = filters.first_month, filters.stop_month
    if first is None or stop is None or first.month != 1:
        return False
    if any(getattr(filters, cut) for cut in CUTS):
        return False
    return stop <= first.replace(year=first.year + 1)


def _reach_from_first_appearances(filters):
    rows = _period_and_centres(ReachRollup.objects.using(reporting_alias()), filters)
    sums = dict(rows.order_by().values("kind").annotate(n=Sum("subjects")).values_list("kind", "n"))
    return {kind: sums.get(kind) or 0 for kind in REACH_KINDS} | {"complete": True}


def _reach_counted(filters):
    """Unique reach by COUNT(DISTINCT) on the raw contacts, for any period and filter."""
    from nara.core.models import Contact

    alias = reporting_alias()
    rows = Contact.objects.using(alias)
    if filters.first_month:
        rows = rows.filter(occurred_on__gte=filters.first_month)
    if filters.stop_month:
        rows = rows.filter(occurred_on__lt=filters.stop_month)
    if filters.centers is not None:
        rows = rows.filter(center_id__in=list(filters.centers))
    if filters.area == KEY_AREA_OUTSIDE:
        rows = rows.filter(area_outside=True)
    elif filters.area == KEY_AREA_NOT_STATED:
        rows = rows.filter(area__isnull=True, area_outside=False)
    elif filters.area is not None:
        rows = rows.filter(area_id=filters.area, area_outside=False)
    if filters.age_band:
        rows = rows.filter(age_band=filters.age_band)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.topic:
        rows = _with_topic(rows, filters.topic, connections[alias].vendor)
    # One query per kind, each on the contacts that name one: it reads a partial index alone.
    return {
        kind: rows.filter(**{f"{column}__isnull": False}).aggregate(n=Count(column, distinct=True))[
            "n"
        ]
        for kind, column in REACH_KINDS.items()
    }


def _with_topic(rows, topic, vendor):
    if vendor == "postgresql":
        return rows.filter(topics__contains=[topic])
    # SQLite has no JSON containment: the stored list holds the slug as a quoted JSON string
    # (topic slugs are ASCII letters, digits and hyphens).
    return rows.annotate(topics_text=Cast("topics", TextField())).filter(
        topics_text__contains=json.dumps(topic)
    )
