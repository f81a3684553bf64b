"""The open statistics: what the public statistics pages (and later the API) publish for a year,
month by month and the year, for the municipality, each published centre and each area, with
small counts suppressed (suppression.py) over everything published for the year together.

**What is counted.** Only the centres shown on the public site: the municipality's figures are
the sum of its published centres, and an area's are the contacts and offers at those centres of
residents from the area. Contacts whose area is not stated, is outside the catchment or is not
one of the municipality's areas form one more row, "other", so that the areas add up to the
municipality (otherwise that remainder, maybe 2 contacts, could be worked out by subtraction).
Only whole months are published: the running month appears when it is over.

- contacts (municipality, centre, area): contact rollups;
- people reached (municipality, centre, area): COUNT(DISTINCT person) on the raw contacts, per
  cell only (uniques do not add up);
- offers answered, accepted, declined and acceptance = accepted / answered (municipality,
  centre, area): offer rollups;
- visits (attended + missed), missed, attended and the missed share (municipality, centre):
  booking rollups (an appointment has no area);
- feedback answers and, per question, the share answering yes (municipality, centre):
  feedback tallies.

**Suppression.** One call to suppression.suppress over every count of the year: month cells
of all units and measures, with the groups that hold between them (municipality = sum of the
centres = sum of the areas and "other"; answered = accepted + declined; visits = attended +
missed; answers = yes + not yes, per question). Year totals are published only when every
month of theirs is. Years share no cells, so each year is suppressed on its own; months share
none either, so a month's pattern does not change when later months come.

**Cache.** `published()` keeps the result in Django's cache under the municipality and year and
recomputes it when it is older than NARA_OPEN_STATISTICS_SECONDS (5 minutes): one worker
recomputes (a short lock in the cache) while the others keep serving the previous result, so
a new contact is on the page within about five minutes and a busy city pays for the queries
(one aggregate query per measure and unit kind, ~14) at most once per five minutes per year.
A time limit, not a row count or max id, because at city scale contacts arrive every few
seconds and a version that changed with each would empty the cache all day.
"""

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nara.core.models import (
    Center,
    Contact,
    FeedbackAnswer,
    FeedbackQuestion,
    Municipality,
    VisitFeedbackTally,
)

from . import suppression
from .db import reporting_alias
from .kpis import slices
from .models import BookingRollup, ContactSlice, OfferSlice
from .suppression import rate, unique_count

MUNICIPALITY = "municipality"
OTHER = "other"  # areas not stated, outside the catchment or not the municipality's
YEAR = "year"
QUESTIONS = tuple(FeedbackQuestion.values)
# Additive measures and the units they are published for.
EVERY_UNIT = ("contacts", "accepted", "declined", "answered")
CENTRE_ONLY = ("attended", "no_show", "visits", "feedback") + tuple(
    f"{kind}_{q}" for q in QUESTIONS for kind in ("yes", "other")
)
VERSION = 1


def today():
    return timezone.localdate()


def municipality():
    return Municipality.objects.order_by("id").first()


def months_of(year, day=None):
    """The whole months of `year` that are over on `day` (today)."""
    day = day or today()
    last = 12 if year < day.year else day.month - 1
    return [dt.date(year, m, 1) for m in range(1, max(last, 0) + 1)]


def years(municipality_obj, day=None):
    """The years that can be shown, newest first: from the first month with contacts to this
    year (this year only once a month of it is over)."""
    day = day or today()
    first = (
        slices(ContactSlice)
        .filter(center_id__in=_centre_ids(municipality_obj))
        .aggregate(first=Min("month"))["first"]
    )
    newest = day.year if day.month > 1 else day.year - 1
    oldest = min(first.year, newest) if first else newest
    return list(range(newest, oldest - 1, -1))


def listed_areas(municipality_obj):
    """The areas with statistics of their own: those residents choose from (queries.py)."""
    from nara.core.queries import resident_areas

    return resident_areas().filter(municipality=municipality_obj)


def _centre_ids(municipality_obj):
    return list(
        Center.objects.filter(municipality=municipality_obj, is_published=True).values_list(
            "pk", flat=True
        )
    )


