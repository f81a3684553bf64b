"""Review of the casework pages as an attacker would try them: a colleague with emergency
access to another centre, crafted identifiers and careless input."""

import datetime as dt

import pytest
from django.utils import timezone

from nara.core.actions.people import do_create_person
from nara.core.models import (
    Alias,
    AuditEvent,
    Contact,
    EmergencyAccess,
    FollowUpTask,
    Household,
    HouseholdMember,
    Person,
    Service,
    SupportOffer,
)
from tests.workspace.conftest import user
from tests.workspace.test_people_and_log_review import sample_pnr

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate


def grant_emergency(username, centre):
    EmergencyAccess.objects.create(
        user=user(username),
        center=centre,
        reason="Mamma vid dörren",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


@pytest.fixture
def records(centres):
    """Casework of the first centre (Anna's): a person in a household, an alias with a contact,
    an offer and an open task."""
    centre = centres[0]
    person = do_create_person(
        actor="test",
        center=centre,
        first_name="Lina",
        last_name="Holm",
        pnr=sample_pnr(21),
        address="Storgatan 1",
        phone="070-1234567",
    )
    household = Household.objects.create(center=centre, name="Familjen Holm")
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship="parent"
    )
    alias = Alias.objects.create(center=centre, name="Stjärnan")
    service = Service.objects.filter(centers=centre).first()
    contact = Contact.objects.create(
        center=centre,
        service=service,
        channel="drop_in",
        occurred_on=TODAY(),
        alias=alias,
        staff=user("anna"),
    )
    offer = SupportOffer.objects.create(
        center=centre, contact=contact, service=service, offered_on=TODAY()
    )
    task = FollowUpTask.objects.create(center=centre, title="Ring Lina", due=TODAY())
    return {
        "person": person,
        "household": household,
        "member": member,
        "alias": alias,
        "offer": offer,
        "task": task,
    }


def _link_alias_data(r):
    return {
        "alias": r["alias"].pk,
        "consent_given": "on",
        "given_how": "verbal",
        "given_by": "person",
        "valid_until": str(TODAY() + dt.timedelta(days=30)),
    }


# (url, POST data) of every change a colleague of another centre could try with emergency access.
EMERGENCY_WRITES = {
    "offer answer": lambda r: (
        f"/staff/offers/{r['offer'].pk}/",
        {"step": "answer", "answer": "accepted", "answered_on": str(TODAY())},
    ),
    "household legal hold": lambda r: (
        f"/staff/households/{r['household'].pk}/legal-hold/",
        {"on": "1"},
    ),
    "household member removed": lambda r: (
        f"/staff/households/members/{r['member'].pk}/remove/",
        {},
    ),
    "person legal hold": lambda r: (f"/staff/people/{r['person'].pk}/legal-hold/", {"on": "1"}),
    "person contact details": lambda r: (
        f"/staff/people/{r['person'].pk}/contact-details/",
        {"address": "Annan väg 9", "phone": "", "email": "", "preferred_language": ""},
    ),
    "alias linked": lambda r: (f"/staff/people/{r['person'].pk}/link-alias/", _link_alias_data(r)),
    "task done": lambda r: (f"/staff/tasks/{r['task'].pk}/done/", {}),
}


def _snapshot(r):
    person = Person.objects.get(pk=r["person"].pk)
    return (
        person.legal_hold,
        person.address,
        Household.objects.get(pk=r["household"].pk).legal_hold,
        HouseholdMember.objects.count(),
        Alias.objects.get(pk=r["alias"].pk).person_id,
        SupportOffer.objects.get(pk=r["offer"].pk).answer,
        FollowUpTask.objects.get(pk=r["task"].pk).done_at,
    )


@pytest.mark.parametrize("write", EMERGENCY_WRITES)
def test_emergency_access_reads_but_changes_nothing(as_other_worker, centres, records, write):
    grant_emergency("omar", centres[0])
    before = _snapshot(records)
    url, data = EMERGENCY_WRITES[write](records)
    response = as_other_worker.post(url, data, **EN)
    assert response.status_code == 403
    assert _snapshot(records) == before


