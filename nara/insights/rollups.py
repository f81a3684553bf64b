"""Keeping the rollups (models.py) equal to the raw rows.

**Deltas, in the writer's transaction.** Every action that writes a rolled-up row calls one of
the hooks below inside its own `transaction.atomic()`: the row's entries before the change are
subtracted and its entries after are added, in one upsert per rollup table:

    INSERT INTO t (key…, measure…) VALUES (…), (…)
    ON CONFLICT (key…) DO UPDATE SET measure = t.measure + excluded.measure, …

The addition happens inside the database under the row lock, so concurrent writers on
PostgreSQL never lose an update (SQLite serialises writers anyway). A change of an existing raw
row computes its "before" from the row locked with SELECT … FOR UPDATE in the same
transaction, so two writers changing the same appointment or offer cannot both subtract the
same state. The cost is one statement per table touched (a contact with an offer: two).

**Rebuild.** `rollups_rebuild.rebuild()` (manage.py rebuild_rollups) recomputes whole months
from the raw rows with INSERT … SELECT … GROUP BY in the database: no raw row is loaded into
Python. On PostgreSQL it first takes an EXCLUSIVE lock on the rollup table, so writers wait
until the rebuilt rows are committed and then add their deltas on top.

**Purges do not subtract.** The rollups are aggregate, not personal data: when the retention
purge deletes old contacts, offers or escalations, their counts stay in the rollups, and the
purge records how far it went (PurgeMark: the day after the newest row it deleted). A rebuild
leaves every month that starts before that mark as it is, because its raw rows are no longer
complete; it recomputes only from the first complete month on (or, with
`respect_purges=False`, for rows that were never purged: new centres from the generator).
Appointments are never deleted by the purge (only stripped of contact details) and whether a
reminder went out is kept on the appointment, so bookings can always be rebuilt.

**Read replica.** The hooks and the rebuild run in a transaction on default (the writer's or
their own), so the router (routers.py) reads their rollups and purge marks on default too,
never on the replica.
"""

import datetime as dt
import zoneinfo
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.db.models import F, Max, Min, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .models import (
    ALL_TOPICS,
    KEY_AREA_NOT_STATED,
    KEY_AREA_OUTSIDE,
    QUICK_DAYS,
    REACH_KINDS,
    TOTAL,
    BookingRollup,
    ContactRollup,
    ContactSlice,
    EscalationRollup,
    FirstStepsRollup,
    OfferRollup,
    OfferSlice,
    PurgeMark,
    ReachRollup,
)

ROLLUPS = (
    ContactRollup,
    ContactSlice,
    OfferRollup,
    OfferSlice,
    BookingRollup,
    EscalationRollup,
    ReachRollup,
    FirstStepsRollup,
)
# A rebuild's working memory per sort or hash on PostgreSQL (a rare job, the default is 4MB).
# Which raw rows each rollup is built from, as named in PurgeMark (bookings: never purged).
PURGE_SOURCE = {
    ContactRollup: "contacts",
    ContactSlice: "contacts",
    ReachRollup: "contacts",
    FirstStepsRollup: "contacts",
    OfferRollup: "offers",
    OfferSlice: "offers",
    EscalationRollup: "escalations",
}


