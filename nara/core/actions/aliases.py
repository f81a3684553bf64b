"""Aliases: anonymous → identified later, only with the resident's consent.

Linking records the consent and the link in one transaction; the alias's earlier contacts then
carry the person. Unlinking (with a reason) takes the person off exactly those contacts again.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.actions.consent import do_record_consent
from nara.core.actions.people import protected_flags
from nara.core.models import Alias, Consent, Contact
from nara.insights import followups, rollups

LINK_PURPOSE = "linking earlier contacts"
LINK_SCOPE = [Consent.Scope.IDENTITY, Consent.Scope.SITUATION]
# The audit reason when a link is undone because its consent was withdrawn.
CONSENT_WITHDRAWN = "consent withdrawn"


class LinkRefused(ValueError):
    """The link (or unlink) is not allowed; the message is safe to show."""


def do_link_alias(
    *, actor, alias, person, consent_given, given_how, given_by, valid_until, given_on=None
):
    """Link an alias to a person the resident agreed to be, with the consent on record."""
    if not consent_given:
        raise LinkRefused(_("The resident must agree before earlier contacts are linked."))
    if valid_until is None or valid_until < (given_on or timezone.localdate()):
        raise LinkRefused(_("The consent must be valid today or later."))
    if person.center_id != alias.center_id:
        raise LinkRefused(_("The alias and the person must belong to the same centre."))
    with transaction.atomic():
        alias = Alias.objects.select_for_update().get(pk=alias.pk)
        if alias.person_id is not None:
            raise LinkRefused(_("This alias is already linked to a person."))
        consent = do_record_consent(
            actor=actor,
            center=alias.center,
            person=person,
            scope=LINK_SCOPE,
            recipient_unit=alias.center.name,
            purpose=LINK_PURPOSE,
            given_how=given_how,
            given_by=given_by,
            given_on=given_on,
            valid_until=valid_until,
        )
        alias.person, alias.linked_at, alias.link_consent = person, timezone.now(), consent
        alias.save(update_fields=["person", "linked_at", "link_consent"])
        contacts = list(
            Contact.objects.filter(alias=alias, person__isnull=True).values_list("pk", flat=True)
        )
        with rollups.reach_kept(people=[person.pk]):
            Contact.objects.filter(pk__in=contacts).update(person=person)
        followups.touched(center_id=alias.center_id, person_ids=[person.pk], alias_ids=[alias.pk])
        audit.record(
            actor=actor,
            action="alias.link",
            obj=alias,
            person_id=person.pk,
            flags=protected_flags(person),
            changes={
                "person": [None, person.pk],
                "consent": [None, consent.pk],
                "contacts_linked": [None, sorted(contacts)],
            },
        )
    return alias


def do_unlink_alias(*, actor, alias, reason):
    """Undo a link: the contacts the link gave the person go back to the alias alone."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise LinkRefused(_("Say why the link is undone (at least 10 characters)."))
    with transaction.atomic():
        alias = Alias.objects.select_for_update().get(pk=alias.pk)
        if alias.person_id is None:
            raise LinkRefused(_("This alias is not linked to a person."))
        return _unlink(actor=actor, alias=alias, reason=reason)


def unlink_for_withdrawn_consent(*, actor, consent):
    """The consent to be identified was withdrawn: every alias linked on it is unlinked, its
    contacts anonymous again, audited with the reason CONSENT_WITHDRAWN. Call it inside the
    withdrawal's transaction. Returns the aliases unlinked."""
    aliases = list(Alias.objects.select_for_update().filter(link_consent=consent))
    return [
        _unlink(actor=actor, alias=alias, reason=CONSENT_WITHDRAWN)
        for alias in aliases
        if alias.person_id is not None
    ]


def _unlink(*, actor, alias, reason):
    """The unlink itself, on a locked, linked alias, inside the caller's transaction."""
    person_id, person = alias.person_id, alias.person
    contacts = list(
        Contact.objects.filter(alias=alias, person_id=person_id).values_list("pk", flat=True)
    )
    with rollups.reach_kept(people=[person_id]):
        Contact.objects.filter(pk__in=contacts).update(person=None)
    followups.touched(center_id=alias.center_id, person_ids=[person_id], alias_ids=[alias.pk])
    consent_id = alias.link_consent_id
    alias.person, alias.linked_at, alias.link_consent = None, None, None
    alias.save(update_fields=["person", "linked_at", "link_consent"])
    audit.record(
        actor=actor,
        action="alias.unlink",
        obj=alias,
        person_id=person_id,
        flags=protected_flags(person),
        reason=reason,
        changes={
            "person": [person_id, None],
            "consent": [consent_id, None],
            "contacts_unlinked": [sorted(contacts), None],
        },
    )
    return alias


def record_alias_view(*, actor, alias, flags, reason=""):
    """A linked alias shows who it is: that read is audited with the person."""
    if alias.person_id is None:
        return
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="alias.view",
            obj=alias,
            person_id=alias.person_id,
            flags=flags,
            reason=reason,
        )
