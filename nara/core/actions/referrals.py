"""Referrals (remisser) between the centres and their partners, with the loop closed.

Outgoing: a worker sends a person, household or alias to a partner's service. Identity goes
only with a valid consent to that partner covering what is shared (checked in the same
transaction, so a withdrawal that commits first wins) or a statutory basis from the
administrator's list (flagged for log review). Incoming: a partner user sends a family to a
centre with the family's consent as recorded on the partner's form.

Every status change is a ReferralEvent and an audit entry. Who may set which status depends on
the side: the recipient moves the referral along, the sender withdraws it and closes it.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.models import (
    NEXT_STATUS,
    Appointment,
    Capacity,
    Consent,
    FollowUpTask,
    Mode,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Slot,
)
from nara.lib.topics import TOPIC_TITLES

from .booking import do_cancel, token_hash
from .consent import MissingConsent, require_consent
from .followups import next_working_day

Status = ReferralStatus
Direction = Referral.Direction

# What the recipient does with a referral; the sender can only withdraw and close.
RECIPIENT_STEPS = {
    Status.RECEIVED,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.CONTACT_MADE,
    Status.NO_CONTACT,
    Status.HELP_STARTED,
    Status.COMPLETED,
    Status.ENDED_EARLY,
}
SENDER_STEPS = {Status.WITHDRAWN, Status.CLOSED}
# On an incoming referral the partner sees only these (and may withdraw before it is received).
PARTNER_VISIBLE_INCOMING = {Status.SENT, Status.RECEIVED, Status.CONTACT_MADE, Status.CLOSED}
IDENTIFYING_SCOPE = {Consent.Scope.IDENTITY, Consent.Scope.CONTACT_DETAILS}


class ReferralRefused(ValueError):
    """The input breaks a rule; `field` names the form field it belongs to (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def check_service_open(service):
    """A service takes new referrals: in the directory and taking people. One that takes its
    referrals by phone (accepts_referrals False) is referred to all the same; the worker then
    records the partner's answers (do_set_referral_status(recorded_by_centre=True))."""
    if not (service.active and service.partner.active):
        raise ReferralRefused(_("This service is no longer in the directory."), "service")
    if service.capacity == Capacity.NOT_TAKING:
        raise ReferralRefused(
            _("%(service)s has stopped taking referrals. Choose another service.")
            % {"service": service.name},
            "service",
        )


def _check_topic(topic):
    if topic not in TOPIC_TITLES:
        raise ReferralRefused(_("Choose one of the help topics."), "topic")


def _check_shared(shared, *, person, household, alias):
    unknown = set(shared) - set(Consent.Scope.values)
    if unknown:
        raise ReferralRefused(_("Choose what is shared from the list."), "shared")
    if person is None and household is None and set(shared) - {Consent.Scope.SITUATION}:
        raise ReferralRefused(
            _("Name and contact details can only be shared for an identified person."), "shared"
        )
    subjects = [obj for obj in (person, household, alias) if obj is not None]
    if len(subjects) != 1:
        raise ReferralRefused(_("A referral is about one person, household or alias."))


def do_send_referral(
    *,
    actor,
    center,
    service,
    topic,
    shared=(),
    person=None,
    household=None,
    alias=None,
    contact=None,
    legal_basis=None,
):
    """Send an outgoing referral; MissingConsent (a ReferralRefused) names what is missing."""
    check_service_open(service)
    _check_topic(topic)
    shared = sorted(set(shared))
    _check_shared(shared, person=person, household=household, alias=alias)
    for obj in (person, household, alias, contact):
        if obj is not None and obj.center_id != center.pk:
            raise ReferralRefused(_("That record belongs to another centre."))
    if service.partner.municipality_id != center.municipality_id:
        raise ReferralRefused(_("Choose a service of this municipality's partners."), "service")
    if legal_basis is not None and (
        not legal_basis.active or legal_basis.municipality_id != center.municipality_id
    ):
        raise ReferralRefused(_("Choose a legal basis from the list."), "legal_basis")
    identified = person is not None or household is not None
    with transaction.atomic():
        consent = None
        if identified and legal_basis is None:
            try:
                consent = require_consent(
                    scope=shared or [Consent.Scope.SITUATION],
                    recipient_partner=service.partner,
                    person=person,
                    household=household,
                )
            except MissingConsent as missing:
                raise ReferralRefused(str(missing), "shared") from missing
        referral = Referral.objects.create(
            direction=Direction.OUTGOING,
            center=center,
            partner=service.partner,
            service=service,
            topic=topic,
            person=person,
            household=household,
            alias=alias,
            contact=contact,
            shared=shared,
            consent=consent,
            legal_basis=legal_basis if identified else None,
            created_by=actor,
        )
        event = ReferralEvent.objects.create(referral=referral, status=Status.SENT, by=actor)
        _announce(referral, event)
        _remind(actor, referral, center.municipality.referral_reminder_days)
        audit.record(
            actor=actor,
            action="referral.send",
            obj=referral,
            person_id=getattr(person, "pk", None),
            changes={
                "service": [None, service.pk],
                "shared": [None, shared],
                "consent": [None, getattr(consent, "pk", None)],
                "legal_basis": [None, getattr(referral.legal_basis, "pk", None)],
            },
            flags={"statutory_sharing"} if referral.legal_basis_id else set(),
        )
    return referral


def do_send_incoming_referral(
    *,
    actor,
    partner,
    center,
    topic,
    family_name,
    family_contact,
    consent_given_by,
    consent_given_how,
    consent_scope,
):
    """A partner user sends a family to a centre, with the family's consent on record."""
    _check_topic(topic)
    if not partner.active or partner.municipality_id != center.municipality_id:
        raise ReferralRefused(_("Choose one of the centres."), "center")
    if not family_name.strip() or not family_contact.strip():
        raise ReferralRefused(_("Give the family's name and how to reach them."), "family_name")
    if consent_given_by not in Consent.GivenBy.values:
        raise ReferralRefused(_("Say who gave the consent."), "consent_given_by")
    if consent_given_how not in Consent.GivenHow.values:
        raise ReferralRefused(_("Say how the consent was given."), "consent_given_how")
    scope = sorted(set(consent_scope))
    if set(scope) - set(Consent.Scope.values) or not set(scope) >= IDENTIFYING_SCOPE:
        raise ReferralRefused(
            _("The family must agree that the centre gets their name and contact details."),
            "consent_scope",
        )
    with transaction.atomic():
        referral = Referral.objects.create(
            direction=Direction.INCOMING,
            center=center,
            partner=partner,
            topic=topic,
            family_name_encrypted=crypto.encrypt(family_name.strip()),
            family_contact_encrypted=crypto.encrypt(family_contact.strip()),
            partner_consent_given_by=consent_given_by,
            partner_consent_given_how=consent_given_how,
            partner_consent_scope=scope,
            shared=scope,
            created_by=actor,
        )
        ReferralEvent.objects.create(
            referral=referral, status=Status.SENT, by=actor, by_partner=True
        )
        FollowUpTask.objects.create(
            center=center,
            title=str(_("Contact the family a partner referred")),
            due=timezone.localdate(),
            referral=referral,
        )
        audit.record(
            actor=actor,
            action="referral.incoming",
            obj=referral,
            center_id=center.pk,
            changes={"partner": [None, partner.pk], "scope": [None, scope]},
        )
    return referral


def _announce(referral, event):
    """A partner whose system takes notifications (the partner API's webhook) is told of every
    status change of a referral addressed to it, in this transaction (exactly once)."""
    if referral.direction == Direction.OUTGOING:
        from nara.api.webhooks import announce_status_change

        announce_status_change(referral=referral, event=event)


def _remind(actor, referral, days):
    due = next_working_day(timezone.localdate() + dt.timedelta(days=days))
    FollowUpTask.objects.create(
        center=referral.center,
        title=str(_("No answer yet on a referral to %(partner)s") % {"partner": referral.partner}),
        due=due,
        assigned_to=actor,
        created_by=actor,
        person=referral.person,
        referral=referral,
    )


def allowed_steps(referral, *, by_partner):
    """The statuses this side may set next."""
    recipient_is_partner = referral.direction == Direction.OUTGOING
    own = RECIPIENT_STEPS if by_partner == recipient_is_partner else SENDER_STEPS
    if referral.direction == Direction.INCOMING:
        # The partner may only take the family back before the centre has it; the centre
        # receives, makes contact and closes the referral itself.
        own = (
            ({Status.WITHDRAWN} if referral.status == Status.SENT else set())
            if by_partner
            else RECIPIENT_STEPS | {Status.CLOSED}
        )
    return [s for s in Status.values if s in NEXT_STATUS[referral.status] and s in own]


def records_for_partner(referral):
    """True when the centre writes down the partner's answers itself: an outgoing referral to a
    service that does not take its referrals through Nära (it is handled by phone)."""
    service = referral.service
    return (
        referral.direction == Direction.OUTGOING
        and service is not None
        and not service.accepts_referrals
    )


def do_set_referral_status(
    *, actor, referral, status, by_partner, reason="", recorded_by_centre=False
):
    """Move the referral on; out of order, or by the wrong side, is refused.

    recorded_by_centre: a centre worker records the partner's answer on its behalf (only for a
    service that does not take referrals through Nära); the event and the audit say so."""
    if status not in Status.values:
        raise ReferralRefused(_("Choose one of the options."), "status")
    if status == Status.DECLINED and reason not in Referral.DeclineReason.values:
        raise ReferralRefused(_("Say why the referral is declined."), "reason")
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if recorded_by_centre:
            if not records_for_partner(referral):
                raise ReferralRefused(
                    _("This partner answers in Nära itself; its answers are not recorded here."),
                    "status",
                )
            by_partner = True
        if status not in allowed_steps(referral, by_partner=by_partner):
            raise ReferralRefused(
                _("A referral that is “%(now)s” cannot become “%(next)s”.")
                % {"now": referral.get_status_display(), "next": Status(status).label},
                "status",
            )
        before = referral.status
        referral.status = status
        referral.status_changed_at = timezone.now()
        referral.decline_reason = reason if status == Status.DECLINED else referral.decline_reason
        referral.save(update_fields=["status", "status_changed_at", "decline_reason"])
        event = ReferralEvent.objects.create(
            referral=referral,
            status=status,
            by=actor,
            by_partner=by_partner,
            recorded_by_centre=recorded_by_centre,
            reason=reason if status == Status.DECLINED else "",
        )
        _announce(referral, event)
        _settle_reminders(referral, status)
        changes = {"status": [before, status]}
        if recorded_by_centre:
            changes["recorded_for_partner"] = [None, referral.partner_id]
        audit.record(
            actor=actor,
            action="referral.status",
            obj=referral,
            center_id=referral.center_id,
            person_id=referral.person_id,
            changes=changes,
        )
        if status == Status.WITHDRAWN:
            _cancel_joint_meeting(actor, referral)
    return referral


def _settle_reminders(referral, status):
    """The waiting is over once the other side answered (or the referral ended)."""
    answered = (referral.direction == Direction.OUTGOING and status != Status.SENT) or (
        referral.direction == Direction.INCOMING
        and status in {Status.CONTACT_MADE, Status.CLOSED, Status.WITHDRAWN, Status.DECLINED}
    )
    if answered:
        FollowUpTask.objects.filter(referral=referral, done_at__isnull=True).update(
            done_at=timezone.now()
        )


def step_durations(referral):
    """(status, when, time since the step before) for each event, for the centre's view."""
    rows, previous = [], None
    for event in referral.events.all():
        rows.append((event.status, event.at, None if previous is None else event.at - previous))
        previous = event.at
    return rows


def time_to_first_contact(referral):
    """From sent to contact made, or None while no contact is made."""
    events = list(referral.events.all())
    sent = next((e.at for e in events if e.status == Status.SENT), None)
    made = next((e.at for e in events if e.status == Status.CONTACT_MADE), None)
    return made - sent if sent and made else None


def family_for_partner(referral):
    """What the partner may see of who the referral is about: name and contact details only
    as far as the consent covers them; otherwise None (an alias and the centre's way in)."""
    if referral.direction == Direction.INCOMING:
        return None
    shared = set(referral.shared)
    person = referral.person
    if person is None:
        return None
    if referral.consent_id and not referral.consent.is_valid():
        return None  # withdrawn or expired: from that moment the partner sees no identity
    found = {}
    if Consent.Scope.IDENTITY in shared:
        found["name"] = f"{person.first_name} {person.last_name}"
    if Consent.Scope.CONTACT_DETAILS in shared and not person.protected_identity:
        found["phone"] = crypto.decrypt(person.phone_encrypted)
        found["email"] = crypto.decrypt(person.email_encrypted)
    return found or None


def record_partner_view(*, actor, referral):
    """A partner user opened a referral that names a person: audited."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="referral.partner_view",
            obj=referral,
            center_id=referral.center_id,
            person_id=referral.person_id,
            flags={"partner_read"},
        )


# A warm referral: a joint meeting with the partner at the centre ----------------------------
#
# The meeting takes one of the centre's free booking slots as an Appointment booked by staff
# (no phone, no e-mail, so no reminders): the database's one-active-appointment-per-slot rule
# then keeps residents (and a second joint meeting) out of it, the calendar shows it, and a
# closed day moves or cancels it like any visit. Withdrawing the slot instead would not do:
# reopening a closed day puts withdrawn slots back on sale.

JOINT_MEETING_ALIAS = _("Joint meeting: %(partner)s")


def do_book_joint_meeting(*, actor, referral, slot):
    """Book `slot` (the referral's centre's own, future and free) for a meeting with the
    partner; ReferralRefused says why not, and nothing is saved."""
    if not referral.is_open:
        raise ReferralRefused(_("The referral is no longer open."), "slot")
    if slot is None or slot.center_id != referral.center_id:
        raise ReferralRefused(_("Choose one of this centre's free times."), "slot")
    if slot.starts_at <= timezone.now():
        raise ReferralRefused(_("That time has already passed. Choose a later one."), "slot")
    alias = str(JOINT_MEETING_ALIAS % {"partner": referral.partner.name})[:40]
    try:
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=referral.pk)
            if referral.joint_meeting_id and _active_meeting(referral) is not None:
                raise ReferralRefused(_("A joint meeting is already booked."), "slot")
            if not Slot.objects.select_for_update().filter(pk=slot.pk, is_withdrawn=False):
                raise ReferralRefused(_("That time is no longer free. Choose another."), "slot")
            appointment = Appointment.objects.create(
                slot=slot,
                center_id=referral.center_id,
                mode=Mode.CENTRE,
                alias=alias,
                language="sv",
                manage_token_hash=token_hash(uuid.uuid4().hex),
                code_hash=token_hash(uuid.uuid4().hex),
                booked_by_staff=True,
            )
            referral.joint_meeting = slot
            referral.save(update_fields=["joint_meeting"])
            audit.record(
                actor=actor,
                action="referral.joint_meeting",
                obj=referral,
                center_id=referral.center_id,
                person_id=referral.person_id,
                changes={"slot": [None, slot.pk], "appointment": [None, appointment.pk]},
            )
    except IntegrityError:
        raise ReferralRefused(_("That time is no longer free. Choose another."), "slot") from None
    return referral


def _active_meeting(referral):
    return Appointment.objects.filter(
        slot_id=referral.joint_meeting_id,
        booked_by_staff=True,
        status=Appointment.Status.BOOKED,
    ).first()


def _cancel_joint_meeting(actor, referral):
    """A withdrawn referral frees its future joint meeting for residents again."""
    if not referral.joint_meeting_id:
        return
    appointment = _active_meeting(referral)
    if appointment is not None and appointment.slot.starts_at > timezone.now():
        do_cancel(appointment=appointment, by_centre=True, actor=actor)
