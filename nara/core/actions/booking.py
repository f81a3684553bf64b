"""Booking actions. A slot is never booked twice: the database refuses a second active
appointment for the same slot (a partial unique index), and the loser gets SlotTaken."""

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from nara.core import audit, crypto
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    Availability,
    CallbackRequest,
    FollowUpTask,
    Reminder,
    Slot,
)
from nara.insights import rollups
from nara.lib import calendar
from nara.lib.dates import next_working_day

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
PERSONAL = {"alias", "phone_encrypted", "email_encrypted"}


class BookingError(ValueError):
    """Something the resident can fix; `code` selects the message shown."""

    def __init__(self, code):
        self.code = code
        super().__init__(code)


class SlotTaken(BookingError):
    def __init__(self):
        super().__init__("taken")


def new_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text):
    return "".join(ch for ch in (text or "").upper() if ch in CODE_ALPHABET)


def code_hash(code):
    return crypto.lookup_hash("code:" + normalise_code(code))


def code_hashes(code):
    """Hashes to look a typed code up by: as typed and with its halves swapped, since a code
    like 2933-6VDE shows as 6VDE-2933 in right-to-left text and may be typed as seen."""
    plain = normalise_code(code)
    if len(plain) != 8:
        return []
    # Under every listed field key too: codes stay valid across a key rotation.
    return [
        digest
        for variant in (plain, plain[4:] + plain[:4])
        for digest in crypto.lookup_hashes("code:" + variant)
    ]


def token_hash(token):
    return crypto.lookup_hash("token:" + token)


# Publishing slots -------------------------------------------------------------------------


def do_publish_slots(*, actor, availability, days=None):
    """Create the concrete slots of a rule from today for `days` days; closed days are skipped.

    Idempotent: existing slots are kept (one per rule and start time), withdrawn ones stay
    withdrawn. Returns the number of slots created."""
    days = days or settings.NARA_BOOKING_HORIZON_DAYS
    today = timezone.localdate()
    closed = set(availability.center.exceptions.filter(closed=True).values_list("date", flat=True))
    rule = _as_weekly_rule(availability)
    slots = []
    for date in calendar.rule_dates(rule, today, today + dt.timedelta(days=days)):
        if date not in closed:
            slots += _slots_on(availability, date)
    now = timezone.now()
    with transaction.atomic():
        before = availability.slots.count()
        # ignore_conflicts returns every object passed, so count what the table gained.
        Slot.objects.bulk_create([s for s in slots if s.starts_at > now], ignore_conflicts=True)
        created = availability.slots.count() - before
        if created:
            audit.record(
                actor=actor,
                action="slots.publish",
                obj=availability.center,
                changes={"availability": availability.pk, "slots": created},
            )
    return created


def do_extend_horizons(*, actor):
    """Publish every current rule's slots up to NARA_BOOKING_HORIZON_DAYS from today.

    Run daily by the worker (core/maintenance.py); running it again the same day adds nothing."""
    today = timezone.localdate()
    rules = Availability.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return sum(
        do_publish_slots(actor=actor, availability=rule)
        for rule in rules.select_related("center").order_by("pk")
    )


def _as_weekly_rule(availability):
    class Rule:
        kind, freq, interval, bymonthday, title = "slot", "WEEKLY", 1, "", ""

    rule = Rule()
    rule.byday, rule.valid_from, rule.valid_to = (
        availability.byday,
        availability.valid_from,
        availability.valid_to,
    )
    return rule


def _slots_on(availability, date):
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date, availability.opens_at, tzinfo=zone)
    end_of_window = dt.datetime.combine(date, availability.closes_at, tzinfo=zone)
    length = dt.timedelta(minutes=availability.meeting_minutes)
    slots = []
    while start + length <= end_of_window:
        slots.append(
            Slot(
                center_id=availability.center_id,
                availability=availability,
                staff_member_id=availability.staff_member_id,
                starts_at=start,
                ends_at=start + length,
                modes=availability.modes,
                interpreter_languages=availability.interpreter_languages,
            )
        )
        start += length
    return slots


# Booking ----------------------------------------------------------------------------------


def do_book(
    *,
    slot_id,
    mode,
    alias,
    language,
    phone="",
    email="",
    interpreter_language="",
    topic="",
    staff_actor=None,
    center=None,
):
    """Book a slot (of `center`, when given). Returns (appointment, manage_token, code);
    raises BookingError/SlotTaken."""
    slot = Slot.objects.select_related("center").filter(pk=slot_id).first()
    if slot is not None and center is not None and slot.center_id != center.pk:
        slot = None  # a time of another centre is not bookable from this one's page
    _check_slot(slot, mode, interpreter_language)
    token, code = secrets.token_urlsafe(24), new_code()
    try:
        with transaction.atomic():
            # Locks the slot: a day being closed at this moment withdraws it first or waits.
            if not Slot.objects.select_for_update().filter(pk=slot.pk, is_withdrawn=False):
                raise BookingError("unavailable")
            appointment = Appointment.objects.create(
                slot=slot,
                center=slot.center,
                mode=mode,
                alias=alias.strip(),
                topic=topic,
                phone_encrypted=crypto.encrypt(phone),
                email_encrypted=crypto.encrypt(email),
                language=language,
                interpreter_language=interpreter_language,
                manage_token_hash=token_hash(token),
                code_hash=code_hash(code),
                code_encrypted=crypto.encrypt(code),
                booked_by_staff=staff_actor is not None,
            )
            _schedule_reminders(appointment, phone=phone, email=email)
            rollups.booking_created(appointment)
            audit.record(
                actor=staff_actor or "resident",
                action="appointment.book",
                obj=appointment,
                changes=_masked_summary(appointment),
            )
    except IntegrityError:
        raise SlotTaken() from None
    return appointment, token, code


