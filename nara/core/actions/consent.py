"""Consent (samtycke): recorded, checked before any disclosure, withdrawn at once."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.actions.free_text import identity_number_problem
from nara.core.models import Consent


class MissingConsent(PermissionError):
    """No valid consent covers the disclosure; the message names what is missing."""


class ConsentError(ValueError):
    """The consent cannot be recorded as given; the message says why. Nothing was saved."""


def check_consent_input(*, scope, purpose, given_how, given_by, given_on, valid_until, **recipient):
    """Why these values make no valid consent, or None. Checked before anything is saved."""
    today = timezone.localdate()
    if not scope or not set(scope) <= set(Consent.Scope.values):
        return _("Choose what may be shared.")
    has_partner = bool(recipient.get("recipient_partner"))
    if has_partner == bool(recipient.get("recipient_unit", "").strip()):
        return _("Choose one recipient: a partner or a named unit.")
    if not purpose.strip():
        return _("Write what the information may be used for.")
    problem = identity_number_problem(purpose) or identity_number_problem(
        recipient.get("recipient_unit", "")
    )
    if problem:
        return problem
    if given_how not in Consent.GivenHow.values or given_by not in Consent.GivenBy.values:
        return _("Say how the consent was given and by whom.")
    if given_on > today:
        return _("The consent cannot be given on a date in the future.")
    if valid_until < given_on:
        return _("The consent cannot end before the day it was given.")
    if valid_until < today:
        return _("This consent has already expired. Record a consent that is valid today.")
    return None


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
    problem = check_consent_input(
        scope=scope,
        purpose=purpose,
        given_how=given_how,
        given_by=given_by,
        given_on=given_on,
        valid_until=valid_until,
        recipient_partner=recipient_partner,
        recipient_unit=recipient_unit,
    )
    if problem:
        raise ConsentError(problem)
    if (person is None) == (household is None):
        raise ConsentError(_("A consent is given for one person or one household."))
    subject = person or household
    if subject.center_id != center.pk:
        raise ConsentError(_("The consent is recorded at the centre the person belongs to."))
    partner = recipient_partner
    if partner is not None and partner.municipality_id != center.municipality_id:
        raise ConsentError(_("Choose a partner of this municipality."))
    with transaction.atomic():
        consent = Consent(
            center=center,
            person=person,
            household=household,
            scope=sorted(set(scope)),
            recipient_partner=recipient_partner,
            recipient_unit=recipient_unit.strip(),
            purpose=purpose.strip(),
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
    """Takes effect at once: every later disclosure check fails. A consent to be identified
    that linked an alias to the person is gone too: the alias's contacts are unlinked again
    (audited, reason "consent withdrawn"); `consent.unlinked_aliases` lists those aliases."""
    from .aliases import unlink_for_withdrawn_consent  # aliases records consents through here

    unlinked = []
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
        unlinked = unlink_for_withdrawn_consent(actor=actor, consent=consent)
    consent.unlinked_aliases = unlinked
    return consent


def record_consents_view(*, actor, subject, flags=(), reason=""):
    """A look at a person's or household's consents, in the audit trail."""
    person_id = subject.pk if subject.__class__.__name__ == "Person" else None
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="consent.view",
            obj=subject,
            person_id=person_id,
            flags=flags,
            reason=reason,
        )


def consent_status(consent, on=None):
    """ "valid", "expired", "not_yet_valid" or "withdrawn", for the pages."""
    on = on or timezone.localdate()
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if on > consent.valid_until:
        return "expired"
    if on < consent.given_on:
        return "not_yet_valid"
    return "valid"


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
    if (person is None) == (household is None):
        raise ValueError("require_consent needs exactly one of person and household")
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
        recipient = str(recipient_partner) if recipient_partner is not None else recipient_unit
        raise MissingConsent(
            _("There is no valid consent to share %(what)s with %(recipient)s.")
            % {"what": _scope_labels(wanted), "recipient": recipient.strip()}
        )
    missing = wanted - set().union(*(set(c.scope) for c in current))
    raise MissingConsent(
        _("The consent for this recipient does not cover: %(what)s.")
        % {"what": _scope_labels(missing)}
    )


def _scope_labels(scope):
    return ", ".join(str(Consent.Scope(s).label) for s in sorted(scope))
