"""The demo's partners and their referrals: outgoing referrals in every state (each with the
resident's consent to that partner) and incoming referrals sent by the partner users.

Partners are looked up by name and made only when missing (with one service), so this works
alone and beside the partner directory's own demo data. Everything goes through the actions;
afterwards the steps are spread over the past days, so the demo shows how long each one took.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from nara.core.actions.centers import do_create
from nara.core.actions.consent import do_record_consent
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import (
    do_send_incoming_referral,
    do_send_referral,
    do_set_referral_status,
)
from nara.core.models import (
    Consent,
    Partner,
    PartnerService,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Role,
)

ACTOR = "demo_data"
S = ReferralStatus
Kind = Partner.Kind
# name, kind, a service (name, topics) made when the partner has none.
DEMO_PARTNERS = [
    ("Ekbackens skola", Kind.SCHOOL, "Elevhälsan", ["school-absence", "parenting"]),
    ("BVC Ekbacken", Kind.CHILD_HEALTH, "Föräldrastöd för små barn", ["parenting"]),
    ("Polisen, lokalpolisområdet", Kind.POLICE, "Kontaktpolis för unga", ["youth-crime"]),
    ("Röda Korset, mötesplats", Kind.NGO, "Språkcafé och läxhjälp", ["loneliness"]),
    ("BUP, regionen", Kind.REGION, "Första linjen för barn och unga", ["parenting"]),
    ("Familjestöd, kommunen", Kind.MUNICIPAL_UNIT, "Familjebehandling", ["parenting"]),
]
# Fictional residents of the first social centre (numbers from the drama series).
RESIDENTS = [
    ("Noor", "Abdi", "+46701740660"),
    ("Liv", "Sandberg", "+46701740661"),
    ("Hamid", "Rahimi", "+46701740662"),
    ("Ebba", "Nyström", "+46701740663"),
]
EVERYTHING = ["identity", "contact_details", "situation"]
P, C = True, False  # who sets a step: the partner, or the centre
# Outgoing: partner, resident, topic, what is shared, the steps after "sent".
OUTGOING = [
    ("BUP, regionen", 0, "parenting", EVERYTHING, []),
    ("BUP, regionen", 1, "parenting", EVERYTHING, [(S.RECEIVED, P)]),
    ("BUP, regionen", 2, "parenting", ["situation"], [(S.RECEIVED, P), (S.ACCEPTED, P)]),
    ("BVC Ekbacken", 3, "parenting", EVERYTHING, [(S.RECEIVED, P), (S.DECLINED, P)]),
    (
        "BVC Ekbacken",
        0,
        "parenting",
        EVERYTHING,
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.CONTACT_MADE, P)],
    ),
    (
        "BVC Ekbacken",
        1,
        "parenting",
        ["identity", "situation"],
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.NO_CONTACT, P)],
    ),
    (
        "Ekbackens skola",
        2,
        "school-absence",
        EVERYTHING,
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.CONTACT_MADE, P), (S.HELP_STARTED, P)],
    ),
    (
        "Ekbackens skola",
        3,
        "school-absence",
        EVERYTHING,
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.CONTACT_MADE, P), (S.HELP_STARTED, P)]
        + [(S.COMPLETED, P)],
    ),
    (
        "BUP, regionen",
        3,
        "parenting",
        EVERYTHING,
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.CONTACT_MADE, P), (S.HELP_STARTED, P)]
        + [(S.ENDED_EARLY, P)],
    ),
    (
        "BVC Ekbacken",
        2,
        "parenting",
        EVERYTHING,
        [(S.RECEIVED, P), (S.ACCEPTED, P), (S.CONTACT_MADE, P), (S.HELP_STARTED, P)]
        + [(S.COMPLETED, P), (S.CLOSED, C)],
    ),
    ("Ekbackens skola", 1, "school-absence", EVERYTHING, [(S.WITHDRAWN, C)]),
]
# Incoming: partner, family, how to reach them, topic, the centre's steps (the partner's own
# withdrawal marked P).
INCOMING = [
    ("Ekbackens skola", "Familjen Berg", "+46701740670", "school-absence", []),
    ("Ekbackens skola", "Sara Lindqvist", "+46701740671", "school-absence", [(S.RECEIVED, C)]),
    (
        "BVC Ekbacken",
        "Amina Warsame",
        "amina@example.org",
        "parenting",
        [(S.RECEIVED, C), (S.ACCEPTED, C)],
    ),
    (
        "BVC Ekbacken",
        "Familjen Haddad",
        "+46701740672",
        "parenting",
        [(S.RECEIVED, C), (S.ACCEPTED, C), (S.CONTACT_MADE, C)],
    ),
    (
        "Ekbackens skola",
        "Jonas Ek",
        "+46701740673",
        "school-absence",
        [(S.RECEIVED, C), (S.ACCEPTED, C), (S.CONTACT_MADE, C), (S.CLOSED, C)],
    ),
    ("Ekbackens skola", "Familjen Olsson", "+46701740674", "parenting", [(S.WITHDRAWN, P)]),
]


def demo_partners(municipality):
    """name → Partner: found by name, or made (with one service) when missing."""
    partners = {}
    for name, kind, service, topics in DEMO_PARTNERS:
        partner = Partner.objects.filter(municipality=municipality, name=name).first()
        if partner is None:
            partner = do_create(
                actor=ACTOR,
                model=Partner,
                fields={"municipality": municipality, "name": name, "kind": kind},
            )
        if not partner.services.exists():
            do_create(
                actor=ACTOR,
                model=PartnerService,
                fields={"partner": partner, "name": service, "topics": topics, "languages": ["sv"]},
            )
        partners[name] = partner
    return partners


def _partner_user(partner):
    users = get_user_model().objects.filter(
        memberships__partner=partner, memberships__role=Role.PARTNER_USER
    )
    return users.order_by("pk").first()


def _spread(referral, started_days_ago):
    """Lay the referral's steps out over the past days (half a day apart, sent first)."""
    start = timezone.now() - dt.timedelta(days=started_days_ago)
    events = list(referral.events.order_by("at", "pk"))
    for n, event in enumerate(events):
        ReferralEvent.objects.filter(pk=event.pk).update(at=start + dt.timedelta(hours=11 * n))
    last = start + dt.timedelta(hours=11 * (len(events) - 1))
    Referral.objects.filter(pk=referral.pk).update(created_at=start, status_changed_at=last)