def published(municipality_obj, year, *, day=None):
    """The published tables for the year, from the cache when fresh enough (see above)."""
    key = f"nara:open-statistics:{VERSION}:{municipality_obj.pk}:{year}"
    period = settings.NARA_OPEN_STATISTICS_SECONDS
    stamp = int(time.time() // period) if period > 0 else time.time()
    entry = cache.get(key)
    if entry is not None and entry["stamp"] == stamp:
        return entry["data"]
    if entry is not None and not cache.add(f"{key}:busy", 1, timeout=60):
        return entry["data"]  # another worker is recomputing: the previous figures meanwhile
    data = build(municipality_obj, year, day=day)
    cache.set(key, {"stamp": stamp, "data": data}, timeout=max(period * 20, 3600))
    cache.delete(f"{key}:busy")
    return data


# Reading the counts: one aggregate query per measure and unit kind -----------------------


def _monthly(rows, unit_field, fields):
    """{(unit, month): {field: n}} from a grouped queryset."""
    grouped = rows.values(unit_field, "month").annotate(**{f: Sum(f) for f in fields}).order_by()
    return {(row[unit_field], row["month"]): row for row in grouped}


def _counts(centre_ids, area_ids, months):
    db = reporting_alias()
    period = {"month__in": months, "center_id__in": centre_ids}
    counts = {}  # (measure, unit, month) → n

    def put(measure, unit, month, n):
        if unit is not None:
            key = (measure, unit, month)
            counts[key] = counts.get(key, 0) + int(n or 0)

    def area_unit(area_id):
        return ("area", area_id) if area_id in area_ids else ("area", OTHER)

    totals = slices(ContactSlice, using=db).filter(**period)
    for (centre, month), row in _monthly(totals, "center_id", ["contacts"]).items():
        put("contacts", ("centre", centre), month, row["contacts"])
    by_area = slices(ContactSlice, "area", using=db).filter(**period)
    for (area, month), row in _monthly(by_area, "area_id", ["contacts"]).items():
        put("contacts", area_unit(area), month, row["contacts"])

    offers = {
        "center_id": slices(OfferSlice, using=db).filter(**period),
        "area_id": slices(OfferSlice, "area", using=db).filter(**period),
    }
    for field, unit_of in (("center_id", lambda i: ("centre", i)), ("area_id", area_unit)):
        grouped = _monthly(offers[field], field, ["accepted", "declined"])
        for (unit, month), row in grouped.items():
            put("accepted", unit_of(unit), month, row["accepted"])
            put("declined", unit_of(unit), month, row["declined"])
            put("answered", unit_of(unit), month, row["accepted"] + row["declined"])

    bookings = BookingRollup.objects.using(db).filter(**period)
    for (centre, month), row in _monthly(bookings, "center_id", ["attended", "no_show"]).items():
        put("attended", ("centre", centre), month, row["attended"])
        put("no_show", ("centre", centre), month, row["no_show"])
        put("visits", ("centre", centre), month, row["attended"] + row["no_show"])

    tallies = (
        VisitFeedbackTally.objects.using(db)
        .filter(month__in=months, center_id__in=centre_ids)
        .values("center_id", "month", "question", "answer")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in tallies:
        unit = ("centre", row["center_id"])
        kind = "yes" if row["answer"] == FeedbackAnswer.YES else "other"
        put(f"{kind}_{row['question']}", unit, row["month"], row["n"])
        if row["question"] == QUESTIONS[0]:  # every answer answers each question once
            put("feedback", unit, row["month"], row["n"])
    return counts


def _reach(centre_ids, area_ids, months):
    """People reached, COUNT(DISTINCT person) on the raw contacts: per month and for the
    months together, for the municipality, each centre and each area (not "other")."""
    if not months:
        return {}
    rows = Contact.objects.using(reporting_alias()).filter(
        center_id__in=centre_ids,
        occurred_on__gte=months[0],
        occurred_on__lt=_next_month(months[-1]),
    )
    in_areas = rows.filter(area_id__in=area_ids, area_outside=False)
    people = Count("person", distinct=True)
    reach = {}
    by_month = rows.annotate(month=TruncMonth("occurred_on"))
    for row in by_month.values("month").annotate(n=people).order_by():
        reach[(MUNICIPALITY, _as_date(row["month"]))] = row["n"]
    reach[(MUNICIPALITY, YEAR)] = rows.aggregate(n=people)["n"]
    for field, kind, source in (("center_id", "centre", rows), ("area_id", "area", in_areas)):
        monthly = source.annotate(month=TruncMonth("occurred_on"))
        for row in monthly.values(field, "month").annotate(n=people).order_by():
            reach[((kind, row[field]), _as_date(row["month"]))] = row["n"]
        for row in source.values(field).annotate(n=people).order_by():
            reach[((kind, row[field]), YEAR)] = row["n"]
    return reach


def _as_date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def _next_month(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# Building the published tables ------------------------------------------------------------


def build(municipality_obj, year, *, day=None):
    """The published figures of `year` (see the module's docstring), uncached."""
    months = months_of(year, day)
    centre_ids = _centre_ids(municipality_obj)
    area_ids = list(listed_areas(municipality_obj).values_list("pk", flat=True))
    centres = [("centre", pk) for pk in centre_ids]
    areas = [("area", pk) for pk in area_ids] + [("area", OTHER)]
    counts = _counts(centre_ids, set(area_ids), months) if centre_ids else {}

    values, groups, totals = {}, [], {}
    for measure in EVERY_UNIT + CENTRE_ONLY:
        partitions = [centres, areas] if measure in EVERY_UNIT else [centres]
        units = [MUNICIPALITY] + [u for partition in partitions for u in partition]
        for month in months:
            for unit in units[1:]:
                values[(measure, unit, month)] = counts.get((measure, unit, month), 0)
            values[(measure, MUNICIPALITY, month)] = sum(
                values[(measure, unit, month)] for unit in centres
            )
            for partition in partitions:
                groups.append(
                    ((measure, MUNICIPALITY, month), [(measure, u, month) for u in partition])
                )
        for unit in units:
            totals[(measure, unit, YEAR)] = [(measure, unit, month) for month in months]
    for unit in [MUNICIPALITY] + centres + areas:
        for m in months:
            groups.append((("answered", unit, m), [("accepted", unit, m), ("declined", unit, m)]))
    for unit in [MUNICIPALITY] + centres:
        for m in months:
            groups.append((("visits", unit, m), [("attended", unit, m), ("no_show", unit, m)]))
            for q in QUESTIONS:
                parts = [(f"yes_{q}", unit, m), (f"other_{q}", unit, m)]
                groups.append((("feedback", unit, m), parts))

    figures = suppression.suppress(values, groups, totals=totals)
    reach = _reach(centre_ids, set(area_ids), months)
    tables = {}
    for unit in [MUNICIPALITY] + centres + areas:
        tables[unit] = (
            [_row(figures, reach, unit, period) for period in [*months, YEAR]] if months else []
        )
    return {"year": year, "months": months, "complete": len(months) == 12, "tables": tables}


def _row(figures, reach, unit, period):
    def fig(measure):
        return figures.get((measure, unit, period))

    row = {
        "period": period,
        "contacts": fig("contacts"),
        "people": None,
        "answered": fig("answered"),
        "accepted": fig("accepted"),
        "declined": fig("declined"),
        "acceptance": rate(fig("accepted"), fig("answered")),
    }
    if unit != ("area", OTHER):
        row["people"] = unique_count(reach.get((unit, period), 0), row["contacts"])
    if fig("visits") is not None:
        row |= {
            "visits": fig("visits"),
            "attended": fig("attended"),
            "no_show": fig("no_show"),
            "no_show_rate": rate(fig("no_show"), fig("visits")),
            "feedback": fig("feedback"),
            "feedback_yes": {
                q: {"yes": fig(f"yes_{q}"), "share": rate(fig(f"yes_{q}"), fig("feedback"))}
                for q in QUESTIONS
            },
        }
    return row
