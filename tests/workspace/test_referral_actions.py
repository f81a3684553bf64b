"""The referral actions: consent checked in the transaction, the lifecycle in order, each side
its own steps, reminders settled once answered."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from nara.core.actions.consent import do_record_consent, do_withdraw_consent
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import (
    ReferralRefused,
    allowed_steps,
    do_send_incoming_referral,
    do_send_referral,
    do_set_referral_status,
    family_for_partner,
    time_to_first_contact,
)
from nara.core.models import (
    AuditEvent,
    FollowUpTask,
    LegalBasis,
    Partner,
    PartnerService,
    Referral,
    ReferralStatus,
)
from tests.workspace.conftest import user
from tests.workspace.test_people_and_log_review import sample_pnr

pytestmark = pytest.mark.django_db
S = ReferralStatus


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def setting(centres):
    centre = centres[0]
    partner = Partner.objects.create(
        municipality=centre.municipality, name="BUP Östergötland", kind="region"
    )
    service = PartnerService.objects.create(
        partner=partner, name="Första linjen", topics=["parenting"], age_max=17
    )
    person = do_create_person(
        actor="test",
        center=centre,
        first_name="Sara",
        last_name="Ali",
        pnr=sample_pnr(31),
        phone="070-7654321",
    )
    return centre, partner, service, person


def consent_to(centre, person, partner, scope):
    return do_record_consent(
        actor=user("anna"),
        center=centre,
        person=person,
        recipient_partner=partner,
        scope=scope,
        purpose="Remiss till BUP",
        given_how="verbal",
        given_by="person",
        valid_until=timezone.localdate() + dt.timedelta(days=90),
    )


def send(centre, service, person, shared=("identity", "contact_details", "situation")):
    return do_send_referral(
        actor=user("anna"),
        center=centre,
        service=service,
        topic="parenting",
        shared=shared,
        person=person,
    )


def test_no_consent_to_this_partner_refuses_and_saves_nothing(setting):
    centre, partner, service, person = setting
    other = Partner.objects.create(municipality=centre.municipality, name="Skolan", kind="school")
    consent_to(centre, person, other, ["identity", "contact_details", "situation"])
    with pytest.raises(ReferralRefused, match="no valid consent"):
        send(centre, service, person)
    assert not Referral.objects.exists()


def test_consent_must_cover_what_is_shared(setting):
    centre, partner, service, person = setting
    consent_to(centre, person, partner, ["identity", "situation"])
    with pytest.raises(ReferralRefused, match="does not cover"):
        send(centre, service, person)
    referral = send(centre, service, person, shared=("identity", "situation"))
    assert referral.consent is not None
    assert family_for_partner(referral) == {"name": "Sara Ali"}


def test_withdrawn_consent_hides_the_name_from_the_partner_at_once(setting):
    centre, partner, service, person = setting
    consent = consent_to(centre, person, partner, ["identity", "contact_details", "situation"])
    referral = send(centre, service, person)
    assert family_for_partner(referral)["phone"] == "070-7654321"
    do_withdraw_consent(actor=user("anna"), consent=consent)
    referral.refresh_from_db()
    assert family_for_partner(referral) is None


def test_statutory_basis_is_flagged_for_review(setting):
    centre, partner, service, person = setting
    basis = LegalBasis.objects.create(
        municipality=centre.municipality, name="Fara för barn", provision="OSL 26:9"
    )
    referral = do_send_referral(
        actor=user("anna"),
        center=centre,
        service=service,
        topic="parenting",
        shared=["identity"],
        person=person,
        legal_basis=basis,
    )
    event = AuditEvent.objects.get(action="referral.send", object_id=str(referral.pk))
    assert "statutory_sharing" in event.flags


def test_a_service_that_stopped_taking_referrals_refuses(setting):
    centre, partner, service, person = setting
    consent_to(centre, person, partner, ["identity", "contact_details", "situation"])
    service.capacity = "not_taking"
    service.save()
    with pytest.raises(ReferralRefused, match="stopped taking referrals"):
        send(centre, service, person)


def test_lifecycle_in_order_by_the_right_side_and_reminder_settled(setting):
    centre, partner, service, person = setting
    consent_to(centre, person, partner, ["identity", "contact_details", "situation"])
    referral = send(centre, service, person)
    reminder = FollowUpTask.objects.get(referral=referral)
    assert reminder.due >= timezone.localdate() + dt.timedelta(days=5)
    partner_user, worker = user("anna"), user("anna")
    with pytest.raises(ReferralRefused, match="cannot become"):
        do_set_referral_status(
            actor=partner_user, referral=referral, status=S.HELP_STARTED, by_partner=True
        )
    with pytest.raises(ReferralRefused, match="cannot become"):  # the centre does not receive
        do_set_referral_status(actor=worker, referral=referral, status=S.RECEIVED, by_partner=False)
    for status in (S.RECEIVED, S.ACCEPTED, S.CONTACT_MADE):
        referral = do_set_referral_status(
            actor=partner_user, referral=referral, status=status, by_partner=True
        )
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    assert time_to_first_contact(referral) is not None
    assert allowed_steps(referral, by_partner=False) == [S.CLOSED, S.WITHDRAWN]
    with pytest.raises(ReferralRefused, match="Say why"):
        do_set_referral_status(
            actor=partner_user, referral=referral, status=S.DECLINED, by_partner=True
        )


def test_incoming_referral_needs_consent_to_name_and_contact_details(centres):
    centre = centres[0]
    school = Partner.objects.create(municipality=centre.municipality, name="Skolan", kind="school")
    arguments = dict(
        actor=user("anna"),
        partner=school,
        center=centre,
        topic="school-absence",
        family_name="Familjen Berg",
        family_contact="070-1112233",
        consent_given_by="guardian",
        consent_given_how="verbal",
    )
    with pytest.raises(ReferralRefused, match="must agree"):
        do_send_incoming_referral(**arguments, consent_scope=["situation"])
    referral = do_send_incoming_referral(
        **arguments, consent_scope=["identity", "contact_details", "situation"]
    )
    assert "Familjen Berg" not in referral.family_name_encrypted
    task = FollowUpTask.objects.get(referral=referral)
    assert task.due == timezone.localdate()
    assert allowed_steps(referral, by_partner=True) == [S.WITHDRAWN]
    do_set_referral_status(
        actor=user("anna"), referral=referral, status=S.RECEIVED, by_partner=False
    )
    referral = do_set_referral_status(
        actor=user("anna"), referral=referral, status=S.ACCEPTED, by_partner=False
    )
    do_set_referral_status(
        actor=user("anna"), referral=referral, status=S.CONTACT_MADE, by_partner=False
    )
    task.refresh_from_db()
    assert task.done_at is not None