def _walk(referral, steps, worker, partner_user):
    for status, by_partner in steps:
        actor = partner_user if by_partner else worker
        reason = Referral.DeclineReason.NO_CAPACITY if status == S.DECLINED else ""
        referral = do_set_referral_status(
            actor=actor, referral=referral, status=status, by_partner=by_partner, reason=reason
        )
    return referral


def build_referrals(centre, worker):
    """Referrals of the first social centre, outgoing and incoming, in every state."""
    partners = demo_partners(centre.municipality)
    today = timezone.localdate()
    residents = [
        do_create_person(actor=worker, center=centre, first_name=first, last_name=last, phone=phone)
        for first, last, phone in RESIDENTS
    ]
    consented = set()
    count = 0
    for n, (name, who, topic, shared, steps) in enumerate(OUTGOING):
        partner, person = partners[name], residents[who]
        if (person.pk, partner.pk) not in consented:
            do_record_consent(
                actor=worker,
                center=centre,
                person=person,
                recipient_partner=partner,
                scope=EVERYTHING,
                purpose=f"Remiss till {partner.name}",
                given_how=Consent.GivenHow.VERBAL,
                given_by=Consent.GivenBy.PERSON,
                given_on=today - dt.timedelta(days=20),
                valid_until=today + dt.timedelta(days=180),
            )
            consented.add((person.pk, partner.pk))
        referral = do_send_referral(
            actor=worker,
            center=centre,
            service=partner.services.order_by("pk").first(),
            topic=topic,
            shared=shared,
            person=person,
        )
        _walk(referral, steps, worker, _partner_user(partner))
        _spread(referral, started_days_ago=2 + n)
        count += 1
    for n, (name, family, reach, topic, steps) in enumerate(INCOMING):
        partner = partners[name]
        sender = _partner_user(partner)
        referral = do_send_incoming_referral(
            actor=sender,
            partner=partner,
            center=centre,
            topic=topic,
            family_name=family,
            family_contact=reach,
            consent_given_by=Consent.GivenBy.GUARDIAN if n % 2 else Consent.GivenBy.PERSON,
            consent_given_how=Consent.GivenHow.VERBAL,
            consent_scope=EVERYTHING,
        )
        _walk(referral, steps, worker, sender)
        if steps:  # the newest ones stay today's, so their task is due in the today view
            _spread(referral, started_days_ago=1 + n)
        count += 1
    return count


def delete_referrals(municipality):
    Referral.objects.filter(center__municipality__in=municipality).delete()
