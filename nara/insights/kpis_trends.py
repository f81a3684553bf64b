"""Figures month by month, for the trend charts, the month table and the Kolada export: one
GROUP BY month per rollup (contacts, offers, bookings, escalations), never a loop over rows.

`monthly(filters)` answers every month of the period, with zeros where nothing happened, so a
chart's line and the table have a point for every month."""

import datetime as dt

from django.db.models import Sum

from .kpis import Filters, _rows, rate
from .models import BookingRollup, ContactRollup, EscalationRollup, OfferRollup
from .rollups import month_of, next_month

CONTACT_MEASURES = ("contacts", "first_contacts", "female", "male", "known_yes", "known_no")
OFFER_MEASURES = ("offered", "accepted", "declined")
BOOKING_MEASURES = ("booked", "attended", "no_show")


def months_between(first, last):
    """Every first-of-month from `first` to `last` (inclusive)."""
    months, month = [], month_of(first)
    while month <= month_of(last):
        months.append(month)
        month = next_month(month)
    return months


def year_before(month):
    return month.replace(year=month.year - 1)


def _grouped(model, filters, measures):
    rows = (
        _rows(model, filters, group="month")
        .values("month")
        .annotate(**{m: Sum(m) for m in measures})
    )
    return {row["month"]: row for row in rows.order_by("month")}


def monthly(filters):
    """[{month, contacts, first_contacts, female, male, previously_unknown_share, offered,
    accepted, acceptance_rate, booked, attended, no_show, no_show_rate, escalations}] for
    every month of the period (the period must have a start and an end)."""
    contacts = _grouped(ContactRollup, filters, CONTACT_MEASURES)
    offers = _grouped(OfferRollup, filters, OFFER_MEASURES)
    bookings = _grouped(BookingRollup, filters, BOOKING_MEASURES)
    escalations = _grouped(EscalationRollup, filters, ("escalations",))
    result = []
    for month in months_between(filters.start, filters.end):
        c = {m: int(contacts.get(month, {}).get(m) or 0) for m in CONTACT_MEASURES}
        o = {m: int(offers.get(month, {}).get(m) or 0) for m in OFFER_MEASURES}
        b = {m: int(bookings.get(month, {}).get(m) or 0) for m in BOOKING_MEASURES}
        result.append(
            {
                "month": month,
                **c,
                "previously_unknown_share": rate(c["known_no"], c["known_yes"] + c["known_no"]),
                **o,
                "acceptance_rate": rate(o["accepted"], o["accepted"] + o["declined"]),
                **b,
                "no_show_rate": rate(b["no_show"], b["attended"] + b["no_show"]),
                "escalations": int(escalations.get(month, {}).get("escalations") or 0),
            }
        )
    return result


def this_year_and_last(filters):
    """(this period's months, the same months a year earlier): two `monthly` answers of equal
    length, read in one pass over the two years."""
    earlier = Filters(**{**filters.__dict__, "start": year_before(month_of(filters.start))})
    both = {row["month"]: row for row in monthly(earlier)}
    months = months_between(filters.start, filters.end)
    return [both[m] for m in months], [both[year_before(m)] for m in months]


def period_months(filters, today=None):
    """The number of months of the period up to and including the current month."""
    today = today or dt.date.today()
    last = min(month_of(filters.end), month_of(today))
    return len(months_between(filters.start, last)) if month_of(filters.start) <= last else 0
