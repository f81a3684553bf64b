"""Consent (samtycke): recorded, checked before any disclosure, withdrawn at once."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import Consent


class MissingConsent(PermissionError):
    """No valid consent covers the disclosure; the message names what is missing."""


def do_record_consent(
    *,
    actor,
    center,
    scope,
    purpose,
    given_how,
    given_by,
    valid_until,
    given_on=None,
    person=None,
    household=None,
    recipient_partner=None,
    recipient_unit="",
):
    given_on = given_on or timezone.localdate()
    with transaction.atomic():
        consent = Consent(
            center=center,
            person=person,
            household=household,
            scope=sorted(set(scope)),
            recipient_partner=recipient_partner,
            recipient_unit=recipient_unit,
            purpose=purpose,
            given_how=given_how,
            given_by=given_by,
            given_on=given_on,
            valid_until=valid_until,
            recorded_by=actor,
        )
        consent.full_clean()
        consent.save()
        audit.record(
            actor=actor,
            action="consent.record",
            obj=consent,
            person_id=getattr(person, "pk", None),
            changes={
                "scope": [None, consent.scope],
                "recipient": [None, recipient_name(consent)],
                "valid_until": [None, str(valid_until)],
            },
        )
    return consent


def do_withdraw_consent(*, actor, consent):
    """Takes effect at once: every later disclosure check fails."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            audit.record(
                actor=actor,
                action="consent.withdraw",
                obj=consent,
                person_id=consent.person_id,
                changes={"withdrawn_at": [None, consent.withdrawn_at.isoformat()]},
            )
    return consent


def recipient_name(consent):
    return (
        str(consent.recipient_partner) if consent.recipient_partner_id else consent.recipient_unit
    )


def require_consent(
    *, scope, recipient_partner=None, recipient_unit="", person=None, household=None
):
    """The valid consent that covers `scope` for this recipient, or MissingConsent.

    Call it inside the transaction of the disclosure, so a withdrawal that commits first wins.
    """
    candidates = Consent.objects.select_for_update().filter(withdrawn_at__isnull=True)
    if person is not None:
        candidates = candidates.filter(person=person)
    else:
        candidates = candidates.filter(household=household)
    if recipient_partner is not None:
        candidates = candidates.filter(recipient_partner=recipient_partner)
    else:
        candidates = candidates.filter(recipient_unit__iexact=recipient_unit.strip())
    today = timezone.localdate()
    wanted = set(scope)
    current = [c for c in candidates if c.is_valid(today)]
    for consent in current:
        if wanted <= set(consent.scope):
            return consent
    if not current:
        raise MissingConsent(_("There is no valid consent for this recipient."))
    missing = wanted - set().union(*(set(c.scope) for c in current))
    labels = ", ".join(str(Consent.Scope(s).label) for s in sorted(missing))
    raise MissingConsent(
        _("The consent for this recipient does not cover: %(what)s.") % {"what": labels}
    )