def month_of(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def reporting_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# Entries: what one raw row contributes, as {(model, key): measures} -----------------------


def _area_key(area_id, area_outside):
    if area_outside:
        return KEY_AREA_OUTSIDE
    return area_id or KEY_AREA_NOT_STATED


def _with_topics(model, base_key, topic_index, topics, measures):
    keys = [base_key]
    for topic in dict.fromkeys(topics or ()):
        key = list(base_key)
        key[topic_index] = topic
        keys.append(tuple(key))
    return {(model, key): measures for key in keys}


def _slices(model, month, center_id, values, topics, measures):
    """The slice rows of one contact or offer: the total, one per dimension value, and one
    per topic."""
    pairs = [(TOTAL, TOTAL)] + [(d, str(values[d])) for d in model.DIMENSIONS if d != "topic"]
    pairs += [("topic", topic) for topic in dict.fromkeys(topics or ())]
    return {(model, (d, v, month, center_id)): measures for d, v in pairs}


def contact_entries(contact):
    """A contact: the cube's topic-free total and one row per topic, and its slices."""
    month = month_of(contact.occurred_on)
    values = {
        "area": _area_key(contact.area_id, contact.area_outside),
        "age_band": contact.age_band,
        "channel": contact.channel,
        "language": contact.language or "",
    }
    key = (
        month,
        contact.center_id,
        values["area"],
        ALL_TOPICS,
        values["age_band"],
        values["channel"],
        values["language"],
    )
    measures = (
        1,
        int(bool(contact.first_contact)),
        int(contact.previously_known == "yes"),
        int(contact.previously_known == "no"),
        int(bool(contact.interpreter_used)),
        int(contact.gender == "female"),
        int(contact.gender == "male"),
        int(contact.gender == "other"),
    )
    return _with_topics(ContactRollup, key, 3, contact.topics, measures) | _slices(
        ContactSlice, month, contact.center_id, values, contact.topics, measures
    )


def offer_entries(offer, contact):
    """An offer in the month it was made, under its contact's area, topics, age and channel."""
    month = month_of(offer.offered_on)
    values = {
        "area": _area_key(contact.area_id, contact.area_outside),
        "age_band": contact.age_band,
        "channel": contact.channel,
    }
    key = (
        month,
        offer.center_id,
        offer.service_id,
        values["area"],
        ALL_TOPICS,
        values["age_band"],
        values["channel"],
    )
    measures = (
        1,
        int(offer.answer != "no_answer"),
        int(offer.answer == "accepted"),
        int(offer.answer == "declined"),
        int(offer.answer == "thinking"),
        int(offer.started_on is not None),
        int(offer.outcome == "completed"),
        int(offer.outcome == "ended_early"),
        int(offer.outcome == "referred_on"),
    )
    return _with_topics(OfferRollup, key, 4, contact.topics, measures) | _slices(
        OfferSlice, month, offer.center_id, values, contact.topics, measures
    )


def booking_entries(*, center_id, starts_at, reminder_sent, status):
    month = month_of(timezone.localtime(starts_at, reporting_zone()).date())
    measures = (
        1,
        int(status == "attended"),
        int(status == "no_show"),
        int(status == "cancelled_resident"),
        int(status == "cancelled_centre"),
    )
    return {(BookingRollup, (month, center_id, bool(reminder_sent))): measures}


def escalation_entries(escalation):
    key = (month_of(escalation.made_on), escalation.center_id, escalation.kind, escalation.reason)
    return {(EscalationRollup, key): (1,)}


# Applying deltas ---------------------------------------------------------------------------


def apply(before=None, after=None):
    """Subtract the `before` entries and add the `after` entries, one upsert per table."""
    delta = {}
    for entries, sign in ((before or {}, -1), (after or {}, 1)):
        for target, measures in entries.items():
            current = delta.setdefault(target, [0] * len(measures))
            for i, value in enumerate(measures):
                current[i] += sign * value
    by_model = {}
    for (model, key), measures in delta.items():
        if any(measures):
            by_model.setdefault(model, []).append((key, measures))
    for model, rows in by_model.items():
        _upsert(model, rows)


def _upsert(model, rows):
    # SQL is built from model metadata only (table and column names); every value is a parameter.
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = model.KEY + model.MEASURES
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
        f"VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT ({', '.join(q(c) for c in model.KEY)}) DO UPDATE SET "
        + ", ".join(f"{q(m)} = {table}.{q(m)} + excluded.{q(m)}" for m in model.MEASURES)
    )
    params = [value for key, measures in rows for value in (*key, *measures)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Hooks the write actions call inside their transaction -------------------------------------


def contact_created(contact):
    apply(after=contact_entries(contact) | first_steps_entries([contact]))
    _reach_contact_created(contact)


def first_steps_entries(contacts):
    """What first contacts add to FirstStepsRollup, from the dates stored on them (objects or
    dicts with occurred_on, center_id, first_contact, person_id, alias_id, first_offer_on and
    first_meeting_on). Contacts that cannot be followed add nothing."""
    entries = {}
    for row in contacts:
        row = row if isinstance(row, dict) else vars(row)
        if not row["first_contact"] or (row["person_id"] is None and row["alias_id"] is None):
            continue
        measures = [1]
        for step in (row["first_offer_on"], row["first_meeting_on"]):
            days = None if step is None else (step - row["occurred_on"]).days
            measures += [0, 0, 0] if days is None else [1, days, int(days <= QUICK_DAYS)]
        key = (FirstStepsRollup, (month_of(row["occurred_on"]), row["center_id"]))
        entries[key] = [a + b for a, b in zip(entries.get(key, [0] * 7), measures, strict=True)]
    return {key: tuple(measures) for key, measures in entries.items()}


# Reach: first appearances in the year (models.ReachRollup) ---------------------------------


def _reach_entries(kind, firsts):
    """{(ReachRollup, key): (n,)} from a Counter of first appearances by (month, centre)."""
    return {
        (ReachRollup, (month, center_id, kind)): (n,) for (month, center_id), n in firsts.items()
    }


def _reach_contact_created(contact):
    """The new contact is its subject's first of the year at the centre, or it moves the first
    appearance to an earlier month, or it changes nothing: one query per subject it names."""
    from nara.core.models import Contact

    year = contact.occurred_on.year
    in_year = Q(occurred_on__gte=dt.date(year, 1, 1), occurred_on__lt=dt.date(year + 1, 1, 1))
    for kind, column in REACH_KINDS.items():
        subject = getattr(contact, column)
        if subject is None:
            continue
        before = Contact.objects.filter(
            in_year, ~Q(pk=contact.pk), center_id=contact.center_id, **{column: subject}
        ).aggregate(first=Min("occurred_on"))["first"]
        new, old = month_of(contact.occurred_on), before and month_of(before)
        if old is not None and old <= new:
            continue
        moved = Counter({(new, contact.center_id): 1})
        apply(
            before=_reach_entries(kind, Counter({(old, contact.center_id): 1}) if old else {}),
            after=_reach_entries(kind, moved),
        )


def _first_appearances(kind, subject_ids):
    """Counter {(month, centre): subjects} of these subjects' first contact in each year."""
    from nara.core.models import Contact

    column = REACH_KINDS[kind]
    firsts = (
        Contact.objects.filter(**{f"{column}__in": list(subject_ids)})
        .values(column, "center_id", year=ExtractYear("occurred_on"))
        .annotate(first=Min("occurred_on"))
        .order_by()
    )
    return Counter((month_of(row["first"]), row["center_id"]) for row in firsts)


@contextmanager
def reach_kept(**subjects):
    """Around a change of which contacts name these subjects (`people=[ids]`,
    `households=…`, `aliases=…`): their first appearances are read before and after, and the
    difference is applied. For the rare bulk changes (linking or unlinking an alias)."""
    subjects = {kind: [pk for pk in ids if pk is not None] for kind, ids in subjects.items()}
    before = {kind: _first_appearances(kind, ids) for kind, ids in subjects.items() if ids}
    yield
    for kind, firsts in before.items():
        after = _first_appearances(kind, subjects[kind])
        apply(before=_reach_entries(kind, firsts), after=_reach_entries(kind, after))


def offer_created(offer, contact):
    apply(after=offer_entries(offer, contact))


def offer_changed(before, offer, contact):
    """`before`: offer_entries of the offer as locked before the change."""
    apply(before=before, after=offer_entries(offer, contact))


def escalation_created(escalation):
    apply(after=escalation_entries(escalation))


def locked_booking(appointment_id):
    """The appointment's rolled-up state, its row locked until the transaction ends."""
    from nara.core.models import Appointment

    return (
        Appointment.objects.select_for_update(of=("self",))
        .filter(pk=appointment_id)
        .values("center_id", "status", "reminder_sent", starts_at=F("slot__starts_at"))
        .get()
    )


def booking_changed(before, **after):
    """`before`: locked_booking() taken before the change; `after`: the fields that changed."""
    apply(before=booking_entries(**before), after=booking_entries(**{**before, **after}))


def booking_created(appointment):
    apply(
        after=booking_entries(
            center_id=appointment.center_id,
            starts_at=appointment.slot.starts_at,
            reminder_sent=appointment.reminder_sent,
            status=appointment.status,
        )
    )


def reminder_sent(appointment_id):
    """A visit reminder went out: the first one moves the visit to "with a reminder"."""
    from nara.core.models import Appointment

    flipped = Appointment.objects.filter(pk=appointment_id, reminder_sent=False).update(
        reminder_sent=True
    )
    if flipped:  # the UPDATE holds the row: the state read now is the one being changed
        before = locked_booking(appointment_id)
        before["reminder_sent"] = False
        booking_changed(before, reminder_sent=True)


def mark_purged(source, rows):
    """The purge is about to delete `rows` (a queryset of `source`): remember the day after
    the newest row's date, so that rebuilds keep the counts of the months it touches."""
    field = {"contacts": "occurred_on", "offers": "offered_on", "escalations": "made_on"}[source]
    newest = rows.aggregate(newest=Max(field))["newest"]
    if newest is None:
        return
    before = newest + dt.timedelta(days=1)
    mark, created = PurgeMark.objects.select_for_update().get_or_create(
        source=source, defaults={"before": before}
    )
    if not created and mark.before < before:
        mark.before = before
        mark.save(update_fields=["before"])


def forget_centres(center_ids):
    """Drop every rollup row of centres that are being deleted outright (the demo's reset)."""
    ids = list(center_ids)
    for model in ROLLUPS:
        model.objects.filter(center_id__in=ids).delete()


# Rebuild -----------------------------------------------------------------------------------


def first_complete_month(model):
    """The first month whose raw rows the purge has not touched, or None (nothing purged)."""
    source = PURGE_SOURCE.get(model)
    mark = PurgeMark.objects.filter(source=source).first() if source else None
    if mark is None:
        return None
    return mark.before if mark.before.day == 1 else next_month(month_of(mark.before))
