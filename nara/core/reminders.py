"""Reminders: neutral texts in the resident's language, and exactly-once dispatch.

Texts
-----
A reminder names only the centre's *neutral display name*, the weekday, date and time, and how
to manage the booking. Never a word of social services, the topic, the resident's alias or any
other personal data: the phone or mailbox may be shared, and SMS previews show on lock screens.

The private manage link cannot be rebuilt later (only a hash of its token is stored), so the
text gives the generic manage page ``NARA_PUBLIC_URL/<lang>/booking/`` and the booking's short
code, which the resident enters there (the page then issues a fresh private link). The code is
read from ``Appointment.code_encrypted`` (encrypted like the contact details, purged with them);
while that field is missing or empty the text asks for "the code you got when booking" instead.

The strings are gettext msgids in English, rendered with ``translation.override(language)``;
weekday names reuse the public site's already translated msgids. A "rebook" message (after a
no-show) says neutrally that the resident was missed and can book a new time with the same code.
When staff close a day, a "centre_cancelled" message says the time is cancelled because the
place is closed and offers a new time the same way; a "moved" message gives the new time.

Exactly once
------------
Each ``Reminder`` row is the unit of delivery; tasks on the queue are only wake-up calls, and
any number of them may exist for a row. A task *claims* its row with one conditional UPDATE:

    UPDATE reminder SET status='sending', lease_until=now+lease, attempts=attempts+1
     WHERE id=%s AND send_at<=now AND attempts<max
       AND (status='pending' OR (status='sending' AND lease_until<now))

Only the task whose UPDATE matched the row sends; everyone else sees the new state and stops
(PostgreSQL re-checks the WHERE clause after waiting for a concurrent writer's row lock; SQLite
runs writers one at a time). After sending, the row becomes ``sent`` with a second conditional
UPDATE (still ours: status='sending' and our attempt number), in one transaction with the audit
event ``reminder.sent`` (channel, kind, attempt, provider id — never content).

A worker killed after claiming leaves the row ``sending``. When its lease has passed,
``recover_stale_reminders`` (run by every ``run_worker`` at start and periodically) enqueues a
new task, which claims the row again and resends **with the same idempotency key**: the SMS
provider deduplicates by the ``Idempotency-Key`` header, an e-mail keeps its Message-ID. The
same recovery re-enqueues ``pending`` rows that are overdue and have no queued or recently
started task (e.g. the process died between the booking's commit and its enqueue). The lease
(``NARA_REMINDER_LEASE_SECONDS``) must exceed the longest possible send, or a slow but living
worker could be overtaken; ``run_worker`` warns at start if it does not.

Failures: a ``GatewayError`` puts the row back to ``pending`` with a safe ``last_error`` and a
task delayed by exponential backoff, until ``NARA_REMINDER_MAX_ATTEMPTS``; then (or at once for
a permanent error such as an invalid number) ``failed``. An appointment that is no longer booked
(or, for "rebook", not a no-show), a visit already begun, or missing contact details → the row
becomes ``cancelled`` and nothing is sent.
"""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nara.core import audit, crypto
from nara.core.models import Appointment, Reminder
from nara.insights import rollups
from nara.lib import messaging
from nara.lib.dates import weekday_name

logger = logging.getLogger(__name__)

ACTOR = "reminders"
KIND_REMINDER, KIND_REBOOK = "reminder", "rebook"
# Sent when staff close a day with bookings (core/actions/closing.py).
KIND_CENTRE_CANCELLED, KIND_MOVED = "centre_cancelled", "moved"

# Words that must never appear in a reminder, its subject, sender or links (checked by the
# tests for every language, and by run_worker for the configured sender and public address).
FORBIDDEN_WORDS = (
    "social",  # also catches socialtjänst, socialkontor, socialsekreterare, sociala
    "stöd",
    "support",
    "welfare",
    "välfärd",
    "kurator",
    "counsel",
    "barnavård",
    "orosanmälan",
    "اجتماع",  # ar/fa: social
    "bulsho",  # so: social (bulshada)
    "ማሕበራዊ",  # ti: social
)


def _setting(name, default):
    return getattr(settings, name, default)


def lease_seconds():
    return int(_setting("NARA_REMINDER_LEASE_SECONDS", 300))


