"""Retention (gallring): booking data is cut back to counts after the visit."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from nara.core import audit
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    CallbackRequest,
    PurgeProtocol,
    Reminder,
    Slot,
)

ANONYMISED = "–"


def do_purge(*, actor="purge", now=None):
    """Remove what identifies residents in old booking data; keep what the figures need.

    Appointments keep centre, time, mode, status and language (for the no-show rate), lose
    alias, phone and e-mail. Reminders, handled call-backs, answered questions and empty past
    slots are deleted. The protocol records counts, never content."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NARA_BOOKING_RETENTION_DAYS)
    question_cutoff = now - dt.timedelta(days=settings.NARA_QUESTION_RETENTION_DAYS)
    with transaction.atomic():
        old = Appointment.objects.filter(slot__ends_at__lt=cutoff).exclude(alias=ANONYMISED)
        counts = {
            "reminders": Reminder.objects.filter(appointment__slot__ends_at__lt=cutoff).delete()[0],
            "appointments_anonymised": old.update(
                alias=ANONYMISED,
                phone_encrypted="",
                email_encrypted="",
                code_encrypted="",
                topic="",
            ),
            "callbacks": CallbackRequest.objects.filter(handled_at__lt=cutoff).delete()[0],
            "questions": AnonymousQuestion.objects.filter(created_at__lt=question_cutoff).delete()[
                0
            ],
            "empty_slots": Slot.objects.filter(ends_at__lt=cutoff)
            .exclude(Exists(Appointment.objects.filter(slot=OuterRef("pk"))))
            .delete()[0],
        }
        protocol = PurgeProtocol.objects.create(counts=counts, cutoff=cutoff)
        audit.record(actor=actor, action="purge.run", obj=protocol, changes=counts)
    return protocol
