"""The demo's casework: a new user signing in sees a living day, and the demo can be rebuilt."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from nara.core.actions import journal
from nara.core.demo import build_demo
from nara.core.models import (
    Alias,
    AuditEvent,
    Center,
    Consent,
    Contact,
    Escalation,
    FollowUpTask,
    Household,
    JournalNote,
    MeetingAction,
    Municipality,
    PartnerMeeting,
    SupportOffer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def lively_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(seed=2026)
        yield Municipality.objects.get(is_example=True)
        transaction.set_rollback(True)


def social_centres():
    return Center.objects.filter(kind="centre")


def test_every_social_centre_has_weeks_of_contacts(lively_demo):
    today = timezone.localdate()
    for centre in social_centres():
        contacts = Contact.objects.filter(center=centre)
        assert contacts.filter(occurred_on__gte=today - dt.timedelta(days=7)).count() >= 3
        assert contacts.filter(occurred_on__lt=today - dt.timedelta(days=14)).exists()
        assert len(set(contacts.values_list("channel", flat=True))) >= 3
        # What a counts-only service records carries no one.
        counts_only = contacts.filter(service__documentation_level="counts_only")
        assert counts_only.exists()
        assert not counts_only.exclude(person=None, household=None, alias=None).exists()


def test_an_alias_returned_three_times_and_accepted_help_on_the_third_visit(lively_demo):
    for centre in social_centres():
        alias = Alias.objects.get(center=centre, name="Stjärnan")
        visits = list(alias.contacts.order_by("occurred_on"))
        assert len(visits) == 3 and visits[0].first_contact and not visits[2].first_contact
        offer = SupportOffer.objects.get(alias=alias)
        assert (offer.contact_id, offer.answer) == (visits[2].pk, "accepted")


def test_a_family_with_offers_consent_journal_and_an_escalation_clock(lively_demo):
    for centre in social_centres():
        household = Household.objects.get(center=centre)
        relations = sorted(household.members.values_list("relationship", flat=True))
        assert relations == ["child", "child", "parent"]
        # Three offers in the visit with the family; each carries the household only as far
        # as its service documents (a counts-only offer carries no one).
        offers = SupportOffer.objects.filter(contact__household=household)
        assert set(offers.values_list("answer", flat=True)) == {"accepted", "thinking", "declined"}
        assert offers.filter(household=household, answer="accepted", started_on__isnull=False)
        assert not offers.filter(service__documentation_level="counts_only").exclude(household=None)
        # The family's consent (the referrals' consents to partners aside).
        assert Consent.objects.get(center=centre, recipient_partner=None).is_valid()
        note = JournalNote.objects.get(center=centre)
        assert "rutiner" in note.text and "rutiner" not in note.text_encrypted
        # Signed by the journal's own signing: the page shows no tampering warning.
        assert journal.signature_matches(note) and note.household_id == household.pk
        escalation = Escalation.objects.get(center=centre)
        clock = FollowUpTask.objects.get(escalation=escalation)
        assert clock.due >= escalation.made_on + dt.timedelta(days=14) and clock.done_at is None
        assert escalation.person.households.get().relationship == "child"


def test_tasks_are_due_today_and_overdue(lively_demo):
    today = timezone.localdate()
    for centre in social_centres():
        open_tasks = FollowUpTask.objects.filter(center=centre, done_at=None)
        assert open_tasks.filter(due__lt=today).exists()
        assert open_tasks.filter(due__gte=today).exists()


def test_every_social_centre_has_partner_meetings_with_an_overdue_action(lively_demo):
    today = timezone.localdate()
    for centre in social_centres():
        meetings = PartnerMeeting.objects.filter(center=centre)
        sspf = meetings.get(is_sspf=True)
        assert {p.kind for p in sspf.partners.all()} >= {"school", "police"}
        assert sspf.sspf_counts.exists()
        actions = MeetingAction.objects.filter(center=centre)
        assert actions.filter(status="open", due__lt=today, owner_user__isnull=False).exists()
        assert actions.filter(status="done", status_changed_by__isnull=False).exists()
        assert actions.filter(owner_partner__isnull=False).exists()
        assert meetings.count() == 2


def test_every_casework_write_is_in_the_audit_trail_and_the_chain_holds(lively_demo):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    expected = ["contact.create", "offer.create", "offer.start", "household.create"]
    expected += ["household.add_member", "journal.write", "escalation.create", "consent.record"]
    expected += ["task.create", "person.create"]
    expected_meetings = ["meeting.create", "meeting_action.create", "meeting_action.status"]
    for action in expected + expected_meetings:
        assert action in actions, action
    # Written by the actions, as the centres' staff: no row without its staff member.
    casework = AuditEvent.objects.filter(action__in=set(expected) - {"task.create"})
    assert not casework.filter(actor_id=None).exists()
    assert AuditEvent.objects.filter(action="contact.create").count() == Contact.objects.count()
    assert AuditEvent.objects.filter(action="offer.create").count() == SupportOffer.objects.count()
    # The alias was chosen at the first visit: recorded with that contact, as the form does.
    assert AuditEvent.objects.filter(action="contact.create", changes__has_key="alias_created")
    assert not AuditEvent.objects.filter(changes__icontains="rutiner").exists()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit trail intact" in out.getvalue()


def test_the_demo_with_casework_can_be_rebuilt(lively_demo):
    out = io.StringIO()
    call_command("demo_data", "--reset", "--no-history", stdout=out)
    assert "contacts with offers" in out.getvalue()
    assert Municipality.objects.filter(is_example=True).count() == 1
    assert Household.objects.count() == social_centres().count()


def test_referrals_in_every_state_to_and_from_partners_with_partner_logins(lively_demo):
    from nara.core.actions.incoming import incoming_family
    from nara.core.demo import DEMO_STAFF
    from nara.core.models import Membership, Partner, Referral, ReferralStatus, Role

    names = set(Partner.objects.filter(municipality=lively_demo).values_list("name", flat=True))
    assert {"Ekbackens skola", "BVC Ekbacken", "BUP, regionen", "Polisen, lokalpolisområdet"} <= (
        names
    )
    partner_users = {
        m.user.username: m.partner.name
        for m in Membership.objects.filter(role=Role.PARTNER_USER).select_related("user", "partner")
    }
    assert partner_users == {
        "petra": "Ekbackens skola",
        "vera": "BVC Ekbacken",
        "bodil": "BUP, regionen",
    }
    assert set(partner_users) <= {username for username, *_rest in DEMO_STAFF}
    outgoing = Referral.objects.filter(direction="outgoing", center__municipality=lively_demo)
    assert set(outgoing.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert not outgoing.filter(consent=None).exists()  # every one with the family's consent
    incoming = Referral.objects.filter(direction="incoming", center__municipality=lively_demo)
    assert {"sent", "received", "contact_made", "closed", "withdrawn"} <= set(
        incoming.values_list("status", flat=True)
    )
    assert all(incoming_family(r)["name"] for r in incoming)
    waiting = FollowUpTask.objects.filter(
        referral__in=incoming, due=timezone.localdate(), done_at=None
    )
    assert waiting.exists()  # a family sent in today waits in the today view