def max_attempts():
    return int(_setting("NARA_REMINDER_MAX_ATTEMPTS", 5))


def retry_delay(attempts):
    base = float(_setting("NARA_REMINDER_RETRY_SECONDS", 60))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


# Texts ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Text:
    subject: str
    body: str
    ics: str | None = None


def message_language(code):
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def manage_link(language):
    """The generic manage page where the resident enters the booking code."""
    return f"{settings.NARA_PUBLIC_URL.rstrip('/')}/{language}/booking/"


def booking_code(appointment):
    """The short code in clear, or "" if it is not stored (see the module docstring)."""
    return crypto.decrypt(getattr(appointment, "code_encrypted", "") or "")


def _date_and_time(moment):
    local = timezone.localtime(moment)
    return f"{weekday_name(local)} {local.day}/{local.month}", local.strftime("%H:%M")


def _manage_sentence(code, link):
    if code:
        # Translators: reminder texts must stay neutral: never mention social services, help,
        # support or any topic. %(code)s is a booking code, %(link)s a web address.
        return _("To change or cancel, enter the code %(code)s at %(link)s") % {
            "code": code,
            "link": link,
        }
    return _("To change or cancel, enter the code you got when booking at %(link)s") % {
        "link": link
    }


def _rebook_sentence(code, link):
    if code:
        return _("You are welcome to book a new time: enter the code %(code)s at %(link)s") % {
            "code": code,
            "link": link,
        }
    return _(
        "You are welcome to book a new time: enter the code you got when booking at %(link)s"
    ) % {"link": link}


def compose(reminder, appointment=None):
    """Subject, body and (for an e-mail reminder) the .ics of one reminder, in its language."""
    appointment = appointment or reminder.appointment
    language = message_language(appointment.language)
    place = appointment.center.neutral_display_name
    code, link = booking_code(appointment), manage_link(language)
    with translation.override(language):
        date, time = _date_and_time(appointment.slot.starts_at)
        values = {"place": place, "date": date, "time": time}
        if reminder.kind == KIND_REBOOK:
            subject = _("Book a new time")
            # Translators: sent after a missed visit; neutral, no word of social services.
            opening = _("We missed you at %(place)s on %(date)s.") % values
            body = f"{opening} {_rebook_sentence(code, link)}"
            return Text(subject=subject, body=_email_body(reminder, body))

        if reminder.kind == KIND_CENTRE_CANCELLED:
            subject = _("Your booked time is cancelled")
            # Translators: sent when the place closes on the day of a booking. Stay neutral.
            opening = (
                _(
                    "We are sorry: your time at %(place)s on %(date)s at %(time)s is cancelled "
                    "because we are closed that day."
                )
                % values
            )
            body = f"{opening} {_rebook_sentence(code, link)}"
            return Text(subject=subject, body=_email_body(reminder, body))
        if reminder.kind == KIND_MOVED:
            subject = _("Your booked time has been moved")
            # Translators: sent when a booking is moved off a closed day. Stay neutral.
            opening = (
                _(
                    "We are closed on the day of your booked time at %(place)s, so it has been "
                    "moved to %(date)s at %(time)s."
                )
                % values
            )
            body = f"{opening} {_manage_sentence(code, link)}"
            return Text(subject=subject, body=_email_body(reminder, body))

        # Translators: e-mail subject, e.g. "Reminder: Tuesday 4/3 at 14:30"
        subject = _("Reminder: %(date)s at %(time)s") % values
        # Translators: SMS/e-mail reminder; %(place)s is a neutral place name. Stay neutral.
        opening = _("Reminder: you have a booked time at %(place)s on %(date)s at %(time)s.") % (
            values
        )
        manage = _manage_sentence(code, link)
        if reminder.channel == Reminder.Channel.SMS:
            return Text(subject=subject, body=f"{opening} {manage}")
        body = "\n\n".join(
            [
                opening,
                manage,
                _("This message was sent automatically. Please do not reply to it."),
            ]
        )
        return Text(subject=subject, body=body, ics=_ics(appointment, place, manage))


def _email_body(reminder, text):
    if reminder.channel == Reminder.Channel.SMS:
        return text
    return "\n\n".join([text, _("This message was sent automatically. Please do not reply to it.")])


