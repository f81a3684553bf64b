"""Three weeks of casework at the demo's social centres, so the today view is alive.

Per centre: anonymous drop-in and phone contacts, an alias who came back three times and was
offered help on the third visit, a family (household, two children) with offers, a consent and a
journal note (encrypted like every note), an escalation with its 14-day task, and tasks due
today and overdue. Everything is fictional and derived from the demo's seed.

Each write is audited in its own transaction as the actions do (the demo's actor, the action
names of the casework actions); consents and tasks go through their actions.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from nara.core import audit, crypto
from nara.core.actions.consent import do_record_consent
from nara.core.actions.followups import do_create_task
from nara.core.actions.people import do_create_person
from nara.core.demo_outreach import build_outreach_and_groups
from nara.core.models import (
    Alias,
    Consent,
    Contact,
    Escalation,
    GroupActivity,
    Household,
    HouseholdMember,
    JournalNote,
    Membership,
    OutreachShift,
    Role,
    Service,
    SupportOffer,
)

ACTOR = "demo_data"
CHANNELS = ["drop_in", "drop_in", "phone", "booked", "digital", "drop_in", "outreach", "phone"]
TOPICS = [
    ["parenting"],
    ["money"],
    ["housing", "money"],
    ["loneliness"],
    ["school-absence", "parenting"],
    ["relationships"],
]
AGE_BANDS = ["26-64", "26-64", "18-25", "65+", "26-64", "13-17", "unknown"]
GENDERS = ["female", "male", "female", "not_stated", "female", "male"]
LANGUAGES = ["sv", "ar", "so", "sv", "ti", "fa", "sv"]
KNOWN = ["no", "unknown", "yes", "no", "no", "unknown"]
FAMILIES = [("Hassan", "Amal", "Yasin", "Nasra"), ("Lind", "Karin", "Elsa", "Oskar")]
NOTE = (
    "Träffade mamman och barnen. Vill ha stöd kring sömn och rutiner; "
    "budgetrådgivning bokad nästa vecka."
)


def build_casework(centres, rng):
    """Casework at each social centre; returns how many contacts were recorded."""
    return sum(_centre(centre, index, rng) for index, centre in enumerate(centres))


def _staff(centre):
    users = get_user_model().objects.filter(memberships__center=centre)
    worker = users.filter(memberships__role=Role.SOCIAL_WORKER).first()
    manager = users.filter(memberships__role=Role.CENTRE_MANAGER).first()
    return worker or manager, manager or worker


def _service(centre, level, topic=None):
    services = Service.objects.filter(centers=centre, documentation_level=level)
    return (services.filter(topic=topic).first() if topic else None) or services.first()


def _centre(centre, index, rng):
    worker, manager = _staff(centre)
    if worker is None or not Membership.objects.filter(center=centre).exists():
        return 0
    today = timezone.localdate()
    areas = list(centre.catchment.values_list("area_id", flat=True)) or [None]
    counts_only = _service(centre, "counts_only")
    anonymous = _service(centre, "no_identity", "parenting")
    full = _service(centre, "full", "money") or _service(centre, "full")
    contacts = 0
    # Anonymous visits of the last three weeks, weekdays, a few a day.
    for days_ago in range(20, -1, -1):
        day = today - dt.timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for n in range(rng.randint(1, 3)):
            k = days_ago * 3 + n + index
            _contact(
                centre,
                counts_only if k % 3 else anonymous,
                worker if k % 2 else manager,
                day,
                channel=CHANNELS[k % len(CHANNELS)],
                topics=TOPICS[k % len(TOPICS)],
                age_band=AGE_BANDS[k % len(AGE_BANDS)],
                gender=GENDERS[k % len(GENDERS)],
                area_id=areas[k % len(areas)],
                language=LANGUAGES[k % len(LANGUAGES)],
                previously_known=KNOWN[k % len(KNOWN)],
                first_contact=k % 4 == 0,
            )
            contacts += 1
    contacts += _returning_alias(centre, anonymous, worker, today, areas[0])
    contacts += _family(centre, index, full, worker, today, areas[-1])
    _tasks(centre, worker, today)
    build_outreach_and_groups(centre, worker, manager, rng)
    return contacts


def _contact(centre, service, staff, day, **fields):
    with transaction.atomic():
        contact = Contact.objects.create(
            center=centre, service=service, staff=staff, occurred_on=day, **fields
        )
        audit.record(
            actor=ACTOR,
            action="contact.create",
            obj=contact,
            center_id=centre.pk,
            person_id=contact.person_id,
            changes={"channel": [None, contact.channel], "service": [None, service.slug]},
        )
    return contact


def _offer(contact, service, answer, **fields):
    with transaction.atomic():
        offer = SupportOffer.objects.create(
            center=contact.center,
            contact=contact,
            service=service,
            person=contact.person,
            household=contact.household,
            alias=contact.alias,
            offered_on=contact.occurred_on,
            answer=answer,
            answered_on=contact.occurred_on if answer != "no_answer" else None,
            **fields,
        )
        audit.record(
            actor=ACTOR,
            action="offer.create",
            obj=offer,
            center_id=contact.center_id,
            person_id=offer.person_id,
            changes={"service": [None, service.slug], "answer": [None, answer]},
        )
    return offer


def _returning_alias(centre, service, worker, today, area_id):
    """An anonymous visitor who came back three times; help offered on the third visit."""
    with transaction.atomic():
        alias = Alias.objects.create(center=centre, name="Stjärnan")
        audit.record(actor=ACTOR, action="alias.create", obj=alias, center_id=centre.pk)
    visits = [today - dt.timedelta(days=d) for d in (16, 9, 2)]
    for n, day in enumerate(visits):
        contact = _contact(
            centre,
            service,
            worker,
            day,
            channel="drop_in",
            topics=["parenting"],
            age_band="26-64",
            gender="female",
            area_id=area_id,
            language="so",
            interpreter_used=True,
            previously_known="no",
            first_contact=n == 0,
            alias=alias,
        )
    _offer(contact, service, "accepted", started_on=today)
    return len(visits)


def _family(centre, index, service, worker, today, area_id):
    """A family: household with two children, offers, consent, a journal note, an escalation."""
    surname, parent_name, *children = FAMILIES[index % len(FAMILIES)]
    parent = do_create_person(
        actor=ACTOR,
        center=centre,
        first_name=parent_name,
        last_name=surname,
        birth_date=dt.date(1986, 4, 12 + index),
    )
    kids = [
        do_create_person(
            actor=ACTOR,
            center=centre,
            first_name=name,
            last_name=surname,
            birth_date=dt.date(2014 + 3 * n, 9, 3 + index),
        )
        for n, name in enumerate(children)
    ]
    with transaction.atomic():
        household = Household.objects.create(center=centre, name=f"Familjen {surname}")
        HouseholdMember.objects.create(household=household, person=parent, relationship="parent")
        for kid in kids:
            HouseholdMember.objects.create(household=household, person=kid, relationship="child")
        audit.record(
            actor=ACTOR,
            action="household.create",
            obj=household,
            center_id=centre.pk,
            person_id=parent.pk,
            changes={"members": [None, 1 + len(kids)]},
        )
    visit = _contact(
        centre,
        service,
        worker,
        today - dt.timedelta(days=6),
        channel="booked",
        duration_minutes=60,
        topics=["money", "parenting"],
        age_band="26-64",
        gender="female",
        area_id=area_id,
        language="ar" if index % 2 == 0 else "sv",
        interpreter_used=index % 2 == 0,
        previously_known="no",
        first_contact=True,
        household=household,
    )
    _offer(visit, service, "accepted", started_on=today - dt.timedelta(days=3))
    other = _service(centre, "full", "housing") or service
    _offer(visit, other, "thinking")
    _offer(visit, _service(centre, "counts_only") or service, "declined")
    do_record_consent(
        actor=worker,
        center=centre,
        person=parent,
        scope=[Consent.Scope.IDENTITY, Consent.Scope.SITUATION],
        recipient_unit="Skolan",
        purpose="Samordning kring barnens skolgång",
        given_how=Consent.GivenHow.VERBAL,
        given_by=Consent.GivenBy.PERSON,
        given_on=today - dt.timedelta(days=6),
        valid_until=today + dt.timedelta(days=365),
    )
    _journal_note(centre, worker, household, parent)
    _escalation(centre, worker, visit, kids[0], today - dt.timedelta(days=5))
    return 1


def journal_signature(note):
    """HMAC over author, time, subject and text (as the journal's signing does)."""
    message = "|".join(
        [
            str(note.author_id),
            note.created_at.isoformat(),
            f"person:{note.person_id or ''}",
            f"household:{note.household_id or ''}",
            crypto.decrypt(note.text_encrypted),
        ]
    )
    key = hashlib.sha256(f"journal-signature:{settings.NARA_FIELD_KEYS[0]}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _journal_note(centre, worker, household, parent):
    with transaction.atomic():
        note = JournalNote(
            center=centre,
            person=parent,
            household=household,
            author=worker,
            created_at=timezone.now() - dt.timedelta(days=6),
            text_encrypted=crypto.encrypt(NOTE),
        )
        note.signature = journal_signature(note)
        note.save()
        audit.record(
            actor=ACTOR,
            action="journal.write",
            obj=note,
            center_id=centre.pk,
            person_id=parent.pk,
            changes={"text": [None, audit.MASKED]},
        )


def _escalation(centre, worker, contact, child, day):
    with transaction.atomic():
        escalation = Escalation.objects.create(
            center=centre,
            kind=Escalation.Kind.CHILD_CONCERN,
            contact=contact,
            person=child,
            made_on=day,
            made_by=worker,
            to_unit="Mottagningen barn och unga",
            case_reference=f"BoU-{day:%Y}-{1200 + centre.pk}",
            reason=Escalation.Reason.NEGLECT,
        )
        audit.record(
            actor=ACTOR,
            action="escalation.create",
            obj=escalation,
            center_id=centre.pk,
            person_id=child.pk,
            changes={"kind": [None, escalation.kind], "to_unit": [None, escalation.to_unit]},
        )
    do_create_task(
        actor=worker,
        center=centre,
        title="Följ upp orosanmälan: vad blev det av den?",
        due=day + dt.timedelta(days=14),
        assigned_to=worker,
        person=child,
        contact=contact,
        escalation=escalation,
    )


def _tasks(centre, worker, today):
    do_create_task(
        actor=worker,
        center=centre,
        title="Ring tillbaka om föräldragruppens start",
        due=today,
        assigned_to=worker,
    )
    do_create_task(  # overdue: four days back is at the latest two days ago, weekends moved
        actor=worker,
        center=centre,
        title="Skicka information om budgetrådgivningen",
        due=today - dt.timedelta(days=4),
        assigned_to=worker,
    )


def delete_casework(municipality):
    """Casework of the example municipality, children first (the audit trail stays)."""
    centres = {"center__municipality__in": municipality}
    OutreachShift.objects.filter(**centres).delete()
    GroupActivity.objects.filter(**centres).delete()
    SupportOffer.objects.filter(**centres).delete()
    Escalation.objects.filter(**centres).delete()
    notes = JournalNote.objects.filter(**centres)
    while notes.exists():  # corrections first: a corrected note is protected by its correction
        notes.filter(correction__isnull=True).delete()
    Contact.objects.filter(**centres).delete()
    Alias.objects.filter(**centres).delete()
    Consent.objects.filter(**centres).delete()
    Household.objects.filter(**centres).delete()
