"""Retention of casework records: the administrator's periods, the purge, legal hold."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from nara.core.actions.people import do_set_person_legal_hold
from nara.core.actions.referrals import do_send_referral, do_set_referral_status
from nara.core.actions.retention import DEFAULT_RETENTION_DAYS
from nara.core.models import (
    Alias,
    AuditEvent,
    Consent,
    Contact,
    Escalation,
    GroupActivity,
    GroupParticipant,
    Household,
    HouseholdMember,
    JournalNote,
    MeetingAction,
    Partner,
    PartnerMeeting,
    PartnerService,
    Person,
    PurgeProtocol,
    RecordType,
    Referral,
    RetentionPolicy,
    Service,
    SupportOffer,
    WaitingListEntry,
)
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db

DAYS = DEFAULT_RETENTION_DAYS


@pytest.fixture
def centre(centres):
    return centres[0]


@pytest.fixture
def service(centre):
    return Service.objects.filter(centers=centre).first()


def purge_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("purge")
    return PurgeProtocol.objects.latest("pk")


def person(centre, **fields):
    return Person.objects.create(center=centre, first_name="Ida", last_name="Test", **fields)


def contact(centre, service, **fields):
    return Contact.objects.create(
        center=centre,
        service=service,
        channel="drop_in",
        occurred_on=timezone.localdate(),
        **fields,
    )


def note(centre, subject, **fields):
    return JournalNote.objects.create(
        center=centre, author=user("anna"), text_encrypted="x", signature="s", **subject, **fields
    )


def consent(centre, who):
    today = timezone.localdate()
    return Consent.objects.create(
        center=centre,
        person=who,
        scope=["identity"],
        purpose="Samordning",
        given_how="verbal",
        given_by="person",
        given_on=today,
        valid_until=today + dt.timedelta(days=30),
    )


def make(record_type, centre, service):
    """One record of the type, alone; → (model, pk, protocol key, days until it is due)."""
    if record_type == RecordType.CONTACT:
        return Contact, contact(centre, service).pk, "contacts", DAYS[record_type]
    if record_type == RecordType.OFFER:
        offer = SupportOffer.objects.create(
            center=centre,
            contact=contact(centre, service),
            service=service,
            offered_on=timezone.localdate(),
            answer="declined",
            answered_on=timezone.localdate(),
        )
        return SupportOffer, offer.pk, "offers", DAYS[record_type]
    if record_type == RecordType.NOTE:
        written = note(centre, {"person": person(centre)})
        return JournalNote, written.pk, "journal_notes", DAYS[record_type]
    if record_type == RecordType.CONSENT:
        given = consent(centre, person(centre))
        return Consent, given.pk, "consents", DAYS[record_type] + 30
    if record_type == RecordType.ESCALATION:
        made = Escalation.objects.create(
            center=centre,
            kind="formal_case",
            made_on=timezone.localdate(),
            made_by=user("anna"),
            to_unit="Mottagningen",
            reason="economy",
        )
        return Escalation, made.pk, "escalations", DAYS[record_type]
    if record_type == RecordType.PERSON:
        return Person, person(centre).pk, "people", DAYS[record_type]
    if record_type == RecordType.HOUSEHOLD:
        household = Household.objects.create(center=centre, name="Familjen Test")
        return Household, household.pk, "households", DAYS[record_type]
    if record_type == RecordType.REFERRAL:
        closed = closed_referral(centre, Alias.objects.create(center=centre, name="Stjärnan"))
        return Referral, closed.pk, "referrals", DAYS[record_type]
    if record_type == RecordType.MEETING:
        meeting = PartnerMeeting.objects.create(
            center=centre, held_on=timezone.localdate(), place="Skolan"
        )
        MeetingAction.objects.create(
            meeting=meeting,
            center=centre,
            what="Kvällsvandring",
            owner_user=user("anna"),
            due=timezone.localdate(),
            status="done",
        )
        return PartnerMeeting, meeting.pk, "meetings", DAYS[record_type]
    if record_type in (RecordType.PARTICIPANT, RecordType.WAITING_LIST):
        group = GroupActivity.objects.create(
            center=centre, service=service, title="Föräldragrupp", capacity=10
        )
        if record_type == RecordType.PARTICIPANT:
            joined = GroupParticipant.objects.create(
                activity=group, person=person(centre), joined_on=timezone.localdate()
            )
            return GroupParticipant, joined.pk, "group_participants", DAYS[record_type]
        waiting = WaitingListEntry.objects.create(
            activity=group, person=person(centre), added_on=timezone.localdate()
        )
        return WaitingListEntry, waiting.pk, "waiting_list", DAYS[record_type]
    alias = Alias.objects.create(center=centre, name="Stjärnan")
    return Alias, alias.pk, "aliases", DAYS[record_type]


def closed_referral(centre, alias):
    """A referral of `alias` to a partner's service, answered and closed today."""
    partner = Partner.objects.create(
        municipality=centre.municipality, name="Familjestöd", kind="municipal_unit"
    )
    service = PartnerService.objects.create(partner=partner, name="Föräldrastöd")
    referral = do_send_referral(
        actor=user("anna"), center=centre, service=service, topic="parenting", alias=alias
    )
    for status, by_partner in (("received", True), ("declined", True), ("closed", False)):
        referral = do_set_referral_status(
            actor=user("anna"),
            referral=referral,
            status=status,
            by_partner=by_partner,
            reason="no_capacity" if status == "declined" else "",
        )
    return referral