def test_emergency_access_cannot_unlink_an_alias(as_worker, as_other_worker, centres, records):
    person, alias = records["person"], records["alias"]
    as_worker.post(f"/staff/people/{person.pk}/link-alias/", _link_alias_data(records))
    assert Alias.objects.get(pk=alias.pk).person_id == person.pk
    grant_emergency("omar", centres[0])
    unlinked = as_other_worker.post(
        f"/staff/aliases/{alias.pk}/unlink/", {"reason": "Fel person enligt mig"}, **EN
    )
    assert unlinked.status_code == 403
    assert Alias.objects.get(pk=alias.pk).person_id == person.pk


def test_emergency_access_does_not_open_contact_details_without_a_reason(
    as_other_worker, centres, records
):
    grant_emergency("omar", centres[0])
    page = as_other_worker.get(f"/staff/people/{records['person'].pk}/contact-details/", **EN)
    assert page.status_code == 403
    assert "Storgatan" not in page.content.decode()


def test_opening_the_contact_details_form_is_an_audited_read(as_worker, records):
    person = records["person"]
    page = as_worker.get(f"/staff/people/{person.pk}/contact-details/", **EN)
    assert "Storgatan 1" in page.content.decode()
    assert AuditEvent.objects.filter(action="person.view", person_id=person.pk).exists()


# Bad input: identifiers written with digits that are not 0–9 ("²", "١") in prefills and posts.

NOT_ASCII_DIGITS = ["²", "١٢", "0²"]


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("name", ["service", "person", "household", "appointment", "callback"])
def test_prefill_ids_with_other_digits_never_give_a_server_error(as_worker, centres, name, value):
    full = Service.objects.get(slug="unga")
    url = f"/staff/centres/{centres[0].pk}/contacts/new/"
    query = {name: value} if name == "service" else {"service": full.pk, name: value}
    opened = as_worker.get(url, query, **EN)
    assert opened.status_code in (200, 400, 403)
    posted = as_worker.post(url, {"channel": "drop_in", "occurred_on": str(TODAY()), **query})
    assert posted.status_code in (400, 403) and not Contact.objects.exists()


# The documentation level: an alias on a no-identity service never carries an identity number,
# a phone number or an e-mail address.

NO_IDENTITY_CONTACT = {
    "channel": "drop_in",
    "age_band": "unknown",
    "gender": "not_stated",
    "previously_known": "unknown",
    "offer_answer": "no_answer",
}


@pytest.mark.parametrize("alias", ["19121212-1212", "121212-1212", "0701234567", "lina@example.se"])
def test_an_alias_that_identifies_is_refused_on_a_no_identity_service(as_worker, centres, alias):
    service = Service.objects.get(slug="samtal")
    data = {
        **NO_IDENTITY_CONTACT,
        "service": service.pk,
        "occurred_on": str(TODAY()),
        "alias_name": alias,
    }
    response = as_worker.post(f"/staff/centres/{centres[0].pk}/contacts/new/", data, **EN)
    assert response.status_code == 400
    assert "An alias may not be an identity number" in response.content.decode()
    assert alias not in response.content.decode()  # not written back into the form
    assert not Contact.objects.exists() and not Alias.objects.exists()


def test_a_chosen_alias_with_a_few_digits_is_still_saved(as_worker, centres):
    service = Service.objects.get(slug="samtal")
    data = {
        **NO_IDENTITY_CONTACT,
        "service": service.pk,
        "occurred_on": str(TODAY()),
        "alias_name": "Solros 12",
    }
    response = as_worker.post(f"/staff/centres/{centres[0].pk}/contacts/new/", data, **EN)
    assert response.status_code == 302 and Alias.objects.get().name == "Solros 12"


# Careless input: a personnummer typed where a reference or a task title goes would end up in
# a link to the case system (a URL), the today view and a message.


