"""Rebuilding the rollups from the raw rows, in the database (see rollups.py for the design).

`rebuild()` (manage.py rebuild_rollups) recomputes whole months with INSERT … SELECT … GROUP BY:
no raw row is loaded into Python. `computed()` and `stored()` compare a rebuild with what the
write actions kept, for checks and tests.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

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
    ReachRollup,
)
from .rollups import ROLLUPS, first_complete_month, month_of, next_month, reporting_zone

REBUILD_WORK_MEM = "256MB"


def rebuild(*, start=None, end=None, centers=None, respect_purges=True, models=ROLLUPS):
    """Recompute the rollups for the months from `start` to `end` (dates, inclusive, rounded
    out to whole months; None = open) and the given centre ids (None = all).

    Months before a purge mark are skipped unless `respect_purges` is False. Returns, per
    rollup, the first month rebuilt (None = from the beginning), the first month after the
    range (None = open), the months kept because of a purge, and the rows written."""
    start = month_of(start) if start else None
    month_stop = next_month(month_of(end)) if end else None
    report = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Group and sort millions of contacts in memory rather than in temporary files.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
        for model in models:
            first, stop = start, month_stop
            kept_before = first_complete_month(model) if respect_purges else None
            if kept_before and (first is None or first < kept_before):
                first = kept_before
            if model is ReachRollup:
                first, stop = _whole_years(first, stop, kept_before)
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


def _whole_years(first, stop, kept_before):
    """First appearances depend on the whole calendar year: rebuild whole years, never one
    whose earlier months the purge has thinned out."""
    if first is not None and first.month != 1:
        down = dt.date(first.year, 1, 1)
        first = down if not kept_before or down >= kept_before else dt.date(first.year + 1, 1, 1)
    if stop is not None and stop.month != 1:
        stop = dt.date(stop.year + 1, 1, 1)
    return first, stop


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


def _insert_slices(model, month_sql, centre_sql, values, measures, source, where, params):
    """INSERT INTO a slice table SELECT … GROUP BY month, centre and one dimension's value:
    once for the totals, once per dimension, the topics through the JSON join."""
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(c) for c in model.KEY + model.MEASURES)
    join, topic = _topics_join("c.topics")
    written = 0
    for dimension in (TOTAL, *model.DIMENSIONS):
        join_sql, value = "", "''"
        if dimension == "topic":
            join_sql, value = join, topic
        elif dimension != TOTAL:
            value = f"CAST({values[dimension]} AS VARCHAR(30))"
        grouped = ", ".join([month_sql, centre_sql] + ([value] if dimension != TOTAL else []))
        sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT '{dimension}', {value}, {month_sql}, {centre_sql}, {', '.join(measures)} "
            f"FROM {source} {join_sql}{where} GROUP BY {grouped}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written


CONTACT_MEASURES_SQL = [
    "COUNT(*)",
    _flag("c.first_contact"),
    _flag("c.previously_known = 'yes'"),
    _flag("c.previously_known = 'no'"),
    _flag("c.interpreter_used"),
    _flag("c.gender = 'female'"),
    _flag("c.gender = 'male'"),
    _flag("c.gender = 'other'"),
]
OFFER_MEASURES_SQL = [
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
OFFER_SOURCE = "core_supportoffer o JOIN core_contact c ON c.id = o.contact_id"
CONTACT_VALUES = {
    "area": AREA_SQL,
    "age_band": "c.age_band",
    "channel": "c.channel",
    "language": "c.language",
}


def _build_contact_slices(first, stop, centers):
    where, params = _where("c.occurred_on", "c.center_id", first, stop, centers)
    return _insert_slices(
        ContactSlice,
        _month_sql("c.occurred_on"),
        "c.center_id",
        CONTACT_VALUES,
        CONTACT_MEASURES_SQL,
        "core_contact c",
        where,
        params,
    )


def _build_offer_slices(first, stop, centers):
    where, params = _where("o.offered_on", "o.center_id", first, stop, centers)
    return _insert_slices(
        OfferSlice,
        _month_sql("o.offered_on"),
        "o.center_id",
        CONTACT_VALUES,
        OFFER_MEASURES_SQL,
        OFFER_SOURCE,
        where,
        params,
    )


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
    return _insert_grouped(
        ContactRollup, keys, CONTACT_MEASURES_SQL, "core_contact c", where, params
    )


def _year_sql(column):
    if connection.vendor == "postgresql":
        return f"date_part('year', {column})"
    return f"strftime('%Y', {column})"


def _insert_select(model, select, params):
    """INSERT INTO the model's table (KEY, MEASURES) the rows of `select`; the rows written."""
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in model.KEY + model.MEASURES)
    sql = f"INSERT INTO {q(model._meta.db_table)} ({columns}) {select}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _and(where, condition):
    return f"{where} AND {condition}" if where else f" WHERE {condition}"


def _build_reach(first, stop, centers):
    """Each subject's first contact of each year at each centre, counted by its month."""
    where, params = _where("c.occurred_on", "c.center_id", first, stop, centers)
    month = _month_sql("f.first")
    written = 0
    for kind, column in REACH_KINDS.items():
        subject = f"c.{connection.ops.quote_name(column)}"
        written += _insert_select(
            ReachRollup,
            f"SELECT {month}, f.center_id, '{kind}', COUNT(*) FROM ("  # noqa: S608
            f"SELECT c.center_id, MIN(c.occurred_on) AS first "
            f"FROM core_contact c{_and(where, f'{subject} IS NOT NULL')} "
            f"GROUP BY {subject}, c.center_id, {_year_sql('c.occurred_on')}"
            f") f GROUP BY {month}, f.center_id",
            params,
        )
    return written


def _days_sql(later, earlier):
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _build_first_steps(first, stop, centers):
    """From the first offer and meeting stored on each first contact (followups.py)."""
    where, params = _where("c.occurred_on", "c.center_id", first, stop, centers)
    followed = "c.first_contact AND (c.person_id IS NOT NULL OR c.alias_id IS NOT NULL)"
    measures = ["COUNT(*)"]
    for step in ("c.first_offer_on", "c.first_meeting_on"):
        days = _days_sql(step, "c.occurred_on")
        measures += [
            f"COUNT({step})",
            f"COALESCE(SUM({days}), 0)",
            _flag(f"{days} <= {QUICK_DAYS}"),
        ]
    month = _month_sql("c.occurred_on")
    return _insert_select(
        FirstStepsRollup,
        f"SELECT {month}, c.center_id, {', '.join(measures)} "  # noqa: S608
        f"FROM core_contact c{_and(where, followed)} GROUP BY {month}, c.center_id",
        params,
    )


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
    return _insert_grouped(OfferRollup, keys, OFFER_MEASURES_SQL, OFFER_SOURCE, where, params)


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
    return dt.datetime.combine(month, dt.time(), tzinfo=reporting_zone())


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
            k_month=TruncMonth("slot__starts_at", tzinfo=reporting_zone()),
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
    ContactSlice: _build_contact_slices,
    OfferRollup: _build_offers,
    OfferSlice: _build_offer_slices,
    BookingRollup: _build_bookings,
    EscalationRollup: _build_escalations,
    ReachRollup: _build_reach,
    FirstStepsRollup: _build_first_steps,
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