def _check_slot(slot, mode, interpreter_language):
    if slot is None or slot.is_withdrawn or slot.starts_at <= timezone.now():
        raise BookingError("unavailable")
    if mode not in slot.modes:
        raise BookingError("mode")
    if interpreter_language and interpreter_language not in slot.interpreter_languages:
        raise BookingError("interpreter")


def _masked_summary(appointment):
    values = {
        "slot": appointment.slot_id,
        "mode": appointment.mode,
        "status": appointment.status,
        "alias": appointment.alias,
        "phone_encrypted": appointment.phone_encrypted,
        "email_encrypted": appointment.email_encrypted,
    }
    return audit.field_changes({}, values, personal=PERSONAL)


def _schedule_reminders(appointment, *, phone, email):
    # Each reminder gets a send task at its time, enqueued once this transaction commits;
    # core/reminders.py makes delivery exactly-once and recovers lost tasks.
    from nara.core import reminders

    starts = appointment.slot.starts_at
    now = timezone.now()
    channels = [c for c, v in ((Reminder.Channel.SMS, phone), (Reminder.Channel.EMAIL, email)) if v]
    created = []
    for hours in settings.NARA_REMINDER_HOURS_BEFORE:
        send_at = starts - dt.timedelta(hours=hours)
        if send_at <= now:
            continue
        for channel in channels:
            created.append(
                Reminder.objects.create(
                    appointment=appointment,
                    channel=channel,
                    send_at=send_at,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
    reminders.schedule(created)


def appointment_for_token(token):
    return (
        Appointment.objects.select_related("slot", "center")
        .filter(manage_token_hash__in=crypto.lookup_hashes("token:" + token))
        .first()
    )


def appointment_for_code(code):
    hashes = code_hashes(code)
    if not hashes:
        return None
    return Appointment.objects.select_related("slot", "center").filter(code_hash__in=hashes).first()


def appointment_for_manage(pk):
    return Appointment.objects.select_related("slot", "center").filter(pk=pk).first()


def do_cancel(*, appointment, by_centre=False, actor=None):
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingError("not_booked")
    status = (
        Appointment.Status.CANCELLED_BY_CENTRE
        if by_centre
        else Appointment.Status.CANCELLED_BY_RESIDENT
    )
    return _set_status(appointment, status, actor=actor or "resident")


def do_rebook(*, appointment, slot_id):
    """Move a booking to another free slot; the old time is freed in the same transaction."""
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingError("not_booked")
    slot = Slot.objects.filter(pk=slot_id, center=appointment.center).first()
    _check_slot(slot, appointment.mode, "")
    old_slot = appointment.slot_id
    try:
        with transaction.atomic():
            rolled_up = rollups.locked_booking(appointment.pk)
            appointment.slot = slot
            appointment.save(update_fields=["slot"])
            rollups.booking_changed(rolled_up, starts_at=slot.starts_at)
            phone = crypto.decrypt(appointment.phone_encrypted)
            email = crypto.decrypt(appointment.email_encrypted)
            appointment.reminders.filter(status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CANCELLED
            )
            _schedule_reminders(appointment, phone=phone, email=email)
            audit.record(
                actor="resident",
                action="appointment.rebook",
                obj=appointment,
                changes={"slot": [old_slot, slot.pk]},
            )
    except IntegrityError:
        raise SlotTaken() from None
    return appointment


OUTCOMES = (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW)


def do_mark(*, actor, appointment, status):
    """Staff mark attended / no-show (once the visit has begun) or cancel a booked visit.

    Only a booked visit can be marked; a mistaken outcome is changed with do_correct_mark."""
    allowed = {*OUTCOMES, Appointment.Status.CANCELLED_BY_CENTRE}
    if status not in allowed:
        raise BookingError("status")
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingError("already_marked")
    if status in OUTCOMES and appointment.slot.starts_at > timezone.now():
        raise BookingError("too_early")
    return _set_status(appointment, status, actor=actor)


def do_correct_mark(*, actor, appointment, status, reason):
    """Change a mistaken attended / no-show mark, with the reason in the audit trail.

    A visit corrected to attended has its open follow-up task closed and any "book a new time"
    message not yet sent withdrawn; one corrected to no-show gets its follow-up task."""
    reason = (reason or "").strip()
    if appointment.status not in OUTCOMES or status not in OUTCOMES:
        raise BookingError("status")
    if status == appointment.status:
        raise BookingError("unchanged")
    if len(reason) < 5:
        raise BookingError("reason")
    with transaction.atomic():
        rolled_up = rollups.locked_booking(appointment.pk)
        old = appointment.status
        appointment.status, appointment.status_changed_at = status, timezone.now()
        appointment.save(update_fields=["status", "status_changed_at"])
        rollups.booking_changed(rolled_up, status=status)
        if status == Appointment.Status.NO_SHOW:
            _create_follow_up(appointment)
        else:
            appointment.tasks.filter(done_at__isnull=True).update(done_at=timezone.now())
            appointment.reminders.filter(kind="rebook", status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CANCELLED
            )
        audit.record(
            actor=actor,
            action="appointment.correct",
            obj=appointment,
            changes={"status": [old, status]},
            reason=reason[:500],
        )
    return appointment


def _set_status(appointment, status, *, actor):
    with transaction.atomic():
        rolled_up = rollups.locked_booking(appointment.pk)
        old = appointment.status
        appointment.status, appointment.status_changed_at = status, timezone.now()
        appointment.save(update_fields=["status", "status_changed_at"])
        rollups.booking_changed(rolled_up, status=status)
        if status != Appointment.Status.BOOKED:
            appointment.reminders.filter(status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CANCELLED
            )
        if status == Appointment.Status.NO_SHOW:
            _create_follow_up(appointment)
        audit.record(
            actor=actor,
            action="appointment.status",
            obj=appointment,
            changes={"status": [old, status]},
        )
    return appointment


def _create_follow_up(appointment):
    visit = timezone.localtime(appointment.slot.starts_at).date()
    with translation.override(settings.LANGUAGE_CODE):  # staff's language (the default)
        title = translation.gettext("Follow up missed visit on %(date)s") % {
            "date": visit.isoformat()
        }
    return FollowUpTask.objects.create(
        center=appointment.center,
        appointment=appointment,
        title=title,
        due=next_working_day(timezone.localdate()),
    )


def do_send_rebook_nudge(*, actor, appointment):
    """Queue a neutral "book a new time" message once, if the resident left a phone or e-mail.

    Refuses a second send (BookingError "already_sent"), also when two clicks race."""
    from nara.core import reminders

    if appointment.status != Appointment.Status.NO_SHOW:
        raise BookingError("status")
    phone = crypto.decrypt(appointment.phone_encrypted)
    email = crypto.decrypt(appointment.email_encrypted)
    channels = [c for c, v in ((Reminder.Channel.SMS, phone), (Reminder.Channel.EMAIL, email)) if v]
    if not channels:
        return 0
    now = timezone.now()
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=appointment.pk, rebook_nudge_sent_at__isnull=True
        ).update(rebook_nudge_sent_at=now)
        if not claimed:
            raise BookingError("already_sent")
        appointment.rebook_nudge_sent_at = now
        created = [
            Reminder.objects.create(
                appointment=appointment,
                kind="rebook",
                channel=channel,
                send_at=now,
                idempotency_key=uuid.uuid4().hex,
            )
            for channel in channels
        ]
        reminders.schedule(created)  # sent by the worker once this transaction commits
        audit.record(
            actor=actor,
            action="appointment.rebook_nudge",
            obj=appointment,
            changes={"channels": channels},
        )
    return len(channels)


# Call me back and anonymous questions -----------------------------------------------------


def do_request_callback(*, center, alias, phone, language, when, topic=""):
    code = new_code()
    with transaction.atomic():
        callback = CallbackRequest.objects.create(
            center=center,
            alias=alias.strip(),
            phone_encrypted=crypto.encrypt(phone),
            language=language,
            when=when,
            topic=topic,
            code_hash=code_hash(code),
        )
        audit.record(
            actor="resident", action="callback.request", obj=callback, changes={"when": when}
        )
    return callback, code


def do_ask_question(*, center, question, language, topic=""):
    code = new_code()
    with transaction.atomic():
        asked = AnonymousQuestion.objects.create(
            center=center,
            question_encrypted=crypto.encrypt(question.strip()),
            language=language,
            topic=topic,
            code_hash=code_hash(code),
        )
        audit.record(actor="resident", action="question.ask", obj=asked)
    return asked, code


def question_for_code(code):
    hashes = code_hashes(code)
    return AnonymousQuestion.objects.filter(code_hash__in=hashes).first() if hashes else None


def callback_for_code(code):
    hashes = code_hashes(code)
    return CallbackRequest.objects.filter(code_hash__in=hashes).first() if hashes else None


def do_answer_question(*, actor, question, answer):
    with transaction.atomic():
        question.answer_encrypted = crypto.encrypt(answer.strip())
        question.answered_at = timezone.now()
        question.save(update_fields=["answer_encrypted", "answered_at"])
        audit.record(actor=actor, action="question.answer", obj=question)


def do_handle_callback(*, actor, callback, note=""):
    with transaction.atomic():
        callback.handled_at = timezone.now()
        callback.answer_encrypted = crypto.encrypt(note.strip())
        callback.save(update_fields=["handled_at", "answer_encrypted"])
        audit.record(actor=actor, action="callback.handle", obj=callback)
