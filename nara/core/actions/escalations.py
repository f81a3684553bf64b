"""Escalation (orosanmälan, aktualisering): that it happened, never what it said.

A report of concern about a child names the child, or says why the child cannot be named,
whatever the service's documentation level: the duty to report overrides anonymity. Every
escalation starts a clock: a task for its author 14 days later (the receiving unit's time for
its initial assessment) to check what came of it.
"""

import datetime as dt
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from nara.core import audit
from nara.core.actions.followups import do_create_task
from nara.core.actions.free_text import identity_number_problem
from nara.core.models import Escalation
from nara.insights import rollups
from nara.lib.personnummer import contains_identity_number

FOLLOW_UP_DAYS = 14
REFERENCE_MAX_LENGTH = 40


class EscalationError(ValueError):
    """The escalation cannot be recorded as given; the message says why. Nothing was saved."""


def reference_problem(reference):
    """Why a case-system reference is not acceptable, or None."""
    if len(reference) > REFERENCE_MAX_LENGTH:
        return _("The reference can be at most 40 characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in reference):
        return _("The reference may contain only printable characters, no control characters.")
    if contains_identity_number(reference):
        # The reference goes into a link to the case system: a number there would be in a URL.
        return _("The reference may not contain a personal identity number. Nothing was saved.")
    return None


def case_system_link(reference):
    """The link to the reference in the municipality's case system, or "" when none is set."""
    template = settings.NARA_CASE_SYSTEM_URL_TEMPLATE
    if not template or not reference:
        return ""
    return template.replace("{reference}", quote(reference, safe=""))


def do_create_escalation(
    *,
    actor,
    center,
    kind,
    to_unit,
    reason,
    made_on=None,
    case_reference="",
    contact=None,
    person=None,
    identity_unknown_reason="",
):
    made_on = made_on or timezone.localdate()
    to_unit, case_reference = to_unit.strip(), case_reference.strip()
    identity_unknown_reason = identity_unknown_reason.strip()
    problem = _problem(
        kind=kind,
        to_unit=to_unit,
        reason=reason,
        made_on=made_on,
        case_reference=case_reference,
        person=person,
        identity_unknown_reason=identity_unknown_reason,
    )
    if problem:
        raise EscalationError(problem)
    for record in (contact, person):
        if record is not None and record.center_id != center.pk:
            raise EscalationError(_("The escalation is recorded at the centre of the contact."))
    with transaction.atomic():
        escalation = Escalation.objects.create(
            center=center,
            kind=kind,
            contact=contact,
            person=person,
            identity_unknown_reason=identity_unknown_reason if person is None else "",
            made_on=made_on,
            made_by=actor,
            to_unit=to_unit,
            case_reference=case_reference,
            reason=reason,
        )
        audit.record(
            actor=actor,
            action="escalation.create",
            obj=escalation,
            person_id=getattr(person, "pk", None),
            changes={
                "kind": kind,
                "reason": reason,
                "to_unit": to_unit,
                "contact": getattr(contact, "pk", None),
                "identity_unknown": person is None and bool(identity_unknown_reason),
            },
        )
        rollups.escalation_created(escalation)
        task = do_create_task(
            actor=actor,
            center=center,
            title=_staff_text(gettext_noop("Follow up the escalation: what came of it?")),
            due=made_on + dt.timedelta(days=FOLLOW_UP_DAYS),
            assigned_to=actor,
            person=person,
            contact=contact,
            escalation=escalation,
        )
    return escalation, task


def _problem(*, kind, to_unit, reason, made_on, case_reference, person, identity_unknown_reason):
    if kind not in Escalation.Kind.values:
        return _("Choose what kind of escalation it is.")
    if reason not in Escalation.Reason.values:
        return _("Choose the reason.")
    if not to_unit or len(to_unit) > 120:
        return _("Write which unit received it (at most 120 characters).")
    if made_on > timezone.localdate():
        return _("The date cannot be in the future.")
    if kind == Escalation.Kind.CHILD_CONCERN and person is None and not identity_unknown_reason:
        return _(
            "A report of concern about a child must name the child, or say why the child's "
            "identity is unknown."
        )
    if len(identity_unknown_reason) > 200:
        return _("The reason why the identity is unknown can be at most 200 characters.")
    problem = identity_number_problem(to_unit) or identity_number_problem(identity_unknown_reason)
    if problem:
        return problem
    return reference_problem(case_reference)


def _staff_text(text):
    """Stored task titles are in the staff's language (the installation's default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(text)
