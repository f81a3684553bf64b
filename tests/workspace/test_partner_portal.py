"""The partner portal and referrals from partners, through the pages.

Petra works for Ekbackens skola, Vera for BVC Ekbacken; Anna works at the first social centre,
Omar at the second. A partner user reaches only their own organisation's referrals (any other
id is the same 404), sees a name only while the consent covers it, and every read that names
someone is audited. The centre receives, makes contact and closes a family sent in, and sees the
time to first contact.
"""

import datetime as dt

import pytest
from django.utils import timezone

from nara.core.actions.consent import do_record_consent, do_withdraw_consent
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import (
    do_send_incoming_referral,
    do_send_referral,
    do_set_referral_status,
)
from nara.core.models import (
    Alias,
    AuditEvent,
    Center,
    FollowUpTask,
    Municipality,
    Partner,
    Referral,
)
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
EVERYTHING = ["identity", "contact_details", "situation"]


@pytest.fixture
def as_other_partner(demo):
    """Vera, partner user at BVC Ekbacken."""
    return signed_in(user("vera"))


def partner(name):
    return Partner.objects.get(name=name, municipality__is_example=True)


SCHOOL, BVC = "Ekbackens skola", "BVC Ekbacken"


@pytest.fixture
def sara(centres):
    return do_create_person(
        actor="test", center=centres[0], first_name="Sara", last_name="Ali", phone="070-7654321"
    )


def send_out(centre, person, to, shared=EVERYTHING):
    """An outgoing referral from Anna's centre to `to`, with the person's consent."""
    consent = do_record_consent(
        actor=user("anna"),
        center=centre,
        person=person,
        recipient_partner=partner(to),
        scope=EVERYTHING,
        purpose="Remiss",
        given_how="verbal",
        given_by="person",
        valid_until=timezone.localdate() + dt.timedelta(days=90),
    )
    referral = do_send_referral(
        actor=user("anna"),
        center=centre,
        service=partner(to).services.first(),
        topic="parenting",
        shared=shared,
        person=person,
    )
    return referral, consent


def send_in(centre, by="petra", to=SCHOOL, name="Familjen Berg"):
    return do_send_incoming_referral(
        actor=user(by),
        partner=partner(to),
        center=centre,
        topic="school-absence",
        family_name=name,
        family_contact="070-1112233",
        consent_given_by="guardian",
        consent_given_how="verbal",
        consent_scope=["identity", "contact_details", "situation"],
    )


def status_of(referral):
    referral.refresh_from_db()
    return referral.status


def shows_error(response):
    return b'class="message error"' in response.content


# The start page and who reaches what ------------------------------------------------------


def test_the_start_page_is_the_portal_with_the_organisations_referrals_only(
    as_partner, centres, sara
):
    mine, _consent = send_out(centres[0], sara, SCHOOL)
    theirs, _consent = send_out(centres[0], sara, BVC)
    sent_by_me = send_in(centres[0])
    sent_by_them = send_in(centres[0], by="vera", to=BVC)
    html = as_partner.get("/staff/").content.decode()
    assert f'data-referral="{mine.pk}"' in html
    assert f'data-referral="{sent_by_me.pk}"' in html
    assert f'data-referral="{theirs.pk}"' not in html
    assert f'data-referral="{sent_by_them.pk}"' not in html
    assert "Sara" not in html and "Berg" not in html  # the list names no one


def test_another_organisation_never_reaches_a_referral_not_even_by_guessing_ids(
    as_partner, centres, sara
):
    theirs, _consent = send_out(centres[0], sara, BVC)
    sent_by_them = send_in(centres[0], by="vera", to=BVC)
    mine = send_in(centres[0])
    unknown = Referral.objects.order_by("-pk").first().pk + 1
    for pk in (theirs.pk, sent_by_them.pk, unknown):
        for url in (f"/staff/portal/referrals/{pk}/", f"/staff/portal/sent/{pk}/"):
            assert as_partner.get(url).status_code == 404
        assert (
            as_partner.post(f"/staff/portal/referrals/{pk}/status/", {"status": "received"})
        ).status_code == 404
        assert as_partner.post(f"/staff/portal/sent/{pk}/withdraw/").status_code == 404
    # Their own incoming referral is not reached through the other direction's pages either.
    assert as_partner.get(f"/staff/portal/referrals/{mine.pk}/").status_code == 404
    assert status_of(theirs) == "sent" and status_of(sent_by_them) == "sent"
    assert not AuditEvent.objects.filter(
        action="referral.partner_view", actor_id=user("petra").pk
    ).exists()


