"""Outgoing referrals from the centre's side: refer from a person, household, alias or contact
page, follow the loop on the referral page, the list, the today view, warm referrals with a
joint meeting, and the administrator's settings."""

import datetime as dt
from html import unescape

import pytest
from django.utils import timezone, translation

from nara.core import queries
from nara.core.actions import booking
from nara.core.actions.consent import do_record_consent
from nara.core.actions.contacts import do_register_contact
from nara.core.actions.households import do_create_household
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import (
    ReferralRefused,
    do_send_incoming_referral,
    do_send_referral,
    do_set_referral_status,
)
from nara.core.models import (
    Alias,
    Appointment,
    AuditEvent,
    Center,
    FollowUpTask,
    LegalBasis,
    Partner,
    PartnerService,
    Referral,
    ReferralEvent,
    Slot,
)
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db
SCOPE = ["identity", "contact_details", "situation"]


@pytest.fixture
def bup(centres):
    centre = centres[0]
    partner = Partner.objects.create(
        municipality=centre.municipality, name="BUP, regionen", kind="region"
    )
    service = PartnerService.objects.create(
        partner=partner,
        name="Första linjen",
        topics=["parenting"],
        capacity_confirmed_on=dt.date(2026, 3, 1),
    )
    return partner, service


@pytest.fixture
def person(centres):
    return do_create_person(actor="test", center=centres[0], first_name="Sara", last_name="Ali")


def consent(person, partner, scope=SCOPE):
    return do_record_consent(
        actor=user("anna"),
        center=person.center,
        person=person,
        recipient_partner=partner,
        scope=scope,
        purpose="Remiss",
        given_how="verbal",
        given_by="person",
        valid_until=timezone.localdate() + dt.timedelta(days=90),
    )


def refer(client, path, service, **fields):
    data = {"service": str(service.pk), "topic": "parenting", "shared": SCOPE}
    data |= {"basis": "consent"} | fields
    return client.post(path, data, HTTP_ACCEPT_LANGUAGE="en")