def test_an_open_referral_stays_and_keeps_its_person_and_consent(centre, service):
    someone = person(centre)
    given = consent(centre, someone)
    partner = Partner.objects.create(municipality=centre.municipality, name="BUP", kind="region")
    given.recipient_partner = partner
    given.scope = ["identity", "situation"]
    given.save()
    referral = do_send_referral(
        actor=user("anna"),
        center=centre,
        service=PartnerService.objects.create(partner=partner, name="Första linjen"),
        topic="parenting",
        shared=["identity"],
        person=someone,
    )
    protocol = purge_at(timezone.now() + dt.timedelta(days=20 * 365))
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert Person.objects.filter(pk=someone.pk).exists()
    assert Consent.objects.filter(pk=given.pk).exists()
    assert protocol.counts["referrals"] == 0


@pytest.mark.parametrize("record_type", list(RecordType))
def test_each_record_type_is_kept_within_its_period_and_purged_after(record_type, centre, service):
    model, pk, key, due = make(record_type, centre, service)
    now = timezone.now()
    kept = purge_at(now + dt.timedelta(days=due - 1))
    assert model.objects.filter(pk=pk).exists()
    assert kept.counts[key] == 0
    gone = purge_at(now + dt.timedelta(days=due + 1))
    assert not model.objects.filter(pk=pk).exists()
    assert gone.counts[key] == 1


def test_legal_hold_on_a_person_keeps_everything_about_them(centre, service):
    held = person(centre, legal_hold=True)
    visit = contact(centre, service, person=held)
    written = note(centre, {"person": held})
    agreed = consent(centre, held)
    protocol = purge_at(timezone.now() + dt.timedelta(days=20 * 365))
    for model, pk in [(Person, held.pk), (Contact, visit.pk), (JournalNote, written.pk)]:
        assert model.objects.filter(pk=pk).exists(), model
    assert Consent.objects.filter(pk=agreed.pk).exists()
    assert protocol.counts["people"] == protocol.counts["contacts"] == 0


def test_legal_hold_on_a_household_keeps_it_its_notes_and_its_members(centre, service):
    household = Household.objects.create(center=centre, name="Familjen Håll", legal_hold=True)
    child = person(centre)
    HouseholdMember.objects.create(household=household, person=child, relationship="child")
    written = note(centre, {"household": household})
    childs_note = note(centre, {"person": child})
    purge_at(timezone.now() + dt.timedelta(days=20 * 365))
    assert Household.objects.filter(pk=household.pk).exists()
    assert JournalNote.objects.filter(pk__in=[written.pk, childs_note.pk]).count() == 2
    assert Person.objects.filter(pk=child.pk).exists()


def test_a_corrected_note_goes_only_together_with_its_correction(centre):
    subject = {"person": person(centre)}
    start = timezone.now()
    original = note(centre, subject)
    with time_machine.travel(start + dt.timedelta(days=4 * 365), tick=False):
        correction = note(centre, subject, corrects=original, correction_reason="Fel datum")
    # The original is past its period, its correction is not: both stay.
    protocol = purge_at(start + dt.timedelta(days=DAYS[RecordType.NOTE] + 1))
    assert JournalNote.objects.filter(pk__in=[original.pk, correction.pk]).count() == 2
    assert protocol.counts["journal_notes"] == 0
    protocol = purge_at(start + dt.timedelta(days=4 * 365 + DAYS[RecordType.NOTE] + 1))
    assert not JournalNote.objects.filter(pk__in=[original.pk, correction.pk]).exists()
    assert protocol.counts["journal_notes"] == 2