def _ics(appointment, place, manage):
    slot, centre = appointment.slot, appointment.center
    at_centre = appointment.mode == "centre"
    host = settings.NARA_PUBLIC_URL.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    return messaging.build_ics(
        # Stable per booking: a rebooked time replaces the event in the resident's calendar.
        uid=f"{crypto.lookup_hash(f'ics:{appointment.pk}')[:32]}@{host}",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=place,
        location=f"{centre.street_address}, {centre.city}" if at_centre else "",
        description=manage,
    )


def message_for(reminder, appointment=None):
    appointment = appointment or reminder.appointment
    contact = (
        appointment.phone_encrypted
        if reminder.channel == Reminder.Channel.SMS
        else appointment.email_encrypted
    )
    text = compose(reminder, appointment)
    return messaging.Message(
        to=crypto.decrypt(contact),
        subject=text.subject,
        body=text.body,
        language=message_language(appointment.language),
        idempotency_key=reminder.idempotency_key,
        ics=text.ics,
    )


# Gateways ---------------------------------------------------------------------------------


def gateway_for(channel):
    """The configured gateway for "sms" or "email" (NARA_SMS_GATEWAY / NARA_EMAIL_GATEWAY)."""
    if channel == Reminder.Channel.SMS:
        name = settings.NARA_SMS_GATEWAY
        if name == "http_sms":
            return messaging.HttpSmsGateway(
                url=settings.NARA_SMS_URL,
                username=settings.NARA_SMS_USER,
                password=settings.NARA_SMS_PASSWORD,
                sender=settings.NARA_SMS_SENDER,
                connect_timeout=float(_setting("NARA_SMS_CONNECT_TIMEOUT", 5)),
                read_timeout=float(_setting("NARA_SMS_READ_TIMEOUT", 15)),
                retries=int(_setting("NARA_SMS_RETRIES", 2)),
            )
    else:
        name = settings.NARA_EMAIL_GATEWAY
        if name == "smtp":
            return messaging.SmtpGateway(
                host=settings.EMAIL_HOST,
                port=settings.EMAIL_PORT,
                sender=settings.DEFAULT_FROM_EMAIL,
                username=settings.EMAIL_HOST_USER,
                password=settings.EMAIL_HOST_PASSWORD,
                starttls=settings.EMAIL_USE_TLS,
                use_ssl=bool(_setting("EMAIL_USE_SSL", False)),
                timeout=settings.EMAIL_TIMEOUT,
            )
    if name == "console":
        return messaging.ConsoleGateway(settings.NARA_MESSAGE_DIR / channel, channel=channel)
    raise ImproperlyConfigured(f"Unknown or unsuitable message gateway {name!r} for {channel}.")


def configuration_problems():
    """(errors, warnings) about the gateways and the neutrality of sender and links."""
    errors, warnings = [], []
    for channel in (Reminder.Channel.SMS, Reminder.Channel.EMAIL):
        try:
            gateway_for(channel)
        except ImproperlyConfigured as exc:
            errors.append(str(exc))
    if settings.NARA_SMS_GATEWAY == "http_sms" and not settings.NARA_SMS_URL:
        errors.append("NARA_SMS_GATEWAY is http_sms but NARA_SMS_URL is empty.")
    visible = {
        "NARA_PUBLIC_URL": settings.NARA_PUBLIC_URL,
        "NARA_FROM_EMAIL (DEFAULT_FROM_EMAIL)": settings.DEFAULT_FROM_EMAIL,
        "NARA_SMS_SENDER": settings.NARA_SMS_SENDER,
    }
    for name, value in visible.items():
        if any(word in value.lower() for word in FORBIDDEN_WORDS):
            warnings.append(f"{name} is shown to residents and should not reveal social services.")
    longest = _longest_send_seconds()
    if lease_seconds() <= longest:
        warnings.append(
            f"NARA_REMINDER_LEASE_SECONDS ({lease_seconds()}) should exceed the longest possible "
            f"send ({longest:.0f} s), or a slow worker could be overtaken and a message resent."
        )
    return errors, warnings


