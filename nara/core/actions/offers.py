"""Support offers (erbjudanden): offered in a contact, answered, started, ended.

The funnel offered → accepted → started → completed is counted from these rows (offer_funnel).
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from nara.core import audit
from nara.core.models import SupportOffer
from nara.insights import followups, rollups

from .contacts import (
    ALLOWED,
    ContactRefused,
    check_date,
    check_service_given,
    check_subject,
    subject_kinds,
)

Answer = SupportOffer.Answer
Outcome = SupportOffer.Outcome
ENDINGS = (Outcome.COMPLETED, Outcome.ENDED_EARLY, Outcome.REFERRED_ON)


def do_offer_support(
    *, actor, contact, service, answer=Answer.NO_ANSWER, person=None, household=None, alias=None
):
    """Offer `service` in `contact`. The centre must give the service, and the offer's subject
    follows the service's documentation level."""
    center = contact.center
    check_service_given(center, service, "offer_service")
    check_subject(service, subject_kinds(person=person, household=household, alias=alias))
    for obj in (person, household, alias):
        if obj is not None and obj.center_id != center.pk:
            raise ContactRefused(_("That record belongs to another centre."))
    if answer not in Answer.values:
        raise ContactRefused(_("Choose one of the options."), "offer_answer")
    with transaction.atomic():
        offer = SupportOffer.objects.create(
            center=center,
            contact=contact,
            service=service,
            person=person,
            household=household,
            alias=alias,
            offered_on=contact.occurred_on,
            answer=answer,
            answered_on=None if answer == Answer.NO_ANSWER else contact.occurred_on,
        )
        audit.record(
            actor=actor,
            action="offer.create",
            obj=offer,
            person_id=getattr(person, "pk", None),
            changes={
                "service": [None, service.slug],
                "contact": [None, contact.pk],
                "answer": [None, answer],
            },
        )
        rollups.offer_created(offer, contact)
        followups.contact_written(contact)
    return offer


def contact_subject_for(service, contact):
    """The contact's person, household or alias, as far as the offered service documents them
    (an offer on a no-identity service made in a contact about a person carries no person)."""
    allowed = ALLOWED[service.documentation_level]
    return {
        "person": contact.person if "person" in allowed else None,
        "household": contact.household if "household" in allowed else None,
        "alias": contact.alias if "alias" in allowed else None,
    }


def do_offer_another(*, actor, contact, service, answer=Answer.NO_ANSWER):
    """One more offer in a saved contact (one service once per contact)."""
    if SupportOffer.objects.filter(contact=contact, service=service).exists():
        raise ContactRefused(
            _("“%(service)s” was already offered in this contact. Nothing was saved.")
            % {"service": str(service.name)},
            "service",
        )
    return do_offer_support(
        actor=actor,
        contact=contact,
        service=service,
        answer=answer,
        **contact_subject_for(service, contact),
    )


def offers_about(*, person=None, household=None, alias=None):
    """Every offer about a person, household or alias: made to them, or made in a contact
    about them (whatever the answer), newest first."""
    if person is not None:
        found = Q(person=person) | Q(contact__person=person)
    elif household is not None:
        found = Q(household=household) | Q(contact__household=household)
    else:
        found = Q(alias=alias) | Q(contact__alias=alias)
    return (
        SupportOffer.objects.filter(found)
        .select_related("service")
        .distinct()
        .order_by("-offered_on", "-pk")
    )


def _locked(offer):
    """The offer, locked, and its rollup entries as they stand (its contact does not change)."""
    offer = (
        SupportOffer.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=offer.pk)
    )
    return offer, rollups.offer_entries(offer, offer.contact)


def do_answer_offer(*, actor, offer, answer, answered_on):
    """Accepted, declined, wants to think, or no answer (yet). Fixed once the help started."""
    if answer not in Answer.values:
        raise ContactRefused(_("Choose one of the options."), "answer")
    check_date(answered_on, "answered_on", not_before=offer.offered_on)
    with transaction.atomic():
        offer, rolled_up = _locked(offer)
        if offer.started_on is not None and answer != Answer.ACCEPTED:
            raise ContactRefused(_("The help has started: the answer stays “accepted”."), "answer")
        before = {"answer": offer.answer, "answered_on": _iso(offer.answered_on)}
        offer.answer = answer
        offer.answered_on = None if answer == Answer.NO_ANSWER else answered_on
        offer.save(update_fields=["answer", "answered_on"])
        rollups.offer_changed(rolled_up, offer, offer.contact)
        after = {"answer": offer.answer, "answered_on": _iso(offer.answered_on)}
        audit.record(
            actor=actor,
            action="offer.answer",
            obj=offer,
            person_id=offer.person_id,
            changes=audit.field_changes(before, after),
        )
    return offer


def do_start_offer(*, actor, offer, started_on):
    """The accepted help began."""
    with transaction.atomic():
        offer, rolled_up = _locked(offer)
        if offer.answer != Answer.ACCEPTED:
            raise ContactRefused(_("Only an accepted offer can start."), "started_on")
        if offer.started_on is not None:
            raise ContactRefused(_("This offer has already started."), "started_on")
        check_date(started_on, "started_on", not_before=offer.answered_on or offer.offered_on)
        offer.started_on = started_on
        offer.save(update_fields=["started_on"])
        rollups.offer_changed(rolled_up, offer, offer.contact)
        audit.record(
            actor=actor,
            action="offer.start",
            obj=offer,
            person_id=offer.person_id,
            changes={"started_on": [None, started_on.isoformat()]},
        )
    return offer


def do_end_offer(*, actor, offer, ended_on, outcome):
    """The help ended: completed, ended early, or referred on. Never before it started."""
    if outcome not in ENDINGS:
        raise ContactRefused(_("Choose how it ended."), "outcome")
    with transaction.atomic():
        offer, rolled_up = _locked(offer)
        if offer.started_on is None:
            raise ContactRefused(_("Only help that has started can end."), "ended_on")
        if offer.ended_on is not None:
            raise ContactRefused(_("This offer has already ended."), "ended_on")
        if ended_on < offer.started_on:
            raise ContactRefused(_("The end cannot be before the start."), "ended_on")
        check_date(ended_on, "ended_on")
        offer.ended_on, offer.outcome = ended_on, outcome
        offer.save(update_fields=["ended_on", "outcome"])
        rollups.offer_changed(rolled_up, offer, offer.contact)
        audit.record(
            actor=actor,
            action="offer.end",
            obj=offer,
            person_id=offer.person_id,
            changes={"ended_on": [None, ended_on.isoformat()], "outcome": [None, outcome]},
        )
    return offer


def _iso(day):
    return day.isoformat() if day else None


def offer_funnel(offers):
    """offered → accepted → started → completed for a queryset of offers, in one query."""
    return offers.aggregate(
        offered=Count("pk"),
        accepted=Count("pk", filter=Q(answer=Answer.ACCEPTED)),
        started=Count("pk", filter=Q(started_on__isnull=False)),
        completed=Count("pk", filter=Q(outcome=Outcome.COMPLETED)),
    )
