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

**Rebuild.** `rebuild()` (manage.py rebuild_rollups) recomputes whole months from the raw rows
with INSERT … SELECT … GROUP BY in the database: no raw row is loaded into Python. On
PostgreSQL it first takes an EXCLUSIVE lock on the rollup table, so writers wait until the
rebuilt rows are committed and then add their deltas on top.

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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import (
    ALL_TOPICS,
    KEY_AREA_NOT_STATED,
    KEY_AREA_OUTSIDE,
    BookingRollup,
    ContactRollup,
    EscalationRollup,
    OfferRollup,
    PurgeMark,
)

ROLLUPS = (ContactRollup, OfferRollup, BookingRollup, EscalationRollup)
# A rebuild's working memory per sort or hash on PostgreSQL (a rare job, the default is 4MB).
REBUILD_WORK_MEM = "256MB"
# Which raw rows each rollup is built from, as named in PurgeMark (bookings: never purged).
PURGE_SOURCE = {ContactRollup: "contacts", OfferRollup: "offers", EscalationRollup: "escalations"}


def month_of(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _zone():
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


def contact_entries(contact):
    """A contact: the topic-free total and one row per topic."""
    key = (
        month_of(contact.occurred_on),
        contact.center_id,
        _area_key(contact.area_id, contact.area_outside),
        ALL_TOPICS,
        contact.age_band,
        contact.channel,
        contact.language or "",
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
    return _with_topics(ContactRollup, key, 3, contact.topics, measures)


def offer_entries(offer, contact):
    """An offer in the month it was made, under its contact's area, topics, age and channel."""
    key = (
        month_of(offer.offered_on),
        offer.center_id,
        offer.service_id,
        _area_key(contact.area_id, contact.area_outside),
        ALL_TOPICS,
        contact.age_band,
        contact.channel,
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
    return _with_topics(OfferRollup, key, 4, contact.topics, measures)


def booking_entries(*, center_id, starts_at, reminder_sent, status):
    month = month_of(timezone.localtime(starts_at, _zone()).date())
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
    apply(after=contact_entries(contact))


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


def rebuild(*, start=None, end=None, centers=None, respect_purges=True, models=ROLLUPS):
    """Recompute the rollups for the months from `start` to `end` (dates, inclusive, rounded
    out to whole months; None = open) and the given centre ids (None = all).

    Months before a purge mark are skipped unless `respect_purges` is False. Returns, per
    rollup, the first month rebuilt (None = from the beginning), the first month after the
    range (None = open), the months kept because of a purge, and the rows written."""
    start = month_of(start) if start else None
    stop = next_month(month_of(end)) if end else None
    report = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Group and sort millions of contacts in memory rather than in temporary files.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
        for model in models:
            first = start
            kept_before = first_complete_month(model) if respect_purges else None
            if kept_before and (first is None or first < kept_before):
                first = kept_before
            if stop is not None and first is not None and first >= stop:
                report[model.__name__] = {"from": first, "to": stop, "kept_before": kept_before}
                report[model.__name__]["rows"] = 0
                continue
            _lock(model)
            _delete(model, first, stop, centers)
            rows = BUILDERS[model](first, stop, centers)
            report[model.__name__] = {
                "from": first,
                "to": stop,
                "kept_before": kept_before,
                "rows": rows,
            }
    return report


def _lock(model):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _delete(model, first, stop, centers):
    rows = model.objects.all()
    if first is not None:
        rows = rows.filter(month__gte=first)
    if stop is not None:
        rows = rows.filter(month__lt=stop)
    if centers is not None:
        rows = rows.filter(center_id__in=list(centers))
    rows.delete()  # no relations, no signals: one DELETE statement


def _where(date_column, center_column, first, stop, centers):
    clauses, params = [], []
    if first is not None:
        clauses.append(f"{date_column} >= %s")
        params.append(first)
    if stop is not None:
        clauses.append(f"{date_column} < %s")
        params.append(stop)
    if centers is not None:
        ids = [int(pk) for pk in centers] or [0]
        clauses.append(f"{center_column} IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _month_sql(column):
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _topics_join(column):
    """(join clause, topic expression) exploding a JSON list of topics into rows."""
    if connection.vendor == "postgresql":
        return f"CROSS JOIN LATERAL jsonb_array_elements_text({column}) AS t(topic)", "t.topic"
    return f"JOIN json_each({column}) AS t", "t.value"


def _flag(expression):
    return f"SUM(CASE WHEN {expression} THEN 1 ELSE 0 END)"


AREA_SQL = (
    f"CASE WHEN c.area_outside THEN {KEY_AREA_OUTSIDE} "
    f"ELSE COALESCE(c.area_id, {KEY_AREA_NOT_STATED}) END"
)


def _insert_grouped(model, select_keys, measures, source, where, params):
    """INSERT INTO model (KEY, MEASURES) SELECT … GROUP BY the key expressions: once for the
    topic-free total and once per topic."""
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(c) for c in model.KEY + model.MEASURES)
    written = 0
    join, topic = _topics_join("c.topics")
    for topic_sql, join_sql in ((f"'{ALL_TOPICS}'", ""), (topic, join)):
        keys = [topic_sql if k == "topic" else select_keys[k] for k in model.KEY]
        grouped = [expr for k, expr in zip(model.KEY, keys, strict=True) if k != "topic"]
        if join_sql:
            grouped.append(topic)
        # In the unique key's order: the index grows at its end instead of at random pages.
        in_key_order = ", ".join(str(n) for n in range(1, len(model.KEY) + 1))
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {', '.join(keys + measures)} "  # noqa: S608
            f"FROM {source} {join_sql}{where} GROUP BY {', '.join(grouped)} "
            f"ORDER BY {in_key_order}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written


def _build_contacts(first, stop, centers):
    where, params = _where("c.occurred_on", "c.center_id", first, stop, centers)
    keys = {
        "month": _month_sql("c.occurred_on"),
        "center_id": "c.center_id",
        "area_id": AREA_SQL,
        "age_band": "c.age_band",
        "channel": "c.channel",
        "language": "c.language",
    }
    measures = [
        "COUNT(*)",
        _flag("c.first_contact"),
        _flag("c.previously_known = 'yes'"),
        _flag("c.previously_known = 'no'"),
        _flag("c.interpreter_used"),
        _flag("c.gender = 'female'"),
        _flag("c.gender = 'male'"),
        _flag("c.gender = 'other'"),
    ]
    return _insert_grouped(ContactRollup, keys, measures, "core_contact c", where, params)


def _build_offers(first, stop, centers):
    where, params = _where("o.offered_on", "o.center_id", first, stop, centers)
    keys = {
        "month": _month_sql("o.offered_on"),
        "center_id": "o.center_id",
        "service_id": "o.service_id",
        "area_id": AREA_SQL,
        "age_band": "c.age_band",
        "channel": "c.channel",
    }
    measures = [
        "COUNT(*)",
        _flag("o.answer <> 'no_answer'"),
        _flag("o.answer = 'accepted'"),
        _flag("o.answer = 'declined'"),
        _flag("o.answer = 'thinking'"),
        _flag("o.started_on IS NOT NULL"),
        _flag("o.outcome = 'completed'"),
        _flag("o.outcome = 'ended_early'"),
        _flag("o.outcome = 'referred_on'"),
    ]
    source = "core_supportoffer o JOIN core_contact c ON c.id = o.contact_id"
    return _insert_grouped(OfferRollup, keys, measures, source, where, params)


def _insert_from_queryset(model, queryset, month_alias):
    """INSERT … SELECT over an ORM GROUP BY whose aliases are the rollup's columns."""
    q = connection.ops.quote_name
    sql, params = queryset.query.sql_with_params()
    month = f"CAST(sub.{q(month_alias)} AS date)"
    if connection.vendor == "sqlite":
        month = f"date(sub.{q(month_alias)})"
    selected = [month] + [f"sub.{q('k_' + c)}" for c in model.KEY[1:] + model.MEASURES]
    columns = ", ".join(q(c) for c in model.KEY + model.MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM ({sql}) sub",
            params,
        )
        return max(cursor.rowcount, 0)


def _local_start(month):
    return dt.datetime.combine(month, dt.time(), tzinfo=_zone())


def _build_bookings(first, stop, centers):
    from nara.core.models import Appointment

    rows = Appointment.objects.all()
    if first is not None:
        rows = rows.filter(slot__starts_at__gte=_local_start(first))
    if stop is not None:
        rows = rows.filter(slot__starts_at__lt=_local_start(stop))
    if centers is not None:
        rows = rows.filter(center_id__in=list(centers))
    grouped = (
        rows.annotate(
            k_month=TruncMonth("slot__starts_at", tzinfo=_zone()),
            k_center_id=F("center_id"),
            k_reminder_sent=F("reminder_sent"),
        )
        .values("k_month", "k_center_id", "k_reminder_sent")
        .annotate(
            k_booked=Count("pk"),
            **{
                f"k_{status}": Count("pk", filter=Q(status=status))
                for status in ("attended", "no_show")
            },
            k_cancelled_resident=Count("pk", filter=Q(status="cancelled_resident")),
            k_cancelled_centre=Count("pk", filter=Q(status="cancelled_centre")),
        )
        .order_by()
    )
    return _insert_from_queryset(BookingRollup, grouped, "k_month")


def _build_escalations(first, stop, centers):
    from nara.core.models import Escalation

    rows = Escalation.objects.all()
    if first is not None:
        rows = rows.filter(made_on__gte=first)
    if stop is not None:
        rows = rows.filter(made_on__lt=stop)
    if centers is not None:
        rows = rows.filter(center_id__in=list(centers))
    grouped = (
        rows.annotate(
            k_month=TruncMonth("made_on"),
            k_center_id=F("center_id"),
            k_kind=F("kind"),
            k_reason=F("reason"),
        )
        .values("k_month", "k_center_id", "k_kind", "k_reason")
        .annotate(k_escalations=Count("pk"))
        .order_by()
    )
    return _insert_from_queryset(EscalationRollup, grouped, "k_month")


BUILDERS = {
    ContactRollup: _build_contacts,
    OfferRollup: _build_offers,
    BookingRollup: _build_bookings,
    EscalationRollup: _build_escalations,
}


def computed(model, *, start=None):
    """What a rebuild would write for `model`, as {key: measures} without the all-zero rows,
    read in a rolled-back savepoint (for checks and tests; nothing is kept)."""
    with transaction.atomic():
        rebuild(start=start, respect_purges=False, models=[model])
        result = stored(model, since=month_of(start) if start else None)
        transaction.set_rollback(True)
    return result


def stored(model, *, since=None):
    """The rollup as stored: {key: measures}, rows whose measures are all 0 left out."""
    rows = model.objects.all()
    if since is not None:
        rows = rows.filter(month__gte=since)
    return {
        tuple(row[k] for k in model.KEY): tuple(row[m] for m in model.MEASURES)
        for row in rows.values(*model.KEY, *model.MEASURES)
        if any(row[m] for m in model.MEASURES)
    }
