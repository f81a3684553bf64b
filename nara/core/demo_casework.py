"""Three weeks of casework at the demo's social centres, so the today view is alive.

Per centre: anonymous drop-in and phone contacts, an alias who came back three times and was
offered help on the third visit, a family (household, two children) with offers, a consent and a
journal note (encrypted and signed like every note), an escalation with its 14-day task, and
tasks due today and overdue. Everything is fictional and derived from the demo's seed.

Every row is written by the same do_* actions the staff pages use, as the centre's social worker
(or manager): the demo's audit trail, refusals and journal signatures are the real ones.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from nara.core.actions.centers import do_create
from nara.core.actions.consent import do_record_consent
from nara.core.actions.contacts import do_register_contact
from nara.core.actions.escalations import do_create_escalation
from nara.core.actions.followups import do_create_task
from nara.core.actions.households import do_add_member, do_create_household
from nara.core.actions.journal import do_write_note
from nara.core.actions.meetings import (
    OUTSIDE,
    AgreedAction,
    do_record_meeting,
    do_set_action_status,
)
from nara.core.actions.offers import do_offer_another, do_start_offer
from nara.core.actions.people import do_create_person
from nara.core.demo_outreach import build_outreach_and_groups
from nara.core.models import (
    Alias,
    Area,
    Consent,
    Contact,
    Escalation,
    GroupActivity,
    Household,
    JournalNote,
    Membership,
    OutreachShift,
    Partner,
    PartnerMeeting,
    Role,
    Service,
    SupportOffer,
)

# Partners the demo needs are set up by the demo itself, not by a member of staff.
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
    areas = list(Area.objects.filter(catchments__center=centre).order_by("pk")) or [None]
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
                area=areas[k % len(areas)],
                language=LANGUAGES[k % len(LANGUAGES)],
                previously_known=KNOWN[k % len(KNOWN)],
                first_contact=k % 4 == 0,
            )
            contacts += 1
    contacts += _returning_alias(centre, anonymous, worker, today, areas[0])
    if full is not None:
        contacts += _family(centre, index, full, worker, today, areas[-1])
    _tasks(centre, worker, today)
    _meetings(centre, worker, manager, today)
    build_outreach_and_groups(centre, worker, manager, rng)
    return contacts


def _contact(centre, service, staff, day, **fields):
    return do_register_contact(
        actor=staff, center=centre, service=service, occurred_on=day, **fields
    )


def _returning_alias(centre, service, worker, today, area):
    """An anonymous visitor who came back three times; help offered on the third visit."""
    visits = [today - dt.timedelta(days=d) for d in (16, 9, 2)]
    alias = None
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
            area=area,
            language="so",
            interpreter_used=True,
            previously_known="no",
            first_contact=n == 0,
            # The resident chose the alias on the first visit and gives it again.
            alias=alias,
            alias_name="" if alias else "Stjärnan",
            offer_service=service if n == len(visits) - 1 else None,
            offer_answer="accepted",
        )
        alias = contact.alias
    do_start_offer(actor=worker, offer=contact.offers.get(), started_on=today)
    return len(visits)


def _family(centre, index, service, worker, today, area):
    """A family: household with two children, offers, consent, a journal note, an escalation."""
    surname, parent_name, *children = FAMILIES[index % len(FAMILIES)]
    parent = do_create_person(
        actor=worker,
        center=centre,
        first_name=parent_name,
        last_name=surname,
        birth_date=dt.date(1986, 4, 12 + index),
    )
    kids = [
        do_create_person(
            actor=worker,
            center=centre,
            first_name=name,
            last_name=surname,
            birth_date=dt.date(2014 + 3 * n, 9, 3 + index),
        )
        for n, name in enumerate(children)
    ]
    household = do_create_household(actor=worker, center=centre, name=f"Familjen {surname}")
    do_add_member(actor=worker, household=household, person=parent, relationship="parent")
    for kid in kids:
        do_add_member(actor=worker, household=household, person=kid, relationship="child")
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
        area=area,
        language="ar" if index % 2 == 0 else "sv",
        interpreter_used=index % 2 == 0,
        previously_known="no",
        first_contact=True,
        household=household,
        offer_service=service,
        offer_answer="accepted",
    )
    do_start_offer(actor=worker, offer=visit.offers.get(), started_on=today - dt.timedelta(days=3))
    # Two more services offered in the same visit: one to think about, one declined.
    offered = {service}
    for candidates, answer in (
        ([_service(centre, "full", "housing"), _service(centre, "no_identity")], "thinking"),
        ([_service(centre, "counts_only"), _service(centre, "no_identity")], "declined"),
    ):
        other = next((s for s in candidates if s is not None and s not in offered), None)
        if other is not None:
            do_offer_another(actor=worker, contact=visit, service=other, answer=answer)
            offered.add(other)
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


def _journal_note(centre, worker, household, parent):
    """The note about the family, written and signed by the journal's own action."""
    do_write_note(actor=worker, text=NOTE, household=household)