def test_partner_users_get_no_casework_and_no_centre_side_of_referrals(as_partner, centres, sara):
    incoming = send_in(centres[0])
    for url in (
        "/staff/today/",
        "/staff/people/",
        f"/staff/people/{sara.pk}/",
        f"/staff/people/{sara.pk}/journal/",
        "/staff/incoming/",
        f"/staff/incoming/{incoming.pk}/",
    ):
        assert as_partner.get(url).status_code == 403, url
    response = as_partner.post(f"/staff/incoming/{incoming.pk}/status/", {"status": "received"})
    assert response.status_code == 403 and status_of(incoming) == "sent"


# What the partner sees of a referral addressed to them ----------------------------------


def test_the_name_shows_only_while_the_consent_covers_it_and_each_read_is_audited(
    as_partner, centres, sara
):
    referral, consent = send_out(centres[0], sara, SCHOOL)
    html = as_partner.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()
    assert "Sara Ali" in html and "070-7654321" in html
    assert centres[0].name in html
    reads = AuditEvent.objects.filter(action="referral.partner_view", object_id=str(referral.pk))
    assert reads.count() == 1 and reads.get().person_id == sara.pk
    assert "partner_read" in reads.get().flags

    do_withdraw_consent(actor=user("anna"), consent=consent)
    html = as_partner.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()
    assert "Sara" not in html and "070-7654321" not in html
    assert centres[0].name in html and centres[0].street_address in html  # the way in
    assert reads.count() == 1  # nothing named, nothing to audit


def test_without_identity_in_the_scope_the_partner_sees_the_alias_or_a_family(
    as_partner, centres, sara
):
    referral, _consent = send_out(centres[0], sara, SCHOOL, shared=["situation"])
    html = as_partner.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()
    assert "Sara" not in html and "070-7654321" not in html
    alias = Alias.objects.create(center=centres[0], name="Stjärnan")
    by_alias = do_send_referral(
        actor=user("anna"),
        center=centres[0],
        service=partner(SCHOOL).services.first(),
        topic="parenting",
        alias=alias,
    )
    html = as_partner.get(f"/staff/portal/referrals/{by_alias.pk}/").content.decode()
    assert "Stjärnan" in html


def test_the_partner_moves_the_referral_on_in_order_and_declines_only_with_a_reason(
    as_partner, centres, sara
):
    referral, _consent = send_out(centres[0], sara, SCHOOL)
    url = f"/staff/portal/referrals/{referral.pk}/status/"
    for wrong in ("accepted", "contact_made", "closed", "bogus", ""):
        response = as_partner.post(url, {"status": wrong}, follow=True)
        assert shows_error(response) and status_of(referral) == "sent", wrong
    for step in ("received", "accepted", "contact_made"):
        response = as_partner.post(url, {"status": step}, follow=True)
        assert not shows_error(response)
        assert status_of(referral) == step
    # The centre sees the loop closing on its side.
    assert referral.events.filter(by_partner=True).count() == 3

    other, _consent = send_out(centres[0], sara, SCHOOL)
    url = f"/staff/portal/referrals/{other.pk}/status/"
    as_partner.post(url, {"status": "received"})
    response = as_partner.post(url, {"status": "declined"}, follow=True)
    assert shows_error(response) and status_of(other) == "received"
    as_partner.post(url, {"status": "declined", "reason": "no_capacity"})
    other.refresh_from_db()
    assert other.status == "declined" and other.decline_reason == "no_capacity"