def page(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def sent(centre, service, person):
    consent(person, service.partner)
    return do_send_referral(
        actor=user("anna"),
        center=centre,
        service=service,
        topic="parenting",
        shared=SCOPE,
        person=person,
    )


# Referring


def test_refer_a_person_with_consent_and_see_the_basis(as_worker, bup, person):
    partner, service = bup
    form = page(as_worker, f"/staff/people/{person.pk}/refer/")
    assert "BUP, regionen: Första linjen – taking referrals (confirmed 2026-03-01)" in form
    assert "flagged for the log review" in form
    consent(person, partner)
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", service)
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert referral.consent is not None and referral.shared == sorted(SCOPE)
    html = page(as_worker, response.url)
    assert "The resident's consent to this recipient, valid until" in html
    assert "Sara" not in html  # the subject is a link to the (audited) person page
    assert AuditEvent.objects.filter(action="referral.view", object_id=str(referral.pk)).exists()
    assert FollowUpTask.objects.filter(referral=referral, done_at__isnull=True).exists()


def test_no_consent_names_what_is_missing_links_to_record_it_and_saves_nothing(
    as_worker, bup, person
):
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", bup[1])
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert "There is no valid consent to share" in html and "BUP, regionen" in html
    assert f"/staff/people/{person.pk}/consents/new/" in html
    assert not Referral.objects.exists()


def test_a_consent_for_another_recipient_does_not_count(as_worker, bup, person, centres):
    school = Partner.objects.create(
        municipality=centres[0].municipality, name="Skolan", kind="school"
    )
    consent(person, school)
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", bup[1])
    assert response.status_code == 400 and "no valid consent" in unescape(response.content.decode())
    assert not Referral.objects.exists()


def test_a_service_that_stopped_taking_referrals_is_shown_but_refused(as_worker, bup, person):
    partner, service = bup
    service.capacity = "not_taking"
    service.save()
    consent(person, partner)
    assert "Första linjen – not taking referrals" in page(
        as_worker, f"/staff/people/{person.pk}/refer/"
    )
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", service)
    assert response.status_code == 400
    assert "has stopped taking referrals" in unescape(response.content.decode())
    assert not Referral.objects.exists()


def test_a_statutory_basis_shares_without_consent_and_is_flagged(as_worker, bup, person):
    basis = LegalBasis.objects.create(
        municipality=person.center.municipality, name="Fara för barn", provision="OSL 26:9"
    )
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", bup[1], basis=str(basis.pk))
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert referral.legal_basis == basis and referral.consent is None
    event = AuditEvent.objects.get(action="referral.send", object_id=str(referral.pk))
    assert "statutory_sharing" in event.flags
    assert "flagged for the log review" in page(as_worker, response.url)


def test_an_alias_referral_shares_nothing_identifying(as_worker, bup, centres):
    alias = Alias.objects.create(center=centres[0], name="Blåbär")
    path = f"/staff/aliases/{alias.pk}/refer/"
    form = page(as_worker, path)
    assert 'value="identity"' not in form and 'name="basis"' not in form
    response = refer(as_worker, path, bup[1], shared=["identity", "situation"])
    assert response.status_code == 400 and not Referral.objects.exists()
    response = refer(as_worker, path, bup[1], shared=["situation"])
    assert response.status_code == 302  # no consent, no legal basis: allowed by the database
    assert Referral.objects.get(alias=alias).shared == ["situation"]


def test_refer_a_household_and_from_a_contact(as_worker, bup, person, centres):
    partner, service = bup
    household = do_create_household(actor="test", center=centres[0], name="Familjen Ali")
    do_record_consent(
        actor=user("anna"),
        center=centres[0],
        household=household,
        recipient_partner=partner,
        scope=SCOPE,
        purpose="Remiss",
        given_how="written",
        given_by="guardian",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    assert "Refer to a partner" in page(as_worker, f"/staff/households/{household.pk}/")
    response = refer(as_worker, f"/staff/households/{household.pk}/refer/", service)
    assert response.status_code == 302
    assert Referral.objects.get(household=household).consent.household == household
    contact = do_register_contact(
        actor=user("anna"),
        center=centres[0],
        service=centres[0].services.get(slug="samtal"),
        channel="drop_in",
        occurred_on=timezone.localdate(),
        alias_name="Lingon",
    )
    response = refer(as_worker, f"/staff/contacts/{contact.pk}/refer/", service, shared=[])
    assert response.status_code == 302
    made = Referral.objects.get(contact=contact)
    assert made.alias.name == "Lingon" and made.person is None


def test_another_centres_worker_and_other_roles_never_see_a_referral(
    as_worker, as_other_worker, as_admin, as_analyst, as_partner, bup, person, centres
):
    referral = sent(centres[0], bup[1], person)
    for client in (as_other_worker, as_admin, as_analyst, as_partner):
        for path in (
            f"/staff/referrals/{referral.pk}/",
            f"/staff/people/{person.pk}/refer/",
            f"/staff/referrals/{referral.pk + 1000}/",
        ):
            assert client.get(path).status_code == 403, (client, path)
        response = client.post(f"/staff/referrals/{referral.pk}/status/", {"status": "withdrawn"})
        assert response.status_code == 403
    assert (
        f'data-referral="{referral.pk}"'
        not in as_other_worker.get("/staff/referrals/").content.decode()
    )
    referral.refresh_from_db()
    assert referral.status == "sent"


# The loop


def test_out_of_order_is_refused_with_a_message_and_nothing_changes(as_worker, bup, person):
    referral = sent(person.center, bup[1], person)
    response = as_worker.post(
        f"/staff/referrals/{referral.pk}/status/", {"status": "closed"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Select a valid choice" in unescape(response.content.decode())
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.events.count() == 1
    # The partner answers in Nära: the centre cannot answer for it.
    response = as_worker.post(
        f"/staff/referrals/{referral.pk}/status/",
        {"status": "received", "for_partner": "True"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and referral.events.count() == 1
    assert "cannot be changed from here" in unescape(response.content.decode())


def test_the_centre_sees_each_step_with_who_and_how_long_then_closes(as_worker, bup, person):
    referral = sent(person.center, bup[1], person)
    html = page(as_worker, f"/staff/referrals/{referral.pk}/")
    assert 'value="withdrawn"' in html and 'value="closed"' not in html
    start = referral.events.get().at
    petra = user("petra")
    for hours, status in ((26, "received"), (30, "accepted"), (75, "contact_made")):
        with_time = start + dt.timedelta(hours=hours)
        referral = do_set_referral_status(
            actor=petra, referral=referral, status=status, by_partner=True
        )
        ReferralEvent.objects.filter(referral=referral, status=status).update(at=with_time)
    html = page(as_worker, f"/staff/referrals/{referral.pk}/")
    assert "1 day 2 hours" in html  # sent → received
    assert "4 hours" in html  # received → accepted
    assert "1 day 21 hours" in html  # accepted → contact made
    assert "first contact after 3 days 3 hours" in html
    response = as_worker.post(f"/staff/referrals/{referral.pk}/status/", {"status": "closed"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert f'data-referral="{referral.pk}"' not in page(as_worker, "/staff/referrals/")
    assert f'data-referral="{referral.pk}"' in page(as_worker, "/staff/referrals/?state=closed")


def test_for_a_phone_service_the_worker_records_the_partners_answers(as_worker, bup, person):
    partner, service = bup
    service.accepts_referrals = False
    service.save()
    consent(person, partner)
    form = page(as_worker, f"/staff/people/{person.pk}/refer/")
    assert "by phone: you record the partner's answers" in form
    response = refer(as_worker, f"/staff/people/{person.pk}/refer/", service)
    referral = Referral.objects.get(person=person)
    html = page(as_worker, response.url)
    assert "Record the partner's answer" in html
    as_worker.post(
        f"/staff/referrals/{referral.pk}/status/", {"status": "received", "for_partner": "True"}
    )
    response = as_worker.post(
        f"/staff/referrals/{referral.pk}/status/",
        {"status": "declined", "reason": "", "for_partner": "True"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "Say why the referral is declined" in (
        unescape(response.content.decode())
    )
    for status in ("accepted",):
        response = as_worker.post(
            f"/staff/referrals/{referral.pk}/status/",
            {"status": status, "for_partner": "True"},
        )
        assert response.status_code == 302
    event = referral.events.get(status="accepted")
    assert event.by == user("anna") and event.by_partner and event.recorded_by_centre
    audit = AuditEvent.objects.filter(action="referral.status", object_id=str(referral.pk)).last()
    assert audit.changes["recorded_for_partner"] == [None, partner.pk]
    html = page(as_worker, f"/staff/referrals/{referral.pk}/")
    assert "BUP, regionen, recorded by" in html


# Today


def test_today_lists_unanswered_and_uncontacted_referrals_and_the_reminder_links(
    as_worker, bup, person, centres
):
    referral = sent(centres[0], bup[1], person)
    html = page(as_worker, "/staff/")
    assert f'data-referral="{referral.pk}"' not in html  # the reminder is not due yet
    FollowUpTask.objects.filter(referral=referral).update(due=timezone.localdate())
    school = Partner.objects.create(
        municipality=centres[0].municipality, name="Skolan", kind="school"
    )
    incoming = do_send_incoming_referral(
        actor=user("petra"),
        partner=school,
        center=centres[0],
        topic="school-absence",
        family_name="Familjen Berg",
        family_contact="070-1112233",
        consent_given_by="guardian",
        consent_given_how="verbal",
        consent_scope=SCOPE,
    )
    html = page(as_worker, "/staff/")
    start = html.index(f'id="referrals-{centres[0].pk}"')
    section = html[start : html.index("</section>", start)]
    assert "To BUP, regionen: no answer yet" in section
    assert "From Skolan: make contact" in section and "Familjen Berg" not in section
    tasks = html[html.index(f'id="tasks-{centres[0].pk}"') :]
    assert f"/staff/referrals/{referral.pk}/" in tasks.split("</section>")[0]
    do_set_referral_status(
        actor=user("petra"), referral=referral, status="received", by_partner=True
    )
    for status in ("received", "accepted", "contact_made"):
        do_set_referral_status(
            actor=user("anna"), referral=incoming, status=status, by_partner=False
        )
    html = page(as_worker, "/staff/")
    assert "No referrals waiting." in html


# Warm referrals


def free_slot(centre):
    return queries.free_slots(centre, days=42)[0]


def test_a_joint_meeting_takes_a_free_slot_away_from_residents(as_worker, bup, person, centres):
    referral = sent(centres[0], bup[1], person)
    slot = free_slot(centres[0])
    response = as_worker.post(f"/staff/referrals/{referral.pk}/meeting/", {"slot": slot.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.joint_meeting == slot
    assert slot not in queries.free_slots(centres[0], days=42)
    with pytest.raises(booking.BookingError):
        booking.do_book(slot_id=slot.pk, mode=slot.modes[0], alias="X", language="sv")
    assert "Booked at the centre" in page(as_worker, f"/staff/referrals/{referral.pk}/")
    # Withdrawn: the time is free for residents again.
    as_worker.post(f"/staff/referrals/{referral.pk}/status/", {"status": "withdrawn"})
    assert slot in queries.free_slots(centres[0], days=42)


def test_a_joint_meeting_in_another_centres_taken_or_past_slot_is_refused(
    as_worker, bup, person, centres
):
    referral = sent(centres[0], bup[1], person)
    other = free_slot(centres[1])
    past = Slot.objects.create(
        center=centres[0],
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(minutes=45),
        modes=["centre"],
    )
    taken = free_slot(centres[0])
    booking.do_book(slot_id=taken.pk, mode=taken.modes[0], alias="X", language="sv")
    expected = {
        other.pk: "Choose one of this centre's free times.",
        past.pk: "That time has already passed.",
        taken.pk: "That time is no longer free.",
        "abc": "Choose one of this centre's free times.",
    }
    for pk, message in expected.items():
        response = as_worker.post(
            f"/staff/referrals/{referral.pk}/meeting/", {"slot": pk}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400 and message in unescape(response.content.decode()), pk
    referral.refresh_from_db()
    assert referral.joint_meeting is None
    assert Appointment.objects.filter(booked_by_staff=True, slot__in=[other, past]).count() == 0


# Settings


def test_the_administrator_sets_the_reminder_days_and_the_legal_bases(
    as_admin, as_worker, as_manager, bup, person, demo
):
    assert as_worker.get("/staff/referrals/settings/").status_code == 403
    assert as_manager.get("/staff/referrals/settings/").status_code == 403
    response = as_admin.post(
        "/staff/referrals/settings/", {"form": "reminder", "referral_reminder_days": "0"}
    )
    assert response.status_code == 400
    response = as_admin.post(
        "/staff/referrals/settings/", {"form": "reminder", "referral_reminder_days": "10"}
    )
    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.referral_reminder_days == 10
    assert AuditEvent.objects.filter(action="municipality.update").exists()
    referral = sent(Center.objects.get(pk=person.center_id), bup[1], person)
    due = FollowUpTask.objects.get(referral=referral).due
    assert due >= timezone.localdate() + dt.timedelta(days=10)
    # The statutory bases are kept with the directory; the refer form offers the active ones.
    assert "/staff/legal-bases/" in page(as_admin, "/staff/referrals/settings/")
    basis = LegalBasis.objects.create(municipality=demo, name="Fara för barn", provision="OSL 26:9")
    assert "Fara för barn" in page(as_worker, f"/staff/people/{person.pk}/refer/")
    basis.active = False
    basis.save()
    assert "Fara för barn" not in page(as_worker, f"/staff/people/{person.pk}/refer/")


# Action rules fixed with these pages


def test_a_service_of_another_municipality_is_refused(bup, person, centres):
    from nara.core.models import Municipality

    elsewhere = Municipality.objects.create(code="7777", name="Annanstans")
    partner = Partner.objects.create(municipality=elsewhere, name="Annan", kind="ngo")
    service = PartnerService.objects.create(partner=partner, name="Stöd")
    with translation.override("en"), pytest.raises(ReferralRefused, match="this municipality"):
        do_send_referral(
            actor=user("anna"),
            center=centres[0],
            service=service,
            topic="parenting",
            shared=["situation"],
            alias=Alias.objects.create(center=centres[0], name="Hallon"),
        )
