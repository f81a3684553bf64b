"""Retention (gallring): booking data is cut back to counts after the visit, and casework
records go when their retention period (RetentionPolicy, set by the administrator) has passed.

Casework records are purged child first, so nothing a kept record needs disappears under it:
contacts and offers, journal notes (a correction and the note it corrects only together),
escalations, aliases, consents, then households and people that have nothing left. A person or
household under legal hold keeps everything about it. The protocol records counts, never
content.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from nara.core import audit
from nara.core.models import (
    Alias,
    AnonymousQuestion,
    Appointment,
    CallbackRequest,
    Consent,
    Contact,
    Escalation,
    Household,
    JournalNote,
    Person,
    PurgeProtocol,
    RecordType,
    Reminder,
    RetentionPolicy,
    Slot,
    SupportOffer,
)
from nara.insights import rollups

ANONYMISED = "–"

# Defaults until the committee decides (README, "Retention"): days after the last activity.
DEFAULT_RETENTION_DAYS = {
    RecordType.CONTACT: 3 * 365,
    RecordType.OFFER: 3 * 365,
    RecordType.ALIAS: 3 * 365,
    RecordType.NOTE: 5 * 365,
    RecordType.ESCALATION: 5 * 365,
    RecordType.PERSON: 5 * 365,
    RecordType.HOUSEHOLD: 5 * 365,
    RecordType.CONSENT: 365,
}


def retention_days():
    """Record type → days kept: the administrator's policy, else the default."""
    days = dict(DEFAULT_RETENTION_DAYS)
    days.update(RetentionPolicy.objects.values_list("record_type", "days"))
    return days


def do_set_retention(*, actor, days):
    """Set the retention period of each record type given in `days` (type → days)."""
    with transaction.atomic():
        before = retention_days()
        for record_type, value in days.items():
            RetentionPolicy.objects.update_or_create(
                record_type=record_type, defaults={"days": value}
            )
        changes = audit.field_changes(
            {str(k): v for k, v in before.items()},
            {str(k): v for k, v in retention_days().items()},
        )
        if changes:
            audit.record(actor=actor, action="retention.set", changes=changes)
    return changes


