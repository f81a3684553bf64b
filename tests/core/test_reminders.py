"""Reminders: neutral texts in every language, real gateways (an SMTP server from aiosmtpd and a
local 46elks-style SMS API), and exactly-once delivery with real worker processes — two workers
racing over the same reminders, a worker killed while it waits for the provider, SIGTERM.

The worker tests share the suite's test database (an SQLite file, or PostgreSQL with
DATABASE_URL) with `manage.py run_worker` subprocesses, so they use transactional tests.
"""

import asyncio
import datetime as dt
import email
import json
import os
import signal
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from sms_server import SmsServer

from nara.core import audit, crypto, reminders, tasks
from nara.core.actions import booking
from nara.core.models import Appointment, AuditEvent, Center, Municipality, Reminder, Slot
from nara.lib import messaging
from nara.lib.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://boka.example.se"
SENDER = "Påminnelse <noreply@boka.example.se>"
CODE = "KX7P-M2QD"
PHONE, EMAIL, ALIAS = "+46701234567", "lina.andersson@example.org", "Lina"
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# Never in a reminder, in any language (independent of the list in nara/core/reminders.py).
FORBIDDEN = [
    "social",
    "socialtjänst",
    "socialkontor",
    "stöd",
    "support",
    "help",
    "hjälp",
    "welfare",
    "kurator",
    "case",
    "ärende",
    "اجتماع",  # ar / fa: social
    "اجتماعی",
    "bulsho",  # so: society, social
    "ማሕበራዊ",  # ti: social
    # topic words in English, whatever the language of the message
    "parent",
    "school",
    "relationship",
    "separation",
    "loneliness",
    "money",
    "debt",
    "housing",
    "crime",
    "violence",
    "alcohol",
    "drugs",
]


def mark_missed(appointment):
    """Mark a visit missed at its start time: staff cannot mark a visit before it begins."""
    with time_machine.travel(appointment.slot.starts_at, tick=False):
        booking.do_mark(actor="test", appointment=appointment, status="no_show")


def forbidden_in(text, language):
    with translation.override(language):
        topics = [str(title).lower() for _slug, title, _sensitive in TOPICS]
    words = FORBIDDEN + topics
    personal = [ALIAS.lower(), PHONE, "070-123", "0701234567", EMAIL, "andersson"]
    lowered = text.lower()
    return [w for w in words + personal if w.lower() in lowered]


# Data ---------------------------------------------------------------------------------------


def make_centre():
    town = Municipality.objects.create(code="9999", name="Testkommun")
    return Center.objects.create(
        municipality=town,
        slug="solbacken",
        name="Socialt center Solbacken",  # the real name must never reach a reminder
        neutral_display_name="Mötesplats Solbacken",
        street_address="Solbacksvägen 4",
        postal_code="123 45",
        city="Testby",
        lon=16.0,
        lat=58.5,
    )


def next_tuesday_at(hour, minute):
    today = timezone.localdate()
    days = (1 - today.weekday()) % 7 + 7
    day = today + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def book(centre, starts_at, *, language="sv", phone=PHONE, email=EMAIL, mode="centre"):
    slot = Slot.objects.create(
        center=centre,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=45),
        modes=["centre", "phone"],
    )
    appointment, _token, code = booking.do_book(
        slot_id=slot.pk,
        mode=mode,
        alias=ALIAS,
        language=language,
        phone=phone,
        email=email,
        topic="violence",
    )
    return appointment, code


def make_due(reminder_ids=None):
    """Let time pass: the reminders (and their queued tasks) are due now."""
    past = timezone.now() - dt.timedelta(seconds=1)
    rows = Reminder.objects.all()
    if reminder_ids is not None:
        rows = rows.filter(pk__in=reminder_ids)
    rows.update(send_at=past)
    DBTaskResult.objects.filter(task_path=tasks.send_reminder.module_path).update(run_after=past)


