"""Closing a centre for a day: the exception, its free times withdrawn, its bookings moved or
cancelled with a neutral message to each resident, all in one transaction."""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from nara.core import audit, crypto, queries, reminders
from nara.core.actions import booking
from nara.core.actions.centers import do_create, do_update
from nara.core.models import Appointment, Reminder, ScheduleException, Slot
from nara.insights import rollups

CANCEL = "cancel"


class ClosingChanged(ValueError):
    """Bookings on the day changed since the preview: show it again."""


def _day_slots(centre, date):
    zone = timezone.get_current_timezone()
    begin = dt.datetime.combine(date, dt.time(), tzinfo=zone)
    return Slot.objects.filter(
        center=centre,
        is_withdrawn=False,
        starts_at__gte=begin,
        starts_at__lt=begin + dt.timedelta(days=1),
    )


def affected(centre, date):
    """(booked visits, free slots) on `date` that closing the day would touch."""
    slots = _day_slots(centre, date)
    bookings = list(
        Appointment.objects.filter(slot__in=slots, status=Appointment.Status.BOOKED)
        .select_related("slot", "slot__staff_member")
        .order_by("slot__starts_at")
    )
    active = Appointment.objects.filter(slot=OuterRef("pk"), status__in=Appointment.ACTIVE)
    return bookings, list(slots.exclude(Exists(active)))


def move_options(appointment, closed_date, limit=12):
    """Free future slots the visit could move to: same centre, same way of meeting, the
    interpreter language it needs, not on a closed day."""
    closed = set(
        appointment.center.exceptions.filter(closed=True).values_list("date", flat=True)
    ) | {closed_date}
    options = []
    for slot in queries.free_slots(appointment.center, days=42):
        if timezone.localtime(slot.starts_at).date() in closed:
            continue
        if appointment.mode not in slot.modes:
            continue
        language = appointment.interpreter_language
        if language and language not in slot.interpreter_languages:
            continue
        options.append(slot)
        if len(options) == limit:
            break
    return options


def do_close_day(*, actor, centre, fields, decisions, exception=None):
    """Save a closed-all-day exception and apply it to the day's booking.

    `decisions` maps each booked visit's id to CANCEL or the id of a free slot to move it to;
    a visit booked since the preview (no decision) raises ClosingChanged and nothing is saved.
    Raises booking.BookingError / SlotTaken if a chosen slot cannot take the visit."""
    with transaction.atomic():
        slots = _day_slots(centre, fields["date"])
        list(slots.select_for_update())  # a booking racing with the closure waits, then fails
        bookings, free = affected(centre, fields["date"])
        if any(b.pk not in decisions for b in bookings):
            raise ClosingChanged()
        if exception is None:
            exception = do_create(
                actor=actor, model=ScheduleException, fields={**fields, "center": centre}
            )
        else:
            old_date = exception.date if exception.closed else None
            exception = do_update(actor=actor, obj=exception, fields=fields)
            if old_date and old_date != exception.date:
                _reopen(centre, old_date, actor=actor)
        withdrawn = slots.update(is_withdrawn=True)
        moved = cancelled = 0
        for appointment in bookings:
            choice = decisions[appointment.pk]
            if choice == CANCEL:
                _cancel(appointment, actor=actor)
                cancelled += 1
            else:
                _move(appointment, choice, actor=actor, closed_date=fields["date"])
                moved += 1
        audit.record(
            actor=actor,
            action="exception.close_day",
            obj=exception,
            changes={
                "date": str(fields["date"]),
                "free_slots_withdrawn": len(free),
                "slots_withdrawn": withdrawn,
                "moved": moved,
                "cancelled": cancelled,
            },
        )
    return exception


def _cancel(appointment, *, actor):
    booking.do_cancel(appointment=appointment, by_centre=True, actor=actor)
    _tell_resident(appointment, reminders.KIND_CENTRE_CANCELLED)


def _move(appointment, slot_id, *, actor, closed_date):
    allowed = {slot.pk for slot in move_options(appointment, closed_date, limit=None)}
    if slot_id not in allowed:
        raise booking.BookingError("unavailable")
    old_slot = appointment.slot_id
    try:
        with transaction.atomic():
            rolled_up = rollups.locked_booking(appointment.pk)
            appointment.slot_id = slot_id
            appointment.save(update_fields=["slot"])
            starts_at = Slot.objects.values_list("starts_at", flat=True).get(pk=slot_id)
            rollups.booking_changed(rolled_up, starts_at=starts_at)
    except IntegrityError:
        raise booking.SlotTaken() from None
    appointment.refresh_from_db()  # the new slot for the texts and reminders
    appointment.reminders.filter(status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED
    )
    phone = crypto.decrypt(appointment.phone_encrypted)
    email = crypto.decrypt(appointment.email_encrypted)
    booking._schedule_reminders(appointment, phone=phone, email=email)
    audit.record(
        actor=actor,
        action="appointment.move",
        obj=appointment,
        changes={"slot": [old_slot, slot_id], "reason": "closed day"},
    )
    _tell_resident(appointment, reminders.KIND_MOVED)


def _tell_resident(appointment, kind):
    """A neutral message at once on every channel the resident left (see core/reminders.py)."""
    channels = [
        channel
        for channel, value in (
            (Reminder.Channel.SMS, appointment.phone_encrypted),
            (Reminder.Channel.EMAIL, appointment.email_encrypted),
        )
        if value
    ]
    now = timezone.now()
    reminders.schedule(
        [
            Reminder.objects.create(
                appointment=appointment,
                kind=kind,
                channel=channel,
                send_at=now,
                idempotency_key=uuid.uuid4().hex,
            )
            for channel in channels
        ]
    )


def do_save_open_exception(*, actor, centre, fields, exception=None):
    """Save an exception with other hours (not closed); a day it closed before gets its
    future times back."""
    with transaction.atomic():
        if exception is None:
            return do_create(
                actor=actor, model=ScheduleException, fields={**fields, "center": centre}
            )
        old_date = exception.date if exception.closed else None
        exception = do_update(actor=actor, obj=exception, fields=fields)
        if old_date:
            _reopen(centre, old_date, actor=actor)
        return exception


def do_delete_exception(*, actor, exception):
    """Remove an exception; if it closed the day, that day's future times are bookable again
    (moved or cancelled visits stay as they are)."""
    from nara.core.actions.centers import do_delete

    with transaction.atomic():
        centre, date, closed = exception.center, exception.date, exception.closed
        do_delete(actor=actor, obj=exception)
        if closed:
            _reopen(centre, date, actor=actor)


def _reopen(centre, date, *, actor):
    """Only closing a day withdraws slots, so the day's withdrawn future slots come back."""
    zone = timezone.get_current_timezone()
    begin = dt.datetime.combine(date, dt.time(), tzinfo=zone)
    restored = Slot.objects.filter(
        center=centre,
        is_withdrawn=True,
        starts_at__gte=max(begin, timezone.now()),
        starts_at__lt=begin + dt.timedelta(days=1),
    ).update(is_withdrawn=False)
    audit.record(
        actor=actor,
        action="exception.reopen_day",
        obj=centre,
        changes={"date": str(date), "slots_restored": restored},
    )
    return restored