def _longest_send_seconds():
    longest = 0.0
    for channel in (Reminder.Channel.SMS, Reminder.Channel.EMAIL):
        try:
            gateway = gateway_for(channel)
        except ImproperlyConfigured:
            continue
        if isinstance(gateway, messaging.HttpSmsGateway):
            longest = max(longest, gateway.worst_case_seconds())
        elif isinstance(gateway, messaging.SmtpGateway):
            # connect, EHLO, (STARTTLS, EHLO, AUTH), MAIL, RCPT, DATA, QUIT: one timeout each
            longest = max(longest, 9 * float(gateway.timeout))
    return longest


# Dispatch ---------------------------------------------------------------------------------


def deliver(reminder_id):
    """Send one reminder if this call wins the claim. Returns a short outcome, no content."""
    now = timezone.now()
    claimable = Q(status=Reminder.Status.PENDING) | Q(
        status=Reminder.Status.SENDING, lease_until__lt=now
    )
    claimed = Reminder.objects.filter(
        claimable, pk=reminder_id, send_at__lte=now, attempts__lt=max_attempts()
    ).update(
        status=Reminder.Status.SENDING,
        lease_until=now + dt.timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return _not_claimed(reminder_id, now)

    reminder = (
        Reminder.objects.select_related("appointment__slot", "appointment__center")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:  # purged meanwhile
        return "gone"
    reason = _reason_not_to_send(reminder, now)
    if reason:
        _finish(reminder, Reminder.Status.CANCELLED, action="reminder.cancelled", error=reason)
        return "cancelled"
    try:
        message = message_for(reminder)
        provider_id = gateway_for(reminder.channel).send(message)
    except messaging.GatewayError as exc:
        return _after_failure(reminder, exc.safe_message, permanent=exc.permanent)
    except Exception as exc:  # a bug or misconfiguration: never log content, only the kind
        logger.error("Reminder %s: internal error %s", reminder.pk, type(exc).__name__)
        return _after_failure(reminder, f"internal error ({type(exc).__name__})", permanent=False)
    _finish(
        reminder,
        Reminder.Status.SENT,
        action="reminder.sent",
        changes={"provider_id": provider_id},
        always_audit=True,
    )
    return "sent"


def _reason_not_to_send(reminder, now):
    appointment = reminder.appointment
    if appointment is None:
        return "the booking no longer exists"
    if reminder.kind == KIND_REBOOK:
        if appointment.status != Appointment.Status.NO_SHOW:
            return "the booking is not marked as missed"
    elif reminder.kind == KIND_CENTRE_CANCELLED:
        if appointment.status != Appointment.Status.CANCELLED_BY_CENTRE:
            return "the booking is no longer cancelled"
    else:
        if appointment.status != Appointment.Status.BOOKED:
            return "the booking is no longer active"
        if appointment.slot.starts_at <= now:
            return "the visit has already begun"
    encrypted = (
        appointment.phone_encrypted
        if reminder.channel == Reminder.Channel.SMS
        else appointment.email_encrypted
    )
    if not encrypted:
        return "no contact details"
    return ""


def _audit_changes(reminder, **extra):
    return {
        "channel": reminder.channel,
        "kind": reminder.kind,
        "attempt": reminder.attempts,
        **extra,
    }


def _center_id(reminder):
    return reminder.appointment.center_id if reminder.appointment_id else None


def _finish(reminder, status, *, action, error="", changes=None, always_audit=False):
    """Move a row we hold (status sending, our attempt) to a final state, with its audit event."""
    now = timezone.now()
    fields = {"status": status, "lease_until": None, "last_error": error[:200]}
    if status == Reminder.Status.SENT:
        fields["sent_at"] = now
    with transaction.atomic():
        updated = Reminder.objects.filter(
            pk=reminder.pk, status=Reminder.Status.SENDING, attempts=reminder.attempts
        ).update(**fields)
        if updated and status == Reminder.Status.SENT and reminder.kind == KIND_REMINDER:
            rollups.reminder_sent(reminder.appointment_id)
        if updated or always_audit:
            extra = dict(changes or {})
            if error:
                extra["reason"] = error[:200]
            audit.record(
                actor=ACTOR,
                action=action,
                obj=reminder,
                center_id=_center_id(reminder),
                changes=_audit_changes(reminder, **extra),
            )
    if not updated:
        # Our lease ran out while sending and another worker took over: it resends with the same
        # idempotency key. Raise NARA_REMINDER_LEASE_SECONDS if this shows up in the logs.
        logger.warning("Reminder %s: lease lost before it could be marked %s", reminder.pk, status)
    return updated


def _after_failure(reminder, error, *, permanent):
    if permanent or reminder.attempts >= max_attempts():
        _finish(reminder, Reminder.Status.FAILED, action="reminder.failed", error=error)
        return "failed"
    delay = retry_delay(reminder.attempts)
    run_after = timezone.now() + delay
    with transaction.atomic():
        updated = Reminder.objects.filter(
            pk=reminder.pk, status=Reminder.Status.SENDING, attempts=reminder.attempts
        ).update(status=Reminder.Status.PENDING, lease_until=None, last_error=error[:200])
        if updated:
            audit.record(
                actor=ACTOR,
                action="reminder.retry",
                obj=reminder,
                center_id=_center_id(reminder),
                changes=_audit_changes(
                    reminder, reason=error[:200], retry_in_seconds=int(delay.total_seconds())
                ),
            )
            _enqueue_after_commit([(reminder.pk, run_after)])
    return "retry"


def _not_claimed(reminder_id, now):
    row = Reminder.objects.filter(pk=reminder_id).first()
    if row is None:
        return "gone"
    lease_over = row.lease_until is None or row.lease_until < now
    if row.status == Reminder.Status.PENDING and row.send_at > now:
        _enqueue_after_commit([(row.pk, row.send_at)])  # woken too early: sleep on
        return "early"
    waiting = row.status == Reminder.Status.PENDING or (
        row.status == Reminder.Status.SENDING and lease_over
    )
    if waiting and row.attempts >= max_attempts():
        error = (
            "gave up: the worker stopped while sending"
            if row.status == Reminder.Status.SENDING
            else row.last_error or "gave up"
        )
        with transaction.atomic():
            updated = Reminder.objects.filter(
                pk=row.pk, status=row.status, attempts=row.attempts, lease_until=row.lease_until
            ).update(status=Reminder.Status.FAILED, lease_until=None, last_error=error[:200])
            if updated:
                audit.record(
                    actor=ACTOR,
                    action="reminder.failed",
                    obj=row,
                    center_id=_center_id(row),
                    changes=_audit_changes(row, reason=error[:200]),
                )
        return "failed"
    return f"skipped ({row.status})"


# Queueing and recovery --------------------------------------------------------------------


def _enqueue_after_commit(pairs):
    from nara.core import tasks

    tasks.enqueue_after_commit(pairs)


def schedule(reminders):
    """Enqueue a task per reminder at its send_at, once the creating transaction commits."""
    _enqueue_after_commit([(r.pk, r.send_at) for r in reminders])


def recover_stale_reminders(*, now=None, limit=1000):
    """Re-enqueue reminders nobody is working on: ``sending`` with an expired lease (its worker
    died) and ``pending`` overdue by more than NARA_REMINDER_RECOVERY_GRACE_SECONDS without a
    queued or recently started task. Safe to run anywhere, any number of times: a surplus task
    finds the row taken and does nothing. Returns the number of tasks enqueued."""
    from nara.core import tasks

    now = now or timezone.now()
    grace = dt.timedelta(seconds=float(_setting("NARA_REMINDER_RECOVERY_GRACE_SECONDS", 30)))
    stale = Q(status=Reminder.Status.SENDING, lease_until__lt=now) | Q(
        status=Reminder.Status.PENDING, send_at__lte=now - grace
    )
    with transaction.atomic():
        # Locked so that concurrent recoveries (one per worker) do not both enqueue; the task
        # rows are written in this same transaction by the database queue.
        candidates = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(stale)
            .order_by("send_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not candidates:
            return 0
        live = tasks.reminders_with_live_task(
            candidates, started_after=now - dt.timedelta(seconds=lease_seconds())
        )
        orphans = [pk for pk in candidates if pk not in live]
        for pk in orphans:
            tasks.enqueue_reminder(pk, run_after=now)
    if orphans:
        logger.warning("Re-enqueued %d reminder(s) that no worker was handling", len(orphans))
    return len(orphans)