# Servers ------------------------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; `hold` keeps RCPT answers back."""

    def __init__(self):
        self.messages, self.rcpt_count, self.hold = [], 0, False
        self.port, self.delay = None, 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpt_count += 1
        while self.hold:
            await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def wait_for_rcpt(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.rcpt_count < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.rcpt_count >= count


class EphemeralPortController(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = EphemeralPortController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    mailbox.hold = False
    controller.stop()


@pytest.fixture
def sms_server():
    with SmsServer() as server:
        yield server


GATEWAY_SETTINGS = {
    "NARA_PUBLIC_URL": PUBLIC_URL,
    "DEFAULT_FROM_EMAIL": SENDER,
    "NARA_SMS_SENDER": "Info",
    "NARA_EMAIL_GATEWAY": "smtp",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_USE_TLS": False,
    "EMAIL_HOST_USER": "",
    "EMAIL_TIMEOUT": 5,
    "NARA_SMS_GATEWAY": "http_sms",
    "NARA_SMS_USER": "api-user",
    "NARA_SMS_PASSWORD": "api-secret",
    "NARA_SMS_READ_TIMEOUT": 5,
}


@pytest.fixture
def gateways(settings, smtp_server, sms_server):
    for name, value in GATEWAY_SETTINGS.items():
        setattr(settings, name, value)
    settings.EMAIL_PORT = smtp_server.port
    settings.NARA_SMS_URL = sms_server.url
    return smtp_server, sms_server


# Phone numbers and the console gateway -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "070-123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "+46 (0)70-123 45 67",
        "+46 070 123 45 67",
        "0046 70 123 45 67",
        "070.123.45.67",
    ],
)
def test_swedish_mobile_numbers_are_normalised_to_e164(text):
    assert messaging.normalise_phone(text) == "+46701234567"


@pytest.mark.parametrize(
    "text",
    ["", "12345", "08-123 456 78", "031-12 34 56", "+47 412 34 567", "071-123 45 67", "070-98"],
)
def test_other_numbers_are_refused_without_echoing_them(text):
    with pytest.raises(ValueError) as refused:
        messaging.normalise_phone(text)
    assert "mobile" in str(refused.value) or "phone" in str(refused.value)
    assert not text or text not in str(refused.value)


def test_console_gateway_writes_one_file_per_key(tmp_path):
    gateway = messaging.ConsoleGateway(tmp_path / "sms", channel="sms")
    message = messaging.Message(
        to=PHONE, subject="", body="Hej", language="sv", idempotency_key="k1"
    )
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(gateway.send(message))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gateway.send(message)
    other = gateway.send(messaging.Message(PHONE, "", "Hej igen", "sv", "k2"))
    files = sorted(p.name for p in (tmp_path / "sms").iterdir())
    assert files == ["k1.json", "k2.json"]
    assert set(results) == {"console-k1"} and other == "console-k2"
    written = json.loads((tmp_path / "sms" / "k1.json").read_text())
    assert written["body"] == "Hej" and written["channel"] == "sms"


@pytest.mark.django_db
def test_the_demo_writes_reminders_as_files(settings, tmp_path):
    settings.NARA_SMS_GATEWAY = settings.NARA_EMAIL_GATEWAY = "console"
    settings.NARA_MESSAGE_DIR = tmp_path
    appointment, _code = book(make_centre(), timezone.now() + dt.timedelta(hours=3))
    for channel in ("sms", "email"):
        reminder = due_reminder(appointment, channel)
        assert reminders.deliver(reminder.pk) == "sent"
        Reminder.objects.filter(pk=reminder.pk).update(status="pending")  # as after a crash
        assert reminders.deliver(reminder.pk) == "sent"
        [written] = (tmp_path / channel).iterdir()
        assert written.name == f"{reminder.idempotency_key}.json"
        assert "Mötesplats Solbacken" in json.loads(written.read_text())["body"]


def test_the_worker_warns_about_revealing_sender_or_address(settings):
    settings.NARA_SMS_GATEWAY = settings.NARA_EMAIL_GATEWAY = "console"
    settings.NARA_PUBLIC_URL = "https://socialtjanst.example.se"
    settings.DEFAULT_FROM_EMAIL = "Socialkontoret <noreply@example.se>"
    errors, warnings = reminders.configuration_problems()
    assert errors == [] and len(warnings) == 2
    settings.NARA_SMS_GATEWAY = "carrier-pigeon"
    errors, _warnings = reminders.configuration_problems()
    assert errors and "carrier-pigeon" in errors[0]