def test_an_escalation_reference_that_is_a_personnummer_is_refused(as_worker, centres, records):
    from nara.core.models import Escalation

    pnr = sample_pnr(21)
    data = {
        "kind": "formal_case",
        "reason": "neglect",
        "to_unit": "Barn- och ungdomsmottagningen",
        "case_reference": f"BoU {pnr}",
        "made_on": str(TODAY()),
    }
    url = f"/staff/people/{records['person'].pk}/escalate/"
    response = as_worker.post(url, data, **EN)
    assert response.status_code == 400
    assert "The reference may not contain a personal identity number" in response.content.decode()
    assert pnr not in response.content.decode()  # not written back into the form
    assert not Escalation.objects.exists()
    saved = as_worker.post(url, {**data, "case_reference": "BoU 2026/1234"}, **EN)
    assert saved.status_code == 302 and Escalation.objects.get().case_reference == "BoU 2026/1234"


def test_a_task_title_with_a_personnummer_is_refused(as_worker, centres):
    url = f"/staff/centres/{centres[0].pk}/tasks/new/"
    data = {
        "title": f"Ring {sample_pnr(21)} om bostaden",
        "due": str(TODAY() + dt.timedelta(days=3)),
    }
    response = as_worker.post(url, data, **EN)
    assert response.status_code == 400
    assert "Do not write a personal identity number" in response.content.decode()
    assert not FollowUpTask.objects.exists()


# Emergency access to another centre's casework asks why first, as it does for a person.


def _emergency_pages(r):
    from nara.core.actions.escalations import do_create_escalation

    escalation, _task = do_create_escalation(
        actor=user("anna"),
        center=r["person"].center,
        kind="formal_case",
        to_unit="Socialtjänsten",
        reason="neglect",
        person=r["person"],
    )
    contact = Contact.objects.create(
        center=r["person"].center,
        service=Service.objects.get(slug="unga"),
        channel="drop_in",
        occurred_on=TODAY(),
        person=r["person"],
    )
    offer = SupportOffer.objects.create(
        center=contact.center,
        contact=contact,
        service=contact.service,
        person=r["person"],
        offered_on=TODAY(),
    )
    Alias.objects.filter(pk=r["alias"].pk).update(person=r["person"])
    return {
        "household": f"/staff/households/{r['household'].pk}/",
        "contact": f"/staff/contacts/{contact.pk}/",
        "offer": f"/staff/offers/{offer.pk}/",
        "escalation": f"/staff/escalations/{escalation.pk}/",
        "alias": f"/staff/aliases/{r['alias'].pk}/",
    }


@pytest.mark.parametrize("page", ["household", "contact", "offer", "escalation", "alias"])
def test_emergency_access_to_casework_asks_why_first(as_other_worker, centres, records, page):
    url = _emergency_pages(records)[page]
    grant_emergency("omar", centres[0])
    asked = as_other_worker.get(url, **EN)
    assert "Reason required" in asked.content.decode()
    assert "Holm" not in asked.content.decode()
    reason = "Mamma vid dörren, stängt"
    shown = as_other_worker.post(url, {"access-reason": reason}, **EN)
    assert shown.status_code == 200 and "Holm" in shown.content.decode()
    read = AuditEvent.objects.filter(actor_id=user("omar").pk).order_by("pk").last()
    assert read.reason == reason and "emergency_access" in read.flags


def test_emergency_access_does_not_list_another_centres_households(
    as_other_worker, centres, records
):
    grant_emergency("omar", centres[0])
    listed = as_other_worker.get("/staff/households/", **EN).content.decode()
    assert "Familjen Holm" not in listed


def test_the_alias_search_is_posted_so_what_is_typed_stays_out_of_the_url(as_worker, centres):
    Alias.objects.create(center=centres[0], name="Stjärnan")
    page = as_worker.get("/staff/aliases/", **EN).content.decode()
    assert '<form method="post" role="search">' in page
    found = as_worker.post("/staff/aliases/", {"q": "stjärn"}, **EN).content.decode()
    assert "Stjärnan" in found


@pytest.mark.parametrize("target", ["-1", "today", "https://evil.example/", "//evil.example/"])
def test_marking_a_task_done_goes_back_only_to_a_page_of_this_site(as_worker, records, target):
    task = records["task"]
    done = as_worker.post(f"/staff/tasks/{task.pk}/done/", {"next": target})
    assert done.status_code == 302 and done.url == f"/staff/centres/{task.center_id}/calendar/"
    assert FollowUpTask.objects.get(pk=task.pk).done_at is not None