def do_purge(*, actor="purge", now=None):
    """Remove what identifies residents in old booking data and casework past its period.

    Appointments keep centre, time, mode, status and language (for the no-show rate), lose
    alias, phone and e-mail. Reminders, handled call-backs, answered questions and empty past
    slots are deleted. The protocol records counts, never content."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NARA_BOOKING_RETENTION_DAYS)
    with transaction.atomic():
        counts = _purge_booking(now, cutoff)
        counts.update(_purge_casework(now))
        protocol = PurgeProtocol.objects.create(counts=counts, cutoff=cutoff)
        audit.record(actor=actor, action="purge.run", obj=protocol, changes=counts)
    return protocol


def _purge_booking(now, cutoff):
    question_cutoff = now - dt.timedelta(days=settings.NARA_QUESTION_RETENTION_DAYS)
    old = Appointment.objects.filter(slot__ends_at__lt=cutoff).exclude(alias=ANONYMISED)
    return {
        "reminders": Reminder.objects.filter(appointment__slot__ends_at__lt=cutoff).delete()[0],
        "appointments_anonymised": old.update(
            alias=ANONYMISED, phone_encrypted="", email_encrypted="", code_encrypted="", topic=""
        ),
        "callbacks": CallbackRequest.objects.filter(handled_at__lt=cutoff).delete()[0],
        "questions": AnonymousQuestion.objects.filter(created_at__lt=question_cutoff).delete()[0],
        "empty_slots": Slot.objects.filter(ends_at__lt=cutoff)
        .exclude(Exists(Appointment.objects.filter(slot=OuterRef("pk"))))
        .delete()[0],
    }


def _held(prefix=""):
    """Q for records whose person or household is under legal hold (directly or as member)."""
    return (
        Q(**{f"{prefix}person__legal_hold": True})
        | Q(**{f"{prefix}household__legal_hold": True})
        | Q(**{f"{prefix}person__households__household__legal_hold": True})
    )


CHUNK = 2000


def _count(model, queryset):
    """Delete and return how many rows of `model` itself went (not cascaded rows).

    In chunks: Django loads what it deletes to handle the relations, and the first run on
    years of data may remove hundreds of thousands of rows."""
    ids = list(dict.fromkeys(queryset.values_list("pk", flat=True)))
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        chunk = model.objects.filter(pk__in=ids[start : start + CHUNK])
        deleted += chunk.delete()[1].get(model._meta.label, 0)
    return deleted


def _purge_casework(now):
    days = retention_days()
    today = timezone.localdate(now)

    def before(record_type):
        return today - dt.timedelta(days=days[record_type])

    def before_time(record_type):
        return now - dt.timedelta(days=days[record_type])

    counts = {}
    # An offer's last activity is its end, else its start, answer or the offer itself; an
    # offer under way (started, not ended) is live work and stays.
    offers = (
        SupportOffer.objects.annotate(
            last=Coalesce("ended_on", "started_on", "answered_on", "offered_on")
        )
        .filter(last__lt=before(RecordType.OFFER))
        .exclude(started_on__isnull=False, ended_on__isnull=True)
        .exclude(_held())
        .exclude(alias__person__legal_hold=True)
    )
    # The insights rollups keep these rows' counts: note how far the raw rows now go back.
    rollups.mark_purged("offers", offers)
    counts["offers"] = _count(SupportOffer, offers)
    contacts = (
        Contact.objects.filter(occurred_on__lt=before(RecordType.CONTACT))
        .exclude(_held())
        .exclude(alias__person__legal_hold=True)
        .exclude(Exists(SupportOffer.objects.filter(contact=OuterRef("pk"))))
    )
    rollups.mark_purged("contacts", contacts)
    counts["contacts"] = _count(Contact, contacts)
    counts["journal_notes"] = _purge_notes(before_time(RecordType.NOTE))
    escalations = Escalation.objects.filter(made_on__lt=before(RecordType.ESCALATION)).exclude(
        Q(person__legal_hold=True) | Q(person__households__household__legal_hold=True)
    )
    rollups.mark_purged("escalations", escalations)
    counts["escalations"] = _count(Escalation, escalations)
    aliases = (
        Alias.objects.filter(created_at__lt=before_time(RecordType.ALIAS))
        .exclude(person__legal_hold=True)
        .exclude(Exists(Contact.objects.filter(alias=OuterRef("pk"))))
        .exclude(Exists(SupportOffer.objects.filter(alias=OuterRef("pk"))))
    )
    counts["aliases"] = _count(Alias, aliases)
    counts["consents"] = _purge_consents(before(RecordType.CONSENT))
    counts["households"] = _purge_households(before_time(RecordType.HOUSEHOLD))
    counts["people"] = _purge_people(before_time(RecordType.PERSON))
    return counts


def _purge_notes(cutoff):
    """Notes written before `cutoff`; a correction chain goes only when all of it may go."""
    old = set(
        JournalNote.objects.filter(created_at__lt=cutoff)
        .exclude(_held())
        .values_list("pk", flat=True)
    )
    links = list(
        JournalNote.objects.filter(corrects__isnull=False).values_list("corrects_id", "pk")
    )
    changed = True
    while changed:  # drop from `old` every note linked to one that stays
        changed = False
        for original, correction in links:
            if (original in old) != (correction in old):
                old.discard(original)
                old.discard(correction)
                changed = True
    deleted = 0
    while old:  # newest corrections first: a corrected note is protected by its correction
        referenced = {original for original, correction in links if correction in old}
        layer = old - referenced
        deleted += _count(JournalNote, JournalNote.objects.filter(pk__in=list(layer)))
        old -= layer
    return deleted


def _purge_consents(cutoff):
    """Consents that ended (expired or withdrawn) before `cutoff` and no alias link needs."""
    consents = (
        Consent.objects.annotate(ended=Coalesce(TruncDate("withdrawn_at"), F("valid_until")))
        .filter(ended__lt=cutoff)
        .exclude(_held())
        .exclude(Exists(Alias.objects.filter(link_consent=OuterRef("pk"))))
    )
    return _count(Consent, consents)


def _purge_households(cutoff):
    households = Household.objects.filter(created_at__lt=cutoff, legal_hold=False).exclude(
        Q(Exists(Contact.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(SupportOffer.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(JournalNote.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(Consent.objects.filter(household=OuterRef("pk"))))
        | Q(members__person__legal_hold=True)
    )
    return _count(Household, households)


def _purge_people(cutoff):
    """People registered before `cutoff` about whom no record is kept any more."""
    people = Person.objects.filter(created_at__lt=cutoff, legal_hold=False).exclude(
        Q(Exists(Contact.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(SupportOffer.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(JournalNote.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(Consent.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(Escalation.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(Alias.objects.filter(person=OuterRef("pk"))))
        | Q(households__isnull=False)
    )
    return _count(Person, people)