def _escalation(centre, worker, contact, child, day):
    """A report of concern about the child; the action starts the 14-day clock (its task)."""
    do_create_escalation(
        actor=worker,
        center=centre,
        kind=Escalation.Kind.CHILD_CONCERN,
        contact=contact,
        person=child,
        made_on=day,
        to_unit="Mottagningen barn och unga",
        case_reference=f"BoU-{day:%Y}-{1200 + centre.pk}",
        reason=Escalation.Reason.NEGLECT,
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


DEMO_PARTNERS = [
    ("Polisen, lokalpolisområde Exempelstad", Partner.Kind.POLICE),
    ("Fritidsgården Kvarnen", Partner.Kind.NGO),
    ("Barnavårdscentralen Centrum", Partner.Kind.CHILD_HEALTH),
]


def _partners(centre):
    """The school (the demo's partner account's), police, a leisure centre and a child health
    centre of the municipality: found, or created once."""
    found = {}
    for name, kind in DEMO_PARTNERS:
        partner = Partner.objects.filter(municipality=centre.municipality, kind=kind).first()
        if partner is None:
            partner = do_create(
                actor=ACTOR,
                model=Partner,
                fields={"municipality": centre.municipality, "name": name, "kind": kind},
            )
        found[kind] = partner
    school = Partner.objects.filter(municipality=centre.municipality, kind="school").first()
    return found | {Partner.Kind.SCHOOL: school}


def _meetings(centre, worker, manager, today):
    """An SSPF meeting with school and police two weeks ago (one of its actions overdue, one
    done) and a meeting with the child health centre last week."""
    partners = _partners(centre)
    school, police = partners[Partner.Kind.SCHOOL], partners[Partner.Kind.POLICE]
    leisure = partners[Partner.Kind.NGO]
    areas = list(centre.catchment.values_list("area_id", flat=True))
    counts = {("13-15", OUTSIDE): 1}
    if areas:
        counts |= {("13-15", areas[0]): 3, ("16-17", areas[0]): 2, ("10-12", areas[-1]): 1}
    sspf = do_record_meeting(
        actor=worker,
        center=centre,
        held_on=today - dt.timedelta(days=14),
        place="Skolans konferensrum",
        partners=[p for p in (school, police, leisure) if p],
        other_participants="fältassistenter",
        topics=["youth-crime", "school-absence"],
        summary=(
            "Fler yngre i centrum på kvällarna; oro för rekrytering. Gemensamma kvällsvandringar "
            "och mer närvaro vid skolan efter lektionerna."
        ),
        is_sspf=True,
        sspf_counts=counts,
        actions=[
            AgreedAction("Kvällsvandring med fältassistenterna", worker, today - dt.timedelta(3)),
            AgreedAction("Extra närvaro vid skolan fredagar", police, today + dt.timedelta(10)),
            AgreedAction("Bjud in föräldrar till informationskväll", manager, today),
        ],
    )
    done = sspf.actions.get(what__startswith="Bjud in")
    do_set_action_status(actor=manager, action=done, status="done")
    do_record_meeting(
        actor=manager,
        center=centre,
        held_on=today - dt.timedelta(days=6),
        place=centre.name,
        partners=[partners[Partner.Kind.CHILD_HEALTH]],
        topics=["parenting"],
        summary="Samverkan kring föräldrastöd: BVC hänvisar till centrets öppna verksamhet.",
        actions=[
            AgreedAction(
                "Broschyr om föräldragruppen till BVC",
                partners[Partner.Kind.CHILD_HEALTH],
                today + dt.timedelta(days=14),
            )
        ],
    )


def delete_casework(municipality):
    """Casework of the example municipality, children first (the audit trail stays)."""
    centres = {"center__municipality__in": municipality}
    PartnerMeeting.objects.filter(**centres).delete()
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
