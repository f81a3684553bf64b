"""Incoming referrals as the two sides see them: the centre reads the family a partner sent
(audited) and links it to its own records; the partner sees only three steps of its progress.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nara.core import audit, crypto
from nara.core.models import Referral, ReferralStatus

from .referrals import ReferralRefused

Status = ReferralStatus

# The centre's internal steps, as the partner that sent the family sees them.
PARTNER_SEES = {
    Status.SENT: Status.SENT,
    Status.RECEIVED: Status.RECEIVED,
    Status.ACCEPTED: Status.RECEIVED,
    Status.DECLINED: Status.RECEIVED,
    Status.NO_CONTACT: Status.RECEIVED,
    Status.CONTACT_MADE: Status.CONTACT_MADE,
    Status.HELP_STARTED: Status.CONTACT_MADE,
    Status.COMPLETED: Status.CONTACT_MADE,
    Status.ENDED_EARLY: Status.CONTACT_MADE,
    Status.CLOSED: Status.CLOSED,
    Status.WITHDRAWN: Status.WITHDRAWN,
}


def partner_status(referral):
    """The status an incoming referral shows its sender: sent, received, contact made, closed
    (or withdrawn)."""
    return Status(PARTNER_SEES[referral.status])


def incoming_family(referral):
    """The family's name and how to reach them, as the partner wrote them (decrypted)."""
    return {
        "name": crypto.decrypt(referral.family_name_encrypted),
        "contact": crypto.decrypt(referral.family_contact_encrypted),
    }


def record_incoming_view(*, actor, referral):
    """A worker read the family's name and contact details of an incoming referral: audited
    as a read of identified data."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="referral.view",
            obj=referral,
            center_id=referral.center_id,
            person_id=referral.person_id,
        )


def do_link_incoming_referral(*, actor, referral, person=None, household=None):
    """The centre links the family of an incoming referral to its own person or household."""
    if referral.direction != Referral.Direction.INCOMING:
        raise ReferralRefused(_("Only a referral from a partner is linked this way."))
    if person is None and household is None:
        raise ReferralRefused(_("Choose a person or a household."), "person")
    for obj in (person, household):
        if obj is not None and obj.center_id != referral.center_id:
            raise ReferralRefused(_("That record belongs to another centre."))
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        before = {"person": referral.person_id, "household": referral.household_id}
        if person is not None:
            referral.person = person
        if household is not None:
            referral.household = household
        referral.save(update_fields=["person", "household"])
        audit.record(
            actor=actor,
            action="referral.link",
            obj=referral,
            center_id=referral.center_id,
            person_id=referral.person_id,
            changes={
                "person": [before["person"], referral.person_id],
                "household": [before["household"], referral.household_id],
            },
        )
    return referral
