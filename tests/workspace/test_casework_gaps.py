"""Gaps the Linköping seed and the casework review found: another offer on a saved contact, a
booked visit about a person or household, the household's journal, every offer reachable,
and no write links under emergency access."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from nara.core.actions import contacts as actions
from nara.core.actions.households import do_add_member, do_create_household
from nara.core.actions.people import do_create_person
from nara.core.models import Alias, AuditEvent, Contact, EmergencyAccess, Service
from tests.workspace.conftest import user
from tests.workspace.test_casework_contacts import _attended_appointment, contact_data

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FULL, NO_IDENTITY, COUNTS_ONLY = "unga", "samtal", "motesplats"


def service(slug):
    return Service.objects.get(slug=slug)


def text(response):
    return response.content.decode()


def grant_emergency(username, centre):
    EmergencyAccess.objects.create(
        user=user(username),
        center=centre,
        reason="Mamma vid dörren",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


@pytest.fixture
def family(centres):
    """A parent in a household of the first centre, and a contact about the parent (full
    documentation) in which one service was offered and accepted."""
    centre = centres[0]
    parent = do_create_person(actor="test", center=centre, first_name="Leila", last_name="Berg")
    household = do_create_household(actor="test", center=centre, name="Familjen Berg")
    do_add_member(actor="test", household=household, person=parent, relationship="parent")
    contact = actions.do_register_contact(
        actor=user("anna"),
        center=centre,
        service=service(FULL),
        channel="booked",
        occurred_on=timezone.localdate(),
        person=parent,
        offer_service=service(NO_IDENTITY),
        offer_answer="accepted",
    )
    return {"centre": centre, "parent": parent, "household": household, "contact": contact}


def offer_another(client, contact, slug, answer):
    data = {"offer-service": service(slug).pk, "offer-answer": answer}
    return client.post(f"/staff/contacts/{contact.pk}/offer/", data, **EN)


# 1. Another offer on a saved contact ----------------------------------------------------------


def test_another_service_is_offered_on_the_contacts_page(as_worker, family):
    contact = family["contact"]
    page = text(as_worker.get(f"/staff/contacts/{contact.pk}/", **EN))
    assert "Offer another service" in page and f"/staff/contacts/{contact.pk}/offer/" in page
    response = offer_another(as_worker, contact, FULL, "declined")
    assert response.status_code == 302 and response.url == f"/staff/contacts/{contact.pk}/"
    offers = list(contact.offers.order_by("pk").values_list("service__slug", "answer", "person"))
    # The full-documentation offer carries the contact's person; the no-identity one does not.
    assert offers == [(NO_IDENTITY, "accepted", None), (FULL, "declined", family["parent"].pk)]
    assert AuditEvent.objects.filter(action="offer.create").count() == 2
    page = text(as_worker.get(f"/staff/contacts/{contact.pk}/", **EN))
    assert "declined" in page and "accepted" in page


def test_the_same_service_twice_or_a_bad_answer_changes_nothing(as_worker, family):
    contact = family["contact"]
    again = offer_another(as_worker, contact, NO_IDENTITY, "declined")
    assert again.status_code == 400 and "was already offered in this contact" in text(again)
    bad = offer_another(as_worker, contact, FULL, "maybe")
    assert bad.status_code == 400
    elsewhere = as_worker.post(
        f"/staff/contacts/{contact.pk}/offer/",
        {"offer-service": "999999", "offer-answer": "accepted"},
        **EN,
    )
    assert elsewhere.status_code == 400
    assert contact.offers.count() == 1


def test_another_centre_and_emergency_access_cannot_add_an_offer(as_other_worker, family):
    contact = family["contact"]
    assert offer_another(as_other_worker, contact, FULL, "accepted").status_code == 403
    grant_emergency("omar", family["centre"])
    assert offer_another(as_other_worker, contact, FULL, "accepted").status_code == 403
    page = as_other_worker.post(
        f"/staff/contacts/{contact.pk}/", {"access-reason": "Mamma vid dörren idag"}, **EN
    )
    assert page.status_code == 200 and "Offer another service" not in text(page)
    assert contact.offers.count() == 1


# 2. A booked visit about a person or household ---------------------------------------------


def test_a_booked_visit_on_a_full_service_can_be_about_a_household(as_worker, family):
    centre, household = family["centre"], family["household"]
    appointment = _attended_appointment(centre)
    url = f"/staff/centres/{centre.pk}/contacts/new/"
    page = text(as_worker.get(url, {"appointment": appointment.pk, "service": service(FULL).pk}))
    assert 'name="household"' in page and "Familjen Berg" in page  # the chooser
    chosen = {"appointment": appointment.pk, "service": service(FULL).pk, "household": household.pk}
    page = text(as_worker.get(url, chosen, **EN))
    assert "About the household" in page and "Familjen Berg" in page
    day = timezone.localtime(appointment.slot.starts_at).date().isoformat()
    data = contact_data(FULL, channel="booked", occurred_on=day, **chosen)
    response = as_worker.post(url, data)
    assert response.status_code == 302
    saved = Contact.objects.get(appointment=appointment)
    assert saved.household == household and saved.person is None


def test_the_person_page_lists_attended_visits_to_record_from(as_worker, family):
    centre, parent = family["centre"], family["parent"]
    appointment = _attended_appointment(centre)
    page = text(as_worker.get(f"/staff/people/{parent.pk}/", **EN))
    link = f"/staff/centres/{centre.pk}/contacts/new/?appointment={appointment.pk}&amp;person="
    assert "Booked visits without a contact" in page and link in page
    url = f"/staff/centres/{centre.pk}/contacts/new/"
    day = timezone.localtime(appointment.slot.starts_at).date().isoformat()
    data = contact_data(
        FULL, channel="booked", occurred_on=day, appointment=appointment.pk, person=parent.pk
    )
    assert as_worker.post(url, data).status_code == 302
    saved = Contact.objects.get(appointment=appointment)
    assert saved.person == parent
    assert AuditEvent.objects.filter(action="person.view", person_id=parent.pk).exists()
    # Recorded: the visit is no longer listed.
    assert f"?appointment={appointment.pk}" not in text(
        as_worker.get(f"/staff/people/{parent.pk}/")
    )


def test_a_person_of_another_centre_is_refused_with_a_booked_visit(as_other_worker, family):
    other_centre = user("omar").memberships.first().center
    appointment = _attended_appointment(other_centre)
    url = f"/staff/centres/{other_centre.pk}/contacts/new/"
    data = contact_data(
        FULL, channel="booked", appointment=appointment.pk, person=family["parent"].pk
    )
    response = as_other_worker.post(url, data)
    assert response.status_code in (400, 403)
    assert not Contact.objects.filter(appointment=appointment).exists()


# 3. The household's journal -----------------------------------------------------------------


def test_the_household_page_links_to_its_journal_and_consents(as_worker, family):
    household = family["household"]
    page = text(as_worker.get(f"/staff/households/{household.pk}/", **EN))
    assert f'href="/staff/households/{household.pk}/journal/"' in page
    assert f'href="/staff/households/{household.pk}/consents/"' in page
    assert f"contacts/new/?household={household.pk}" in page


# 4. Every offer reachable -------------------------------------------------------------------


def test_every_offer_is_listed_with_its_answer_on_the_person_household_and_alias(as_worker, family):
    contact, parent, household = family["contact"], family["parent"], family["household"]
    offer_another(as_worker, contact, FULL, "declined")
    declined = contact.offers.get(answer="declined")
    accepted = contact.offers.get(answer="accepted")  # no-identity: no person on the offer
    page = text(as_worker.get(f"/staff/people/{parent.pk}/", **EN))
    for offer in (declined, accepted):
        assert f'href="/staff/offers/{offer.pk}/"' in page
    assert "declined" in page and f'href="/staff/contacts/{contact.pk}/"' in page
    household_contact = actions.do_register_contact(
        actor=user("anna"),
        center=family["centre"],
        service=service(FULL),
        channel="home_visit",
        occurred_on=timezone.localdate(),
        household=household,
        offer_service=service(FULL),
        offer_answer="declined",
    )
    page = text(as_worker.get(f"/staff/households/{household.pk}/", **EN))
    assert f'href="/staff/offers/{household_contact.offers.get().pk}/"' in page
    assert f'href="/staff/contacts/{household_contact.pk}/"' in page
    aliased = actions.do_register_contact(
        actor=user("anna"),
        center=family["centre"],
        service=service(NO_IDENTITY),
        channel="drop_in",
        occurred_on=timezone.localdate(),
        alias_name="Solros",
        offer_service=service(NO_IDENTITY),
        offer_answer="declined",
    )
    page = text(as_worker.get(f"/staff/aliases/{aliased.alias_id}/", **EN))
    assert f'href="/staff/offers/{aliased.offers.get().pk}/"' in page and "declined" in page


# 8. Emergency access reads: no write links ------------------------------------------------


WRITE_LINKS = [
    "/contacts/new/?person=",
    "/escalate/",
    "/contact-details/",
    "/legal-hold/",
    "/link-alias/",
    "/household/",
    "/staff/households/new/",
]


def test_the_person_page_shows_no_write_links_under_emergency_access(
    as_worker, as_other_worker, family
):
    parent = family["parent"]
    Alias.objects.create(center=family["centre"], name="Solros")  # one to link: the form shows
    own = text(as_worker.get(f"/staff/people/{parent.pk}/", **EN))
    assert all(link in own for link in WRITE_LINKS)
    grant_emergency("omar", family["centre"])
    page = as_other_worker.post(
        f"/staff/people/{parent.pk}/", {"reason": "Mamma vid dörren idag"}, **EN
    )
    shown = text(page)
    assert page.status_code == 200 and "Leila" in shown
    assert [link for link in WRITE_LINKS if link in shown] == []
    assert f"/staff/people/{parent.pk}/journal/" in shown  # reading stays possible
    household = text(
        as_other_worker.post(
            f"/staff/households/{family['household'].pk}/",
            {"access-reason": "Mamma vid dörren idag"},
            **EN,
        )
    )
    assert "/legal-hold/" not in household and "/remove/" not in household


# 5. A protected person's name stays behind the reason gate ---------------------------------


def test_a_protected_persons_name_is_not_shown_on_contact_offer_and_escalation_pages(
    as_worker, centres
):
    from nara.core.actions.escalations import do_create_escalation

    centre = centres[0]
    hidden = do_create_person(
        actor="test",
        center=centre,
        first_name="Skyddad",
        last_name="Hemligsson",
        protected_identity=True,
    )
    contact = actions.do_register_contact(
        actor=user("anna"),
        center=centre,
        service=service(FULL),
        channel="booked",
        occurred_on=timezone.localdate(),
        person=hidden,
        offer_service=service(FULL),
    )
    escalation, _task = do_create_escalation(
        actor=user("anna"),
        center=centre,
        kind="child_concern",
        to_unit="Mottagningen",
        reason="neglect",
        person=hidden,
        contact=contact,
    )
    pages = [
        f"/staff/contacts/{contact.pk}/",
        f"/staff/offers/{contact.offers.get().pk}/",
        f"/staff/escalations/{escalation.pk}/",
        f"/staff/people/{hidden.pk}/escalate/",
        f"/staff/people/{hidden.pk}/consents/new/",
        f"/staff/centres/{centre.pk}/contacts/new/?service={service(FULL).pk}&person={hidden.pk}",
    ]
    for url in pages:
        page = as_worker.get(url, **EN)
        shown = text(page)
        assert page.status_code == 200, url
        assert "Hemligsson" not in shown and "Skyddad" not in shown, url
        assert "Protected person" in shown and f'href="/staff/people/{hidden.pk}/"' in shown, url
    # The person's page itself still asks why first.
    assert "Hemligsson" not in text(as_worker.get(f"/staff/people/{hidden.pk}/", **EN))


# 6. Withdrawing the consent a link stood on undoes the link -----------------------------


def test_withdrawing_the_link_consent_unlinks_the_alias_contacts_audited(as_worker, centres):
    from nara.core.models import Consent
    from tests.workspace.test_casework_households import alias_with_contacts, link

    centre = centres[0]
    alias = alias_with_contacts(centre)
    person = do_create_person(actor="test", center=centre, first_name="Hawa", last_name="Ali")
    other = Consent.objects.create(  # a consent for something else: withdrawing it unlinks nothing
        center=centre,
        person=person,
        scope=["situation"],
        recipient_unit="Skolan",
        purpose="Samordning",
        given_how="verbal",
        given_by="person",
        given_on=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    assert link(as_worker, person, alias).status_code == 302
    assert Contact.objects.filter(person=person).count() == 3
    as_worker.post(f"/staff/consents/{other.pk}/withdraw/")
    assert Contact.objects.filter(person=person).count() == 3
    consent = Alias.objects.get(pk=alias.pk).link_consent
    response = as_worker.post(f"/staff/consents/{consent.pk}/withdraw/", follow=True, **EN)
    assert "are no longer linked to the person" in text(response)
    alias.refresh_from_db()
    assert alias.person_id is None and alias.link_consent_id is None
    assert not Contact.objects.filter(person=person).exists()
    assert Contact.objects.filter(alias=alias).count() == 3
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    event = AuditEvent.objects.get(action="alias.unlink")
    assert event.reason == "consent withdrawn" and event.person_id == person.pk
    assert len(event.changes["contacts_unlinked"][0]) == 3
    page = text(as_worker.get(f"/staff/people/{person.pk}/", **EN))
    assert "alias Stjärnan" not in page


# 7. No identity number in free text, and a refused one is not written back ------------------

NUMBERS = ["19121212-1212", "121212-1212", "19121272-1219", "19991399-1239"]  # pnr, samordn., res.
REFUSED = "Do not write a personal identity, coordination or reserve number here."


def _refused_and_not_echoed(response, number):
    shown = text(response)
    assert response.status_code == 400
    assert REFUSED in shown
    assert number not in shown and number.replace("-", "") not in shown


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("field", ["to_unit", "identity_unknown_reason"])
def test_an_escalation_refuses_an_identity_number_in_free_text(as_worker, family, field, number):
    from nara.core.models import Escalation

    contact = actions.do_register_contact(
        actor=user("anna"),
        center=family["centre"],
        service=service(NO_IDENTITY),
        channel="drop_in",
        occurred_on=timezone.localdate(),
    )
    data = {
        "kind": "child_concern",
        "reason": "neglect",
        "to_unit": "Mottagningen",
        "identity_unknown_reason": "Barnet ville inte säga sitt namn",
        "made_on": str(timezone.localdate()),
        field: f"Gäller {number}",
    }
    response = as_worker.post(f"/staff/contacts/{contact.pk}/escalate/", data, **EN)
    _refused_and_not_echoed(response, number)
    assert not Escalation.objects.exists()


def test_the_escalation_action_refuses_it_too(family):
    from nara.core.actions.escalations import EscalationError, do_create_escalation

    with pytest.raises(EscalationError):
        do_create_escalation(
            actor=user("anna"),
            center=family["centre"],
            kind="formal_case",
            to_unit="Enhet 19121212-1212",
            reason="other",
            person=family["parent"],
        )


@pytest.mark.parametrize("field", ["purpose", "recipient_unit"])
def test_a_consent_refuses_an_identity_number(as_worker, family, field):
    from nara.core.models import Consent

    number = NUMBERS[0]
    data = {
        "scope": ["identity"],
        "recipient_unit": "Skolan",
        "purpose": "Samordning kring skolgången",
        "given_how": "verbal",
        "given_by": "person",
        "given_on": str(timezone.localdate()),
        "valid_until": str(timezone.localdate() + dt.timedelta(days=30)),
        field: f"Gäller {number}",
    }
    response = as_worker.post(f"/staff/people/{family['parent'].pk}/consents/new/", data, **EN)
    _refused_and_not_echoed(response, number)
    assert not Consent.objects.exists()


def test_a_household_name_refuses_an_identity_number(as_worker, family):
    from nara.core.actions.households import HouseholdRefused
    from nara.core.models import Household

    number = NUMBERS[1]
    data = {"center": family["centre"].pk, "name": f"Familjen {number}"}
    response = as_worker.post("/staff/households/new/", data, **EN)
    _refused_and_not_echoed(response, number)
    assert Household.objects.count() == 1
    with pytest.raises(HouseholdRefused):
        do_create_household(actor="test", center=family["centre"], name=f"X {number}")


def test_a_contact_note_refuses_an_identity_number(as_worker, family):
    number = NUMBERS[3]
    before = Contact.objects.count()
    data = contact_data(NO_IDENTITY, note=f"Ringde om {number}")
    response = as_worker.post(f"/staff/centres/{family['centre'].pk}/contacts/new/", data, **EN)
    _refused_and_not_echoed(response, number)
    assert Contact.objects.count() == before
    fine = contact_data(NO_IDENTITY, note="Ringde om bostaden, 3 barn")
    saved = as_worker.post(f"/staff/centres/{family['centre'].pk}/contacts/new/", fine, **EN)
    assert saved.status_code == 302 and Contact.objects.count() == before + 1


# 9. A counts-only contact is never linked to a booking, call-back or question -------------


def test_a_counts_only_contact_drops_the_link_to_where_it_came_from(as_worker, centres):
    from nara.core.actions import booking

    centre = centres[0]
    called, _code = booking.do_request_callback(
        center=centre, alias="Test", phone="+46701234567", language="sv", when="any"
    )
    url = f"/staff/centres/{centre.pk}/contacts/new/"
    query = {"callback": called.pk, "service": service(COUNTS_ONLY).pk}
    page = text(as_worker.get(url, query, **EN))
    assert "not linked to where it came from" in page
    response = as_worker.post(url, contact_data(COUNTS_ONLY, channel="phone", **query))
    assert response.status_code == 302
    saved = Contact.objects.get()
    assert saved.callback is None and saved.channel == "phone"
    assert AuditEvent.objects.get(action="contact.create").changes.get("callback") is None


def test_the_action_refuses_an_origin_on_a_counts_only_service(centres):
    from tests.workspace.test_casework_contacts import _attended_appointment

    appointment = _attended_appointment(centres[0])
    with translation.override("en"), pytest.raises(actions.ContactRefused, match="counts only"):
        actions.do_register_contact(
            actor=user("anna"),
            center=centres[0],
            service=service(COUNTS_ONLY),
            channel="booked",
            occurred_on=timezone.localdate(),
            appointment=appointment,
        )
    assert not Contact.objects.exists()
