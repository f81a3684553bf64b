"""Referrals, outreach, group attendance and the time to the first offer and first meeting.

These read raw rows (there is no rollup for them): referrals, outreach shifts and group
sessions are few next to contacts, and the time to a first step looks only at the period's
first contacts. Every figure is one aggregate query on the reporting database (the read replica
when there is one), never a loop over rows. Like bookings, each says which of the given filters
it could not apply (`not_filtered_by`).
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import connections
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)

from .db import reporting_alias
from .kpis import CUTS, Filters, _period_and_centres, _with_topic, rate
from .models import KEY_AREA_NOT_STATED, KEY_AREA_OUTSIDE, QUICK_DAYS, FirstStepsRollup
from .rollups import first_complete_month

EVERYTHING = Filters()


# Referral statuses at or after each step of the funnel (a referral that went on has passed
# the earlier steps, whether or not each was recorded).
ACCEPTED_OR_LATER = (
    "accepted",
    "contact_made",
    "no_contact",
    "help_started",
    "completed",
    "ended_early",
)
CONTACT_OR_LATER = ("contact_made", "help_started", "completed", "ended_early")
HELP_OR_LATER = ("help_started", "completed", "ended_early")


def _given(filters, *cuts):
    return [cut for cut in cuts if getattr(filters, cut) not in (None, "")]


def _local_start(day):
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _in_period(rows, field, filters, *, datetime=False):
    convert = _local_start if datetime else (lambda day: day)
    if filters.first_month:
        rows = rows.filter(**{f"{field}__gte": convert(filters.first_month)})
    if filters.stop_month:
        rows = rows.filter(**{f"{field}__lt": convert(filters.stop_month)})
    return rows


def _centres(rows, field, filters):
    if filters.centers is not None:
        rows = rows.filter(**{f"{field}__in": list(filters.centers)})
    return rows


# Referrals ---------------------------------------------------------------------------------


def referral_funnel(filters=EVERYTHING):
    """Referrals made in the period (by the day they were sent), outgoing and incoming: how many
    reached acceptance, contact made and help started (a later status counts as having passed
    the earlier steps). Declined, withdrawn and still open referrals stop where they are.
    Cut by period, centre and topic (a referral has no area, age band or channel)."""
    from nara.core.models import Referral, ReferralEvent

    rows = _centres(Referral.objects.using(reporting_alias()), "center_id", filters)
    rows = _in_period(rows, "created_at", filters, datetime=True)
    if filters.topic:
        rows = rows.filter(topic=filters.topic)

    def reached(statuses):
        events = ReferralEvent.objects.filter(referral=OuterRef("pk"), status__in=statuses)
        return Q(status__in=statuses) | Q(Exists(events))

    grouped = (
        rows.values("direction")
        .annotate(
            made=Count("pk"),
            accepted=Count("pk", filter=reached(ACCEPTED_OR_LATER)),
            contact_made=Count("pk", filter=reached(CONTACT_OR_LATER)),
            help_started=Count("pk", filter=reached(HELP_OR_LATER)),
        )
        .order_by("direction")
    )
    empty = {"made": 0, "accepted": 0, "contact_made": 0, "help_started": 0}
    result = {"outgoing": dict(empty), "incoming": dict(empty)}
    for row in grouped:
        result[row.pop("direction")] = row
    for figures in result.values():
        figures["acceptance_rate"] = rate(figures["accepted"], figures["made"])
    result["not_filtered_by"] = _given(filters, "area", "age_band", "channel")
    return result


# Outreach and groups -----------------------------------------------------------------------


def outreach(filters=EVERYTHING):
    """Outreach shifts in the period: shifts, hours, people met, contacts made. Cut by period,
    centre and area (a shift has no age band, channel or single topic)."""
    from nara.core.models import OutreachShift

    rows = _centres(OutreachShift.objects.using(reporting_alias()), "center_id", filters)
    rows = _in_period(rows, "date", filters)
    if filters.area == KEY_AREA_NOT_STATED:
        rows = rows.filter(area__isnull=True)
    elif filters.area == KEY_AREA_OUTSIDE:
        rows = rows.none()
    elif filters.area is not None:
        rows = rows.filter(area_id=filters.area)
    totals = rows.aggregate(
        shifts=Count("pk"), minutes=Sum("minutes"), met=Sum("people_met"), made=Sum("contacts_made")
    )
    return {
        "shifts": totals["shifts"],
        "hours": round((totals["minutes"] or 0) / 60, 1),
        "people_met": totals["met"] or 0,
        "contacts_made": totals["made"] or 0,
        "not_filtered_by": _given(filters, "topic", "age_band", "channel"),
    }


def groups(filters=EVERYTHING):
    """Group sessions that began in the period and have their attendance recorded: sessions,
    attendances (people at a session, summed over sessions) and average per session. Cut by
    period and centre."""
    from nara.core.models import GroupSession

    rows = _centres(GroupSession.objects.using(reporting_alias()), "activity__center_id", filters)
    rows = _in_period(rows, "starts_at", filters, datetime=True).filter(attended__isnull=False)
    totals = rows.aggregate(
        sessions=Count("pk"), attendance=Sum("attended"), groups=Count("activity", distinct=True)
    )
    return {
        "groups": totals["groups"],
        "sessions": totals["sessions"],
        "attendance": totals["attendance"] or 0,
        "per_session": rate(totals["attendance"] or 0, totals["sessions"]),
        "not_filtered_by": _given(filters, "area", "topic", "age_band", "channel"),
    }


# Time to the first offer and the first meeting ---------------------------------------------


def _contacts(filters):
    from nara.core.models import Contact

    alias = reporting_alias()
    rows = _centres(Contact.objects.using(alias), "center_id", filters)
    rows = _in_period(rows, "occurred_on", filters)
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
    return rows


def time_to_first(filters=EVERYTHING):
    """From a first contact with the centre to the first support offer and the first meeting.

    Counted over the period's contacts marked "first contact with this centre" that name a
    person or an alias (anonymous contacts cannot be followed): the first offer is the earliest
    offer made in a contact with the same person (else alias) at the same centre on or after
    that day (the offer's contact names them even when the offer itself records no one); the first
    meeting the earliest contact with them at the centre in person (booked visit, home visit or
    drop-in) on or after that day — which may be the first contact itself (0 days). The two
    dates are kept on the first contact by the write actions (followups.py).
    Reported: people followed, how many had an offer / a meeting, the average days, and how
    many within 14 days. No one followed → no average."""
    totals = _first_steps_rolled_up(filters) or _first_steps_counted(filters)

    def average(total_days, n):
        return round(total_days / n, 1) if n and total_days is not None else None

    return {
        "followed": totals["followed"],
        "offer": {
            "reached": totals["offered"],
            "average_days": average(totals["offer_days"], totals["offered"]),
            "within_14_days": totals["offer_quick"],
        },
        "meeting": {
            "reached": totals["met"],
            "average_days": average(totals["meeting_days"], totals["met"]),
            "within_14_days": totals["meeting_quick"],
        },
    }


def _first_steps_rolled_up(filters):
    """The sums from FirstStepsRollup, or None where it cannot answer: a filter other than
    the centres, or a period that reaches into months the purge has thinned out (the raw rows
    answer those, as for unique reach)."""
    if any(getattr(filters, cut) for cut in CUTS):
        return None
    kept_from = first_complete_month(FirstStepsRollup)
    if kept_from is not None and (filters.first_month is None or filters.first_month < kept_from):
        return None
    rows = _period_and_centres(FirstStepsRollup.objects.using(reporting_alias()), filters)
    totals = rows.aggregate(**{m: Sum(m) for m in FirstStepsRollup.MEASURES})
    return {m: totals[m] or 0 for m in FirstStepsRollup.MEASURES} | {
        "offer_days": totals["offer_days"] if totals["offered"] else None,
        "meeting_days": totals["meeting_days"] if totals["met"] else None,
    }


def _first_steps_counted(filters):
    """The same sums from the first contacts' stored dates (any filter)."""
    rows = _contacts(filters).filter(first_contact=True)
    rows = rows.filter(Q(person__isnull=False) | Q(alias__isnull=False))
    rows = rows.annotate(first_offer=F("first_offer_on"), first_meeting=F("first_meeting_on"))
    quick = dt.timedelta(days=QUICK_DAYS)

    def days(field):
        return ExpressionWrapper(F(field) - F("occurred_on"), output_field=DurationField())

    totals = rows.aggregate(
        # Counting rows by a column of the index (not the id) lets PostgreSQL answer from the
        # covering index alone.
        followed=Count("occurred_on"),
        offered=Count("first_offer"),
        offer_days=Sum(days("first_offer")),
        offer_quick=Count("occurred_on", filter=Q(first_offer__lte=F("occurred_on") + quick)),
        met=Count("first_meeting"),
        meeting_days=Sum(days("first_meeting")),
        meeting_quick=Count("occurred_on", filter=Q(first_meeting__lte=F("occurred_on") + quick)),
    )
    for days in ("offer_days", "meeting_days"):
        if totals[days] is not None:
            totals[days] = totals[days].total_seconds() / 86400
    return totals