def test_the_referral_page_offers_only_the_partners_next_steps(as_partner, centres, sara):
    referral, _consent = send_out(centres[0], sara, SCHOOL)
    html = as_partner.get(f"/staff/portal/referrals/{referral.pk}/").content.decode()
    assert 'value="received"' in html and 'value="accepted"' not in html
    assert 'value="withdrawn"' not in html  # withdrawing is the centre's step


# Families the partner sends in ------------------------------------------------------------


def form_data(centre, **changes):
    data = {
        "center": centre.pk,
        "topic": "school-absence",
        "family_name": "Familjen Berg",
        "phone": "070-1112233",
        "email": "",
        "consent_given_by": "guardian",
        "consent_given_how": "verbal",
        "consent_scope": ["identity", "contact_details", "situation"],
    }
    return data | changes


def test_a_partner_sends_a_family_in_with_the_consent_on_the_form(as_partner, centres):
    response = as_partner.get("/staff/portal/send/")
    assert response.status_code == 200
    assert f'value="{centres[0].pk}"' in response.content.decode()
    response = as_partner.post("/staff/portal/send/", form_data(centres[0]))
    referral = Referral.objects.get(direction="incoming")
    assert response.status_code == 302 and response["Location"].endswith(f"/{referral.pk}/")
    assert referral.partner == partner(SCHOOL) and referral.center == centres[0]
    assert referral.partner_consent_given_by == "guardian"
    assert "Berg" not in referral.family_name_encrypted
    task = FollowUpTask.objects.get(referral=referral)
    assert task.center == centres[0] and task.due == timezone.localdate()
    html = as_partner.get(response["Location"]).content.decode()
    assert "Familjen Berg" in html and 'data-status="sent"' in html
    assert AuditEvent.objects.filter(
        action="referral.partner_view", object_id=str(referral.pk)
    ).exists()


def other_municipalitys_centre():
    town = Municipality.objects.create(code="9998", name="Grannkommun")
    return Center.objects.create(
        municipality=town,
        slug="grannby",
        name="Socialt center Grannby",
        street_address="Grannvägen 1",
        postal_code="123 45",
        city="Grannby",
        lon=16.0,
        lat=58.5,
        is_published=True,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"consent_scope": ["situation"]},  # without name and contact details
        {"consent_scope": ["identity"]},
        {"phone": "", "email": ""},
        {"family_name": "  "},
        {"consent_given_by": "neighbour"},
        {"consent_given_how": ""},
        {"topic": "gossip"},
        {"email": "not an address"},
    ],
)
def test_bad_input_on_the_send_form_saves_nothing(as_partner, centres, changes):
    response = as_partner.post("/staff/portal/send/", form_data(centres[0], **changes))
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not Referral.objects.exists()


def test_a_centre_of_another_municipality_or_a_personnummer_is_refused(as_partner, centres):
    elsewhere = other_municipalitys_centre()
    response = as_partner.post("/staff/portal/send/", form_data(elsewhere))
    assert response.status_code == 400 and not Referral.objects.exists()
    pnr = "19850312-4565"  # a valid number (check digit right), fictional
    response = as_partner.post("/staff/portal/send/", form_data(centres[0], family_name=pnr))
    assert response.status_code == 400 and not Referral.objects.exists()
    assert pnr[-4:].encode() not in response.content  # not written back into the page


def test_the_partner_sees_only_received_contact_made_and_closed(as_partner, centres):
    referral = send_in(centres[0])
    url = f"/staff/portal/sent/{referral.pk}/"
    anna = user("anna")
    seen = []
    steps = ("received", "accepted", "contact_made", "help_started", "completed", "closed")
    for step in steps:
        do_set_referral_status(actor=anna, referral=referral, status=step, by_partner=False)
        html = as_partner.get(url).content.decode()
        seen.append(html.split('data-status="')[1].split('"')[0])
    assert seen == ["received", "received"] + ["contact_made"] * 3 + ["closed"]


