"""Retention (gallring): booking data is cut back to counts after the visit, and casework
records go when their retention period (RetentionPolicy, set by the administrator) has passed.

Casework records are purged child first, so nothing a kept record needs disappears under it:
contacts and offers, journal notes (a correction and the note it corrects only together),
escalations, group participants and waiting-list entries that name someone, aliases,
consents, then households and people that have nothing left; and collaboration meetings (no
personal data) with their actions and counts. A person or
household under legal hold keeps everything about it. The protocol records counts, never
content.

Outreach shifts and a group's attendance numbers are statistics, not personal data: they are
kept. A waiting-list entry that is only a number (counts-only groups) is kept likewise.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from nara.core import audit
from nara.core.actions.feedback import purge_comments
from nara.core.models import (
    Alias,
    AnonymousQuestion,
    Appointment,
    CallbackRequest,
    Consent,
    Contact,
    Escalation,
    GroupParticipant,
    Household,
    JournalNote,
    MeetingAction,
    PartnerMeeting,
    Person,
    PurgeProtocol,
    RecordType,
    Referral,
    ReferralStatus,
    Reminder,
    RetentionPolicy,
    Slot,
    SupportOffer,
    WaitingListEntry,
)
from nara.insights import rollups

ANONYMISED = "–"
FINAL_REFERRAL = (ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN)

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
    RecordType.REFERRAL: 3 * 365,
    RecordType.MEETING: 5 * 365,
    # After they left the group (or its last session, or joining when neither is known).
    RecordType.PARTICIPANT: 2 * 365,
    # After the entry was decided (placed, withdrawn), or added when it is still waiting.
    RecordType.WAITING_LIST: 365,
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
        counts["feedback_texts"] = purge_comments(now)
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
    counts["referrals"] = _purge_referrals(before_time(RecordType.REFERRAL))
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
        .exclude(Exists(Referral.objects.filter(alias=OuterRef("pk"))))
    )
    counts["group_participants"] = _purge_participants(before(RecordType.PARTICIPANT))
    counts["waiting_list"] = _purge_waiting(before(RecordType.WAITING_LIST))
    counts["aliases"] = _count(Alias, aliases)
    counts["consents"] = _purge_consents(before(RecordType.CONSENT))
    counts["households"] = _purge_households(before_time(RecordType.HOUSEHOLD))
    counts["people"] = _purge_people(before_time(RecordType.PERSON))
    counts["meetings"] = _purge_meetings(before(RecordType.MEETING))
    return counts


def _purge_meetings(cutoff):
    """Meetings held before `cutoff`, with their actions and counts; a meeting with an action
    still open and due since the cutoff is live work and stays."""
    live = MeetingAction.objects.filter(
        meeting=OuterRef("pk"), status=MeetingAction.Status.OPEN, due__gte=cutoff
    )
    meetings = PartnerMeeting.objects.filter(held_on__lt=cutoff).exclude(Exists(live))
    return _count(PartnerMeeting, meetings)


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


def _purge_referrals(cutoff):
    """Referrals closed or withdrawn before `cutoff`: an open referral is live work."""
    referrals = (
        Referral.objects.filter(status__in=FINAL_REFERRAL, status_changed_at__lt=cutoff)
        .exclude(legal_hold=True)
        .exclude(_held())
        .exclude(alias__person__legal_hold=True)
    )
    return _count(Referral, referrals)


def _purge_consents(cutoff):
    """Consents that ended (expired or withdrawn) before `cutoff` and no alias link needs."""
    consents = (
        Consent.objects.annotate(ended=Coalesce(TruncDate("withdrawn_at"), F("valid_until")))
        .filter(ended__lt=cutoff)
        .exclude(_held())
        .exclude(Exists(Alias.objects.filter(link_consent=OuterRef("pk"))))
        .exclude(Exists(Referral.objects.filter(consent=OuterRef("pk"))))
    )
    return _count(Consent, consents)


def _purge_households(cutoff):
    households = Household.objects.filter(created_at__lt=cutoff, legal_hold=False).exclude(
        Q(Exists(Contact.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(SupportOffer.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(JournalNote.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(Consent.objects.filter(household=OuterRef("pk"))))
        | Q(Exists(Referral.objects.filter(household=OuterRef("pk"))))
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
        | Q(Exists(Referral.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(GroupParticipant.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(WaitingListEntry.objects.filter(person=OuterRef("pk"))))
        | Q(households__isnull=False)
    )
    return _count(Person, people)


def _not_held(queryset):
    return queryset.exclude(
        Q(person__legal_hold=True)
        | Q(person__households__household__legal_hold=True)
        | Q(alias__person__legal_hold=True)
    )


def _purge_participants(cutoff):
    """Participants who left (or whose group last met, or who joined) before `cutoff`; one
    still in a group that meets is live work and stays."""
    last_session = Max("activity__sessions__starts_at")
    participants = (
        GroupParticipant.objects.annotate(last_met=TruncDate(last_session))
        .annotate(last=Coalesce("left_on", "last_met", "joined_on"))
        .filter(last__lt=cutoff)
    )
    return _count(GroupParticipant, _not_held(participants))


def _purge_waiting(cutoff):
    """Waiting-list entries naming a person or alias, decided (or added) before `cutoff`."""
    entries = (
        WaitingListEntry.objects.filter(Q(person__isnull=False) | Q(alias__isnull=False))
        .annotate(last=Coalesce("decided_on", "added_on"))
        .filter(last__lt=cutoff)
    )
    return _count(WaitingListEntry, _not_held(entries))
