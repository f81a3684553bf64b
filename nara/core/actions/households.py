"""Households (hushåll): identified data, so only where a service of the centre documents fully.

Every change is audited in its transaction; a household read is audited per member (with the
member's person id) so that each member's log review shows it.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.actions.free_text import identity_number_problem
from nara.core.actions.people import protected_flags
from nara.core.models import Household, HouseholdMember, Service


class HouseholdRefused(ValueError):
    """A household change that is not allowed; the message is safe to show."""


def centre_documents_fully(center):
    return Service.objects.filter(
        centers=center, documentation_level=Service.DocumentationLevel.FULL
    ).exists()


def do_create_household(*, actor, center, name):
    name = (name or "").strip()
    if not name:
        raise HouseholdRefused(_("Give the household a name."))
    if identity_number_problem(name):
        raise HouseholdRefused(identity_number_problem(name))
    if not centre_documents_fully(center):
        raise HouseholdRefused(
            _(
                "This centre gives no service with full documentation: "
                "households cannot be recorded here."
            )
        )
    with transaction.atomic():
        household = Household.objects.create(center=center, name=name)
        audit.record(
            actor=actor,
            action="household.create",
            obj=household,
            changes={"name": [None, audit.MASKED]},
        )
    return household


def do_add_member(*, actor, household, person, relationship):
    if relationship not in HouseholdMember.Relationship.values:
        raise HouseholdRefused(_("Choose how the person belongs to the household."))
    if person.center_id != household.center_id:
        raise HouseholdRefused(_("The person and the household must belong to the same centre."))
    try:
        with transaction.atomic():
            member = HouseholdMember.objects.create(
                household=household, person=person, relationship=relationship
            )
            audit.record(
                actor=actor,
                action="household.add_member",
                obj=household,
                person_id=person.pk,
                flags=protected_flags(person),
                changes={"member": [None, person.pk], "relationship": [None, relationship]},
            )
    except IntegrityError:
        raise HouseholdRefused(_("The person is already a member of this household.")) from None
    return member


def do_remove_member(*, actor, member):
    with transaction.atomic():
        household, person_id = member.household, member.person_id
        audit.record(
            actor=actor,
            action="household.remove_member",
            obj=household,
            person_id=person_id,
            flags=protected_flags(member.person),
            changes={"member": [person_id, None], "relationship": [member.relationship, None]},
        )
        member.delete()
    return household


def do_set_household_legal_hold(*, actor, household, on):
    """A legal hold keeps the household out of every retention purge until it is lifted."""
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        if household.legal_hold != on:
            household.legal_hold = on
            household.save(update_fields=["legal_hold"])
            audit.record(
                actor=actor,
                action="household.legal_hold",
                obj=household,
                changes={"legal_hold": [not on, on]},
            )
    return household


def record_household_view(*, actor, household, members, flags, reason=""):
    """One audited read per member (so each member's log shows it), or one for an empty one."""
    with transaction.atomic():
        for member in members or [None]:
            person = member.person if member else None
            member_flags = set(flags) | protected_flags(person)
            audit.record(
                actor=actor,
                action="household.view",
                obj=household,
                person_id=getattr(person, "pk", None),
                flags=member_flags,
                reason=reason,
            )