def test_the_partner_withdraws_only_before_the_centre_received_it(as_partner, centres):
    early = send_in(centres[0])
    as_partner.post(f"/staff/portal/sent/{early.pk}/withdraw/")
    assert status_of(early) == "withdrawn"
    assert FollowUpTask.objects.get(referral=early).done_at is not None
    late = send_in(centres[0], name="Familjen Ek")
    do_set_referral_status(actor=user("anna"), referral=late, status="received", by_partner=False)
    assert b"withdraw/" not in as_partner.get(f"/staff/portal/sent/{late.pk}/").content
    response = as_partner.post(f"/staff/portal/sent/{late.pk}/withdraw/", follow=True)
    assert shows_error(response) and status_of(late) == "received"


# The centre's side of a family sent in ------------------------------------------------------


def test_the_centre_makes_contact_sees_the_time_to_first_contact_and_closes(as_worker, centres):
    referral = send_in(centres[0], name="Sara Berg")
    today = as_worker.get("/staff/").content.decode()
    assert f"/staff/incoming/{referral.pk}/" in today  # the task links to the referral
    assert f"/staff/incoming/{referral.pk}/" in as_worker.get("/staff/incoming/").content.decode()

    html = as_worker.get(f"/staff/incoming/{referral.pk}/").content.decode()
    assert "Sara Berg" in html and "070-1112233" in html
    read = AuditEvent.objects.get(action="referral.view", object_id=str(referral.pk))
    assert read.actor_id == user("anna").pk
    assert 'class="first-contact"' in html

    url = f"/staff/incoming/{referral.pk}/status/"
    response = as_worker.post(url, {"status": "contact_made"}, follow=True)
    assert shows_error(response) and status_of(referral) == "sent"  # not in order
    for step in ("received", "accepted", "contact_made"):
        as_worker.post(url, {"status": step})
        assert status_of(referral) == step
    assert FollowUpTask.objects.get(referral=referral).done_at is not None
    html = as_worker.get(f"/staff/incoming/{referral.pk}/").content.decode()
    after = html.split('class="first-contact">')[1].split("<")[0]
    assert "minut" in after and "dag" not in after  # under a day, in words
    as_worker.post(url, {"status": "closed"})
    assert status_of(referral) == "closed"


def test_the_centre_links_the_family_to_its_person(as_worker, centres):
    referral = send_in(centres[0], name="Sara Berg")
    berg = do_create_person(actor="test", center=centres[0], first_name="Sara", last_name="Berg")
    elsewhere = do_create_person(
        actor="test", center=centres[1], first_name="Sara", last_name="Berg"
    )
    html = as_worker.get(f"/staff/incoming/{referral.pk}/").content.decode()
    assert f'<option value="{berg.pk}"' in html and f'value="{elsewhere.pk}"' not in html
    url = f"/staff/incoming/{referral.pk}/link/"
    response = as_worker.post(url, {"person": elsewhere.pk}, follow=True)
    assert shows_error(response)
    response = as_worker.post(url, {}, follow=True)
    assert shows_error(response)
    referral.refresh_from_db()
    assert referral.person is None
    as_worker.post(url, {"person": berg.pk})
    referral.refresh_from_db()
    assert referral.person == berg
    assert AuditEvent.objects.filter(action="referral.link", person_id=berg.pk).exists()


def test_another_centre_never_reaches_the_referral(as_other_worker, centres):
    referral = send_in(centres[0])
    assert as_other_worker.get(f"/staff/incoming/{referral.pk}/").status_code == 403
    response = as_other_worker.post(
        f"/staff/incoming/{referral.pk}/status/", {"status": "received"}
    )
    assert response.status_code == 403 and status_of(referral) == "sent"
    assert f"/staff/incoming/{referral.pk}/" not in (
        as_other_worker.get("/staff/incoming/").content.decode()
    )


def test_an_outgoing_referral_is_not_opened_as_an_incoming_one(as_worker, centres, sara):
    referral, _consent = send_out(centres[0], sara, SCHOOL)
    assert as_worker.get(f"/staff/incoming/{referral.pk}/").status_code == 403