def test_a_person_stays_while_a_record_about_them_is_kept(centre, service):
    """Registered long ago, but a recent contact: the person is still needed."""
    start = timezone.now()
    someone = person(centre)
    with time_machine.travel(start + dt.timedelta(days=4 * 365), tick=False):
        contact(centre, service, person=someone)
    purge_at(start + dt.timedelta(days=DAYS[RecordType.PERSON] + 1))
    assert Person.objects.filter(pk=someone.pk).exists()


def test_the_audit_trail_records_the_purge_with_counts_only(centre, service, capsys):
    contact(centre, service, note_encrypted="secret")
    Alias.objects.create(center=centre, name="Hemligt-alias")
    protocol = purge_at(timezone.now() + dt.timedelta(days=10 * 365))
    event = AuditEvent.objects.filter(action="purge.run").latest("pk")
    assert event.changes == protocol.counts
    assert protocol.counts["contacts"] == 1 and protocol.counts["aliases"] == 1
    assert all(isinstance(count, int) for count in protocol.counts.values())
    assert "Hemligt-alias" not in str(event.changes) + capsys.readouterr().out


def test_the_administrator_sets_a_period_and_the_purge_follows_it(centre, service):
    page = signed_in(user("admin")).get("/staff/retention/")
    assert page.status_code == 200 and "Gallringsfrister" in page.content.decode()
    fields = {t.value: DAYS[t] for t in RecordType} | {"contact": "30"}
    response = signed_in(user("admin")).post("/staff/retention/", fields)
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(record_type="contact").days == 30
    event = AuditEvent.objects.filter(action="retention.set").latest("pk")
    assert event.changes == {"contact": [DAYS[RecordType.CONTACT], 30]}
    visit = contact(centre, service)
    purge_at(timezone.now() + dt.timedelta(days=31))
    assert not Contact.objects.filter(pk=visit.pk).exists()


@pytest.mark.parametrize("bad", ["0", "-5", "abc", "36501", ""])
def test_a_bad_period_is_refused_with_a_message_and_changes_nothing(bad, demo):
    fields = {t.value: DAYS[t] for t in RecordType} | {"contact": bad}
    response = signed_in(user("admin")).post("/staff/retention/", fields)
    assert response.status_code == 400
    assert "Rätta fälten" in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_the_administrator_finds_the_retention_page_from_the_start_page(demo):
    start = signed_in(user("admin")).get("/staff/").content.decode()
    assert 'href="/staff/retention/"' in start and "Gallringsfrister" in start
    assert "/staff/retention/" not in signed_in(user("maria")).get("/staff/").content.decode()


def test_the_retention_page_is_for_the_administrator_only(demo):
    for username in ("maria", "anna", "ahmed", "petra"):
        assert signed_in(user(username)).get("/staff/retention/").status_code == 403


def test_the_retention_page_shows_the_latest_purge_in_people_words(centre, service):
    contact(centre, service)
    purge_at(timezone.now() + dt.timedelta(days=10 * 365))
    page = signed_in(user("admin")).get("/staff/retention/").content.decode()
    assert "Senaste gallringskörningarna" in page
    assert "kontakter <bdi>1</bdi>" in page
    assert "appointments_anonymised" not in page  # people words, not protocol keys


def test_legal_hold_is_set_in_the_audit_trail_and_then_respected(centre, service):
    someone = person(centre)
    visit = contact(centre, service, person=someone)
    do_set_person_legal_hold(actor=user("maria"), person=someone, on=True)
    event = AuditEvent.objects.filter(action="person.legal_hold").latest("pk")
    assert (event.person_id, event.changes) == (someone.pk, {"legal_hold": [False, True]})
    purge_at(timezone.now() + dt.timedelta(days=10 * 365))
    assert Contact.objects.filter(pk=visit.pk).exists()
    do_set_person_legal_hold(actor=user("maria"), person=someone, on=False)
    purge_at(timezone.now() + dt.timedelta(days=10 * 365))
    assert not Contact.objects.filter(pk=visit.pk).exists()
    assert not Person.objects.filter(pk=someone.pk).exists()