# Texts --------------------------------------------------------------------------------------


@pytest.fixture
def appointment(db, settings):
    settings.NARA_PUBLIC_URL = PUBLIC_URL
    centre = make_centre()
    appointment, _code = book(centre, next_tuesday_at(14, 30))
    appointment.code_encrypted = crypto.encrypt(CODE)  # see reminders.booking_code
    return appointment


def texts_for(appointment, language):
    appointment.language = language
    out = {}
    for kind in ("reminder", "rebook", "centre_cancelled", "moved"):
        for channel in ("sms", "email"):
            reminder = Reminder(
                appointment=appointment, kind=kind, channel=channel, idempotency_key="k"
            )
            out[kind, channel] = reminders.compose(reminder, appointment)
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_texts_are_neutral_in_every_language(appointment, language):
    starts = timezone.localtime(appointment.slot.starts_at)
    day_month = f"{starts.day}/{starts.month}"
    for (kind, channel), text in texts_for(appointment, language).items():
        where = f"{language} {kind} {channel}"
        visible = "\n".join([text.subject, text.body, text.ics or ""])
        assert forbidden_in(visible, language) == [], where
        assert "Mötesplats Solbacken" in text.body, where
        assert CODE in text.body, where
        assert f"{PUBLIC_URL}/{language}/booking/" in text.body, where
        assert day_month in text.body, where
        assert "Solbacksvägen" not in text.body, where  # the address only in the calendar file
        if kind in ("reminder", "centre_cancelled", "moved"):
            assert "14:30" in text.body, where
        if channel == "sms":
            assert len(text.body) <= 320, where
        assert (text.ics is not None) == ((kind, channel) == ("reminder", "email")), where


def test_swedish_and_arabic_reminders_name_the_day_in_the_language(appointment):
    swedish = texts_for(appointment, "sv")["reminder", "sms"].body
    arabic = texts_for(appointment, "ar")["reminder", "sms"].body
    assert "tisdag" in swedish and "Tuesday" not in swedish
    assert "الثلاثاء" in arabic and "Tuesday" not in arabic
    english = texts_for(appointment, "en")["reminder", "sms"].body
    assert english.startswith("Reminder: you have a booked time at Mötesplats Solbacken on Tuesday")


def test_without_a_stored_code_the_text_asks_for_the_code_given_at_booking(appointment):
    appointment.code_encrypted = ""
    text = texts_for(appointment, "en")["reminder", "sms"].body
    assert "the code you got when booking" in text and CODE not in text


@pytest.mark.skipif(
    not hasattr(Appointment, "code_encrypted"),
    reason="Appointment.code_encrypted is not there yet: reminders ask for the code instead",
)
@pytest.mark.django_db
def test_the_code_given_at_booking_is_in_the_reminder(settings):
    settings.NARA_PUBLIC_URL = PUBLIC_URL
    appointment, code = book(make_centre(), next_tuesday_at(10, 0))
    reminder = appointment.reminders.filter(channel="sms").first()
    assert code in reminders.compose(reminder).body


# Enqueueing ---------------------------------------------------------------------------------


def queued(reminder):
    return DBTaskResult.objects.filter(
        task_path=tasks.send_reminder.module_path,
        args_kwargs__kwargs__reminder_id=reminder.pk,
        status="READY",
    )


@pytest.mark.django_db
def test_booking_enqueues_a_task_per_reminder_when_it_commits(django_capture_on_commit_callbacks):
    centre = make_centre()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appointment, _code = book(centre, timezone.now() + dt.timedelta(hours=30))
        assert DBTaskResult.objects.count() == 0  # nothing before the booking commits
    assert len(callbacks) == 1
    rows = list(appointment.reminders.all())
    assert len(rows) == 4  # 24 h and 2 h before, by SMS and e-mail
    for reminder in rows:
        [task] = queued(reminder)
        assert task.run_after == reminder.send_at

    later = Slot.objects.create(
        center=centre,
        starts_at=timezone.now() + dt.timedelta(hours=50),
        ends_at=timezone.now() + dt.timedelta(hours=51),
        modes=["centre"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking.do_rebook(appointment=appointment, slot_id=later.pk)
    assert appointment.reminders.filter(status="cancelled").count() == 4
    for reminder in appointment.reminders.filter(status="pending"):
        assert queued(reminder).get().run_after == reminder.send_at

    mark_missed(appointment)
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.do_send_rebook_nudge(actor="test", appointment=appointment) == 2
    for nudge in appointment.reminders.filter(kind="rebook"):
        assert queued(nudge).get().run_after == nudge.send_at <= timezone.now()


# Delivery in-process, with real servers ------------------------------------------------------


def due_reminder(appointment, channel):
    reminder = appointment.reminders.filter(channel=channel).latest("send_at")
    make_due([reminder.pk])
    return Reminder.objects.get(pk=reminder.pk)


def audit_events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.mark.django_db
def test_an_email_reminder_over_smtp_has_the_visit_as_ics(gateways):
    smtp, _sms = gateways
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(hours=3)
    appointment, _code = book(make_centre(), starts, language="sv", phone="")
    reminder = due_reminder(appointment, "email")

    assert reminders.deliver(reminder.pk) == "sent"

    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.attempts == 1 and reminder.sent_at
    [(recipients, mail)] = smtp.messages
    assert recipients == [EMAIL] and mail["To"] == EMAIL
    assert mail["From"] == SENDER
    assert mail["Message-ID"] == f"<{reminder.idempotency_key}@boka.example.se>"
    assert mail["Content-Language"] == "sv"
    with translation.override("sv"):
        swedish = translation.gettext("Reminder: %(date)s at %(time)s")
    assert swedish != "Reminder: %(date)s at %(time)s"  # the Swedish catalogue has it
    assert mail["Subject"].startswith(swedish.split("%(")[0])
    body = mail.get_body(("plain",)).get_content()
    local = timezone.localtime(starts)
    assert "Mötesplats Solbacken" in body and local.strftime("%H:%M") in body
    assert f"{PUBLIC_URL}/sv/booking/" in body
    assert forbidden_in(mail["Subject"] + body, "sv") == []
    [calendar] = [part for part in mail.iter_attachments()]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == "booking.ics"
    ics = calendar.get_content()
    utc = starts.astimezone(dt.UTC)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z" in ics
    assert f"DTEND:{utc + dt.timedelta(minutes=45):%Y%m%dT%H%M%S}Z" in ics
    assert "METHOD:PUBLISH" in ics and "SUMMARY:Mötesplats Solbacken" in ics
    assert "LOCATION:Solbacksvägen 4\\, Testby" in ics
    [event] = audit_events("reminder.sent")
    assert event.object_id == str(reminder.pk) and event.center_id == appointment.center_id
    assert set(event.changes) == {"channel", "kind", "attempt", "provider_id"}
    assert EMAIL not in json.dumps(event.changes) and event.actor_label == "reminders"


@pytest.mark.django_db
def test_an_sms_reminder_in_arabic_over_the_http_api(gateways):
    _smtp, sms = gateways
    appointment, _code = book(
        make_centre(), next_tuesday_at(9, 15), language="ar", phone="070-123 45 67", email=""
    )
    reminder = due_reminder(appointment, "sms")

    assert reminders.deliver(reminder.pk) == "sent"

    [request] = sms.requests
    assert request["idempotency_key"] == reminder.idempotency_key
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["to"] == PHONE and request["from"] == "Info"
    assert "الثلاثاء" in request["message"] and "09:15" in request["message"]
    assert "Mötesplats Solbacken" in request["message"]
    assert f"{PUBLIC_URL}/ar/booking/" in request["message"]
    assert forbidden_in(request["message"], "ar") == []
    [event] = audit_events("reminder.sent")
    assert event.changes["provider_id"] == request["id"]


@pytest.mark.django_db
def test_nothing_is_sent_for_a_booking_that_is_no_longer_active(gateways):
    smtp, sms = gateways
    centre = make_centre()
    cancelled, _code = book(centre, timezone.now() + dt.timedelta(hours=3))
    booking.do_cancel(appointment=cancelled)  # the usual way: its reminders are cancelled
    changed, _code = book(centre, timezone.now() + dt.timedelta(hours=4))
    # …and a status change racing the worker: the reminder is still pending at send time
    Appointment.objects.filter(pk=changed.pk).update(status="cancelled_centre")
    begun, _code = book(centre, timezone.now() + dt.timedelta(hours=5))
    make_due()
    Slot.objects.filter(pk=begun.slot_id).update(starts_at=timezone.now())

    outcomes = [reminders.deliver(r.pk) for r in Reminder.objects.order_by("pk")]

    assert outcomes == ["skipped (cancelled)"] * 2 + ["cancelled"] * 4
    assert smtp.messages == [] and sms.requests == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}
    assert len(audit_events("reminder.cancelled")) == 4
    assert Reminder.objects.get(appointment=begun, channel="sms").last_error == (
        "the visit has already begun"
    )


@pytest.mark.django_db
def test_a_rebook_nudge_says_you_were_missed(gateways):
    _smtp, sms = gateways
    appointment, _code = book(
        make_centre(), timezone.now() + dt.timedelta(hours=1), email="", language="en"
    )
    mark_missed(appointment)
    booking.do_send_rebook_nudge(actor="test", appointment=appointment)
    nudge = appointment.reminders.get(kind="rebook")

    assert reminders.deliver(nudge.pk) == "sent"

    [request] = sms.requests
    assert request["message"].startswith("We missed you at Mötesplats Solbacken on ")
    assert "book a new time" in request["message"]
    assert forbidden_in(request["message"], "sv") == []


@pytest.mark.django_db
def test_gateway_errors_are_retried_with_backoff_then_fail(
    gateways, settings, django_capture_on_commit_callbacks
):
    _smtp, sms = gateways
    settings.NARA_REMINDER_MAX_ATTEMPTS = 3
    settings.NARA_REMINDER_RETRY_SECONDS = 60
    settings.NARA_SMS_RETRIES = 0
    sms.script = [503] * 10
    appointment, _code = book(make_centre(), timezone.now() + dt.timedelta(hours=3), email="")
    reminder = due_reminder(appointment, "sms")
    DBTaskResult.objects.all().delete()

    for attempt in (1, 2):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders.deliver(reminder.pk) == "retry"
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == ("pending", attempt)
        assert reminder.last_error == "SMS provider answered HTTP 503"
        retry = queued(reminder).latest("enqueued_at")
        backoff = (retry.run_after - before).total_seconds()
        assert 60 * 2 ** (attempt - 1) <= backoff < 60 * 2 ** (attempt - 1) + 5
    assert reminders.deliver(reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", 3)
    assert len(sms.requests) == 3 and sms.delivered == {}
    assert [e.action for e in AuditEvent.objects.filter(object_type="Reminder")] == [
        "reminder.retry",
        "reminder.retry",
        "reminder.failed",
    ]
    assert PHONE not in reminder.last_error


@pytest.mark.django_db
def test_a_refused_number_fails_at_once(gateways):
    _smtp, sms = gateways
    sms.script = [400]
    appointment, _code = book(make_centre(), timezone.now() + dt.timedelta(hours=3), email="")
    reminder = due_reminder(appointment, "sms")
    assert reminders.deliver(reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert reminder.attempts == 1 and "HTTP 400" in reminder.last_error
    assert len(sms.requests) == 1


@pytest.mark.django_db
def test_a_held_lease_is_respected_and_an_expired_one_taken_over(gateways):
    _smtp, sms = gateways
    appointment, _code = book(make_centre(), timezone.now() + dt.timedelta(hours=3), email="")
    reminder = due_reminder(appointment, "sms")
    leased = timezone.now() + dt.timedelta(minutes=5)
    Reminder.objects.filter(pk=reminder.pk).update(status="sending", attempts=1, lease_until=leased)

    assert reminders.deliver(reminder.pk) == "skipped (sending)"
    assert sms.requests == []

    Reminder.objects.filter(pk=reminder.pk).update(lease_until=timezone.now())
    assert reminders.deliver(reminder.pk) == "sent"
    assert reminders.deliver(reminder.pk) == "skipped (sent)"
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert [r["idempotency_key"] for r in sms.requests] == [reminder.idempotency_key]


@pytest.mark.django_db
def test_recovery_enqueues_only_reminders_nobody_handles(settings):
    settings.NARA_REMINDER_RECOVERY_GRACE_SECONDS = 0
    settings.NARA_REMINDER_LEASE_SECONDS = 60
    centre = make_centre()
    appointment, _code = book(centre, timezone.now() + dt.timedelta(hours=3))
    sms, mail = appointment.reminders.get(channel="sms"), appointment.reminders.get(channel="email")
    other, _code = book(centre, timezone.now() + dt.timedelta(hours=4))
    future = other.reminders.first()
    make_due([sms.pk, mail.pk])
    # sms: pending and due, its task was lost; mail: a worker claimed it and died long ago
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Reminder.objects.filter(pk=mail.pk).update(status="sending", attempts=1, lease_until=long_ago)
    tasks.enqueue_reminder(mail.pk, run_after=long_ago)
    DBTaskResult.objects.filter(args_kwargs__kwargs__reminder_id=mail.pk).update(
        status="RUNNING", started_at=long_ago
    )

    assert reminders.recover_stale_reminders() == 2
    assert queued(sms).count() == 1 and queued(mail).count() == 1
    assert queued(future).count() == 0
    assert reminders.recover_stale_reminders() == 0  # their tasks are queued now


def test_sms_gateway_retries_5xx_and_429_but_not_4xx(sms_server):
    pauses = []
    gateway = messaging.HttpSmsGateway(
        url=sms_server.url,
        username="api-user",
        password="api-secret",
        sender="Info",
        retries=2,
        backoff=0.5,
        sleep=pauses.append,
    )
    message = messaging.Message(PHONE, "", "Hej", "sv", "key-1")
    sms_server.script = [503, 429]
    provider_id = gateway.send(message)
    assert provider_id == sms_server.delivered["key-1"]["id"]
    assert len(sms_server.requests) == 3 and pauses == [0.5, 1.0]

    sms_server.script = [404]
    with pytest.raises(messaging.GatewayError) as refused:
        gateway.send(messaging.Message(PHONE, "", "Hej", "sv", "key-2"))
    assert refused.value.permanent and len(sms_server.requests) == 4

    wrong = messaging.HttpSmsGateway(
        url=sms_server.url,
        username="api-user",
        password="wrong",
        sender="Info",
        sleep=pauses.append,
    )
    with pytest.raises(messaging.GatewayError) as unauthorised:
        wrong.send(messaging.Message(PHONE, "", "Hej", "sv", "key-3"))
    assert not unauthorised.value.permanent and "401" in str(unauthorised.value)

    with pytest.raises(messaging.GatewayError) as landline:
        gateway.send(messaging.Message("+46812345678", "", "Hej", "sv", "key-4"))
    assert landline.value.permanent and "+4681" not in str(landline.value)


def test_sms_gateway_resends_after_a_read_timeout_with_the_same_key(sms_server):
    sms_server.delay = 0.6
    gateway = messaging.HttpSmsGateway(
        url=sms_server.url,
        username="api-user",
        password="api-secret",
        sender="Info",
        read_timeout=0.2,
        retries=2,
        backoff=0.01,
    )
    message = messaging.Message(PHONE, "", "Hej", "sv", "slow-key")
    with pytest.raises(messaging.GatewayError) as slow:
        gateway.send(message)
    assert "in time" in str(slow.value) and PHONE not in str(slow.value)
    assert len(sms_server.requests) == 3 and len(sms_server.delivered) == 1  # deduplicated
    sms_server.delay = 0
    assert gateway.send(message) == sms_server.delivered["slow-key"]["id"]


def test_unreachable_servers_give_safe_errors():
    closed = messaging.HttpSmsGateway(
        url="http://127.0.0.1:9/a1/sms",
        username="u",
        password="p",
        sender="Info",
        retries=1,
        sleep=lambda s: None,
    )
    with pytest.raises(messaging.GatewayError) as sms_error:
        closed.send(messaging.Message(PHONE, "", "Hej", "sv", "k"))
    smtp = messaging.SmtpGateway(host="127.0.0.1", port=9, sender=SENDER, timeout=2)
    with pytest.raises(messaging.GatewayError) as smtp_error:
        smtp.send(messaging.Message(EMAIL, "Hej", "Hej", "sv", "k"))
    for error in (sms_error.value, smtp_error.value):
        assert "unreachable" in str(error) and not error.permanent
        assert PHONE not in str(error) and EMAIL not in str(error)


# Real worker processes -------------------------------------------------------------------


class Workers:
    """`manage.py run_worker` subprocesses on the test database, with the test's servers."""

    def __init__(self, tmp_path, smtp, sms):
        self.tmp_path, self.processes = tmp_path, []
        database = {
            key: connection.settings_dict[key]
            for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
        overrides = {
            **GATEWAY_SETTINGS,
            "EMAIL_PORT": smtp.port,
            "NARA_SMS_URL": sms.url,
            "NARA_REMINDER_LEASE_SECONDS": 2,
            "NARA_REMINDER_RETRY_SECONDS": 0.2,
            "NARA_REMINDER_RECOVERY_GRACE_SECONDS": 0,
            "NARA_SMS_READ_TIMEOUT": 20,
        }
        (tmp_path / "worker_settings.py").write_text(
            "import json\n"
            "from nara.settings import *  # noqa\n"
            f"DATABASES['default'].update(json.loads({json.dumps(json.dumps(database))}))\n"
            f"globals().update(json.loads({json.dumps(json.dumps(overrides))}))\n"
        )
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "worker_settings",
        }

    def start(self, name):
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "run_worker",
                "--interval=0.1",
                "--recovery-interval=0.5",
                "--no-startup-delay",
                f"--worker-id={name}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        process.log = log
        self.processes.append(process)
        deadline = time.monotonic() + 20
        while "Worker started" not in log.read_text():
            assert process.poll() is None, self.logs()
            assert time.monotonic() < deadline, self.logs()
            time.sleep(0.05)
        return process

    def logs(self):
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()}" for p in self.processes)

    def stop(self, process, sig=signal.SIGTERM):
        process.send_signal(sig)
        return process.wait(timeout=15)

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def workers(transactional_db, tmp_path, smtp_server, sms_server, settings):
    for name, value in GATEWAY_SETTINGS.items():
        setattr(settings, name, value)
    pool = Workers(tmp_path, smtp_server, sms_server)
    yield pool
    pool.close()


def wait_until(condition, message, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message()
        time.sleep(0.1)


def all_final():
    return not Reminder.objects.filter(status__in=["pending", "sending"]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_reminder_exactly_once(workers, smtp_server, sms_server):
    centre = make_centre()
    soon = timezone.now() + dt.timedelta(hours=3)
    recipients = []
    for n, language in enumerate(["sv", "ar", "en", "so", "fa"]):
        phone, address = f"+4670123450{n}", f"person{n}@example.org"
        book(
            centre,
            soon + dt.timedelta(minutes=45 * n),
            language=language,
            phone=phone,
            email=address,
        )
        recipients.append((phone, address))
    missed, _code = book(
        centre, soon + dt.timedelta(hours=5), phone="+46701234599", email="x@example.org"
    )
    mark_missed(missed)
    booking.do_send_rebook_nudge(actor="test", appointment=missed)
    recipients.append(("+46701234599", "x@example.org"))
    DBTaskResult.objects.update(run_after=timezone.now() + dt.timedelta(hours=1))  # not yet
    sms_server.delay = smtp_server.delay = 0.2  # a send takes a while: time to collide
    first, second = workers.start("worker-1"), workers.start("worker-2")

    # Three wake-ups per reminder, next to each other in the queue, all due at one moment:
    # both workers pick tasks of the same reminder at the same time.
    due = list(Reminder.objects.exclude(status="cancelled"))
    assert len(due) == 12
    Reminder.objects.filter(pk__in=[r.pk for r in due]).update(send_at=timezone.now())
    start = timezone.now() + dt.timedelta(seconds=2)
    for n, reminder in enumerate(due):
        at = start + dt.timedelta(milliseconds=n)
        queued(reminder).update(run_after=at)
        tasks.enqueue_reminder(reminder.pk, run_after=at)
        tasks.enqueue_reminder(reminder.pk, run_after=at)
    wait_until(all_final, workers.logs)

    assert workers.stop(first) == 0 and workers.stop(second) == 0
    assert {(r.status, r.attempts) for r in Reminder.objects.exclude(status="cancelled")} == {
        ("sent", 1)
    }
    keys = {r.idempotency_key for r in due}
    assert len(sms_server.requests) == 6 and len(sms_server.delivered) == 6
    assert {r["to"] for r in sms_server.requests} == {phone for phone, _a in recipients}
    assert len(smtp_server.messages) == 6
    message_ids = [mail["Message-ID"] for _to, mail in smtp_server.messages]
    assert len(set(message_ids)) == 6
    assert {m.split("@")[0].strip("<") for m in message_ids} | set(sms_server.delivered) == keys
    assert {to[0] for to, _mail in smtp_server.messages} == {a for _p, a in recipients}
    assert len(audit_events("reminder.sent")) == 12
    assert audit.verify_chain()[1] is None
    finished = DBTaskResult.objects.filter(task_path=tasks.send_reminder.module_path)
    assert {w for ids in finished.values_list("worker_ids", flat=True) for w in ids} == {
        "worker-1",
        "worker-2",
    }


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_is_recovered_without_a_second_delivery(
    workers, smtp_server, sms_server, channel
):
    centre = make_centre()
    soon = timezone.now() + dt.timedelta(hours=3)
    for n in range(3):
        contact = {"phone": f"+4670123450{n}", "email": ""}
        if channel == "email":
            contact = {"phone": "", "email": f"person{n}@example.org"}
        book(centre, soon + dt.timedelta(minutes=45 * n), **contact)
    if channel == "sms":
        sms_server.hold()  # the provider takes the message but does not answer yet
    else:
        smtp_server.hold = True  # the mail server does not answer RCPT yet
    doomed = workers.start("doomed")
    make_due()
    arrived = sms_server.wait_for_requests(1) if channel == "sms" else smtp_server.wait_for_rcpt(1)
    assert arrived, workers.logs()

    assert workers.stop(doomed, signal.SIGKILL) == -signal.SIGKILL
    [stuck] = Reminder.objects.filter(status="sending")
    assert Reminder.objects.filter(status="pending").count() == 2
    sms_server.release()
    smtp_server.hold = False
    rescuer = workers.start("rescuer")
    wait_until(all_final, workers.logs)
    assert workers.stop(rescuer) == 0

    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    stuck.refresh_from_db()
    assert stuck.attempts == 2  # claimed again after its lease ran out
    keys = set(Reminder.objects.values_list("idempotency_key", flat=True))
    if channel == "sms":
        resent = [r for r in sms_server.requests if r["idempotency_key"] == stuck.idempotency_key]
        assert len(resent) == 2  # sent again, with the same key…
        assert len(sms_server.requests) == 4
        assert set(sms_server.delivered) == keys  # …and delivered once
    else:
        ids = [mail["Message-ID"] for _to, mail in smtp_server.messages]
        assert sorted(ids) == sorted(f"<{key}@boka.example.se>" for key in keys)
    assert len(audit_events("reminder.sent")) == 3


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_worker_finish_the_message_in_hand(workers, sms_server):
    appointment, _code = book(make_centre(), timezone.now() + dt.timedelta(hours=3), email="")
    sms_server.hold()
    worker = workers.start("worker")
    make_due()
    assert sms_server.wait_for_requests(1), workers.logs()

    worker.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert worker.poll() is None  # still waiting for the provider's answer
    sms_server.release()
    assert worker.wait(timeout=15) == 0, workers.logs()

    reminder = appointment.reminders.get()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    assert len(sms_server.requests) == 1
    assert "Worker stopped" in worker.log.read_text()
