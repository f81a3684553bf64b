"""People and households, only where lawful: identity kinds, contact details, protected identity,
the duplicate choice, households, and aliases linked to a person with the resident's consent."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from nara.core.models import (
    Alias,
    AuditEvent,
    Consent,
    Contact,
    FormerIdentity,
    Household,
    HouseholdMember,
    Person,
    Service,
)
from tests.conftest import shared_file
from tests.workspace.test_people_and_log_review import sample_pnr

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REASON = {"reason": "Home visit planned for today"}


def reserve_numbers():
    return shared_file("test_reservnummer.txt").read_text().split()


def register(client, centre, **extra):
    data = {"center": centre.pk, "first_name": "Lina", "last_name": "Andersson", **extra}
    return client.post("/staff/people/new/", data, **EN)


def person_page(client, person, **post):
    if post:
        return client.post(f"/staff/people/{person.pk}/", post, **EN).content.decode()
    return client.get(f"/staff/people/{person.pk}/", **EN).content.decode()


def raw_row(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a fixed table name)
        return str(cursor.fetchall())


def audit_text(**filters):
    return str(list(AuditEvent.objects.filter(**filters).values()))


# Contact details and preferred language, encrypted like the address.


def test_contact_details_and_language_are_kept_encrypted_and_shown_to_the_centre(
    as_worker, centres
):
    created = register(
        as_worker,
        centres[0],
        pnr=sample_pnr(30),
        phone="+46 70 123 45 67",
        email="lina@example.org",
        preferred_language="ar",
        address="Vivallagatan 3",
    )
    person = Person.objects.get()
    assert created.status_code == 302 and person.preferred_language == "ar"
    stored = raw_row("core_person")
    assert "123 45 67" not in stored and "lina@example.org" not in stored
    page = person_page(as_worker, person)
    assert "+46 70 123 45 67" in page and "lina@example.org" in page and "Arabic" in page
    assert "lina@example" not in audit_text() and "123 45 67" not in audit_text()


def test_a_phone_number_with_letters_is_refused_and_nothing_saved(as_worker, centres):
    page = register(as_worker, centres[0], phone="ring mig")
    assert page.status_code == 400 and "digits only" in page.content.decode()
    assert not Person.objects.exists()


# Identity kinds: reservnummer and a local temporary identity, replaced later by a real number.


def test_a_reserve_number_is_accepted_marked_temporary_and_never_shown_in_clear(as_worker, centres):
    number = reserve_numbers()[1]
    assert register(as_worker, centres[0], pnr=number, birth_date="1990-05-01").status_code == 302
    person = Person.objects.get()
    assert person.identity_kind == "reservnummer" and person.identity_is_temporary
    page = person_page(as_worker, person)
    assert "reserve number (temporary)" in page and "(temporary)" in page
    assert number not in page and number[8:] not in page
    assert number not in audit_text() and number not in raw_row("core_person")


def test_a_reserve_number_finds_the_person_like_a_personnummer(as_worker, centres):
    number = reserve_numbers()[0]
    register(as_worker, centres[0], pnr=number)
    found = as_worker.post("/staff/people/", {"by": "personnummer", "pnr": number})
    assert found.status_code == 302 and found.url == f"/staff/people/{Person.objects.get().pk}/"


def test_a_reserve_number_with_a_wrong_check_digit_is_refused(as_worker, centres):
    number = reserve_numbers()[0]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    page = register(as_worker, centres[0], pnr=wrong)
    assert page.status_code == 400 and "The check digit is wrong" in page.content.decode()
    assert wrong not in page.content.decode() and not Person.objects.exists()
    # The check digit is what was wrong: with it right, the same number is accepted.
    assert register(as_worker, centres[0], pnr=number).status_code == 302


def test_without_any_number_the_municipality_gives_a_temporary_identity(as_worker, centres):
    assert register(as_worker, centres[0], local_identity="on").status_code == 302
    person = Person.objects.get()
    assert person.identity_kind == "local" and person.personnummer.startswith("T-")
    assert person.personnummer in person_page(as_worker, person)


def test_a_number_and_a_temporary_identity_together_are_refused(as_worker, centres):
    page = register(as_worker, centres[0], pnr=sample_pnr(31), local_identity="on")
    assert page.status_code == 400 and "not both" in page.content.decode()
    assert not Person.objects.exists()


def test_a_real_number_replaces_the_reserve_number_with_the_history_audited(as_worker, centres):
    reserve, real = reserve_numbers()[2], sample_pnr(32)
    register(as_worker, centres[0], pnr=reserve)
    person = Person.objects.get()
    assert as_worker.get(f"/staff/people/{person.pk}/identity/").status_code == 200
    done = as_worker.post(f"/staff/people/{person.pk}/identity/", {"pnr": real}, **EN)
    assert done.status_code == 302 and real not in done.url
    person.refresh_from_db()
    assert person.identity_kind == "personnummer" and person.personnummer == real
    assert person.birth_date == dt.date(int(real[:4]), int(real[4:6]), int(real[6:8]))
    former = FormerIdentity.objects.get(person=person)
    assert former.kind == "reservnummer" and former.number_shown == f"{reserve[:8]}-****"
    event = AuditEvent.objects.get(action="person.replace_identity")
    assert event.person_id == person.pk and event.changes["identity_kind"] == [
        "reservnummer",
        "personnummer",
    ]
    assert reserve not in audit_text() and real not in audit_text()
    page = person_page(as_worker, person)
    assert "Earlier identities" in page and f"{reserve[:8]}-****" in page and reserve not in page


def test_a_personnummer_is_not_replaced_and_a_taken_number_changes_nothing(
    as_worker, as_other_worker, centres
):
    register(as_worker, centres[0], pnr=sample_pnr(33))
    real = Person.objects.get()
    refused = as_worker.post(f"/staff/people/{real.pk}/identity/", {"pnr": sample_pnr(34)}, **EN)
    assert refused.status_code == 400 and "already has a personal identity number" in (
        refused.content.decode()
    )
    # Omar's temporary person cannot take Anna's number, and is not told where it is.
    register(as_other_worker, centres[1], pnr=reserve_numbers()[0], last_name="Berg")
    theirs = Person.objects.get(last_name="Berg")
    taken = as_other_worker.post(
        f"/staff/people/{theirs.pk}/identity/", {"pnr": sample_pnr(33)}, **EN
    )
    page = taken.content.decode()
    assert taken.status_code == 409 and "No person with that number at your centres" in page
    theirs.refresh_from_db()
    assert theirs.identity_kind == "reservnummer" and not FormerIdentity.objects.exists()
    assert real.personnummer == sample_pnr(33)


# Protected identity hides address and contact details on every page; every access flagged.


def test_protected_identity_hides_address_and_contact_details_on_every_page(as_worker, centres):
    secret = {"address": "Hemliga vägen 7", "phone": "070-999 88 77", "email": "dold@example.org"}
    register(as_worker, centres[0], protected_identity="on", birth_date="1985-02-03", **secret)
    person = Person.objects.get()
    household = Household.objects.create(center=centres[0], name="Familjen Andersson")
    HouseholdMember.objects.create(household=household, person=person, relationship="parent")
    alias = Alias.objects.create(center=centres[0], name="Sol", person=person)
    pages = {
        "gate": person_page(as_worker, person),
        "person": person_page(as_worker, person, **REASON),
        "household": as_worker.get(f"/staff/households/{household.pk}/").content.decode(),
        "alias": as_worker.get(f"/staff/aliases/{alias.pk}/").content.decode(),
        "aliases": as_worker.get("/staff/aliases/").content.decode(),
        "search": as_worker.post("/staff/people/", {"by": "name", "name": "Lina"}).content.decode(),
    }
    for name, page in pages.items():
        for value in secret.values():
            assert value not in page, f"{value} shown on the {name} page"
    assert "Lina" not in pages["household"] and "Lina" not in pages["alias"]
    assert "Hidden: protected identity" in pages["person"]
    shown = person_page(as_worker, person, **REASON, reveal="contact_details")
    assert all(value in shown for value in secret.values())
    views = AuditEvent.objects.filter(person_id=person.pk, action="person.view").order_by("id")
    assert [sorted(e.flags) for e in views] == [
        ["protected_identity"],
        ["contact_details_shown", "protected_identity"],
    ]
    household_read = AuditEvent.objects.get(action="household.view")
    assert household_read.person_id == person.pk and "protected_identity" in household_read.flags


# The duplicate check: same number, or same name and date of birth at one's own centres.


def test_same_name_and_birth_date_offers_the_existing_record_or_a_reason(as_worker, centres):
    register(as_worker, centres[0], birth_date="2001-04-05")
    existing = Person.objects.get()
    again = register(as_worker, centres[0], birth_date="2001-04-05")
    page = again.content.decode()
    assert again.status_code == 409 and "same name and date of birth" in page
    assert f"/staff/people/{existing.pk}/" in page and "Why is this a different person?" in page
    assert Person.objects.count() == 1
    short = register(
        as_worker, centres[0], birth_date="2001-04-05", different_person_reason="other"
    )
    assert short.status_code == 400 and "at least 10 characters" in short.content.decode()
    assert Person.objects.count() == 1
    why = "Another Lina, the cousin; the mother confirmed at the visit"
    made = register(as_worker, centres[0], birth_date="2001-04-05", different_person_reason=why)
    assert made.status_code == 302 and Person.objects.count() == 2
    event = AuditEvent.objects.filter(action="person.create").latest("id")
    assert event.flags == ["different_person_stated"] and event.reason == why
    assert event.changes["different_from"] == [existing.pk]


def test_the_name_check_never_discloses_another_centres_person(as_worker, as_other_worker, centres):
    register(as_worker, centres[0], birth_date="2001-04-05")
    theirs = register(as_other_worker, centres[1], birth_date="2001-04-05")
    assert theirs.status_code == 302 and Person.objects.count() == 2


def test_the_same_number_still_answers_as_before(as_worker, centres):
    register(as_worker, centres[0], pnr=sample_pnr(35))
    page = register(as_worker, centres[0], pnr=sample_pnr(35), last_name="Berg").content.decode()
    assert "already registered at your centres" in page and Person.objects.count() == 1


# Households: own centres, full documentation only; members, audited reads, legal hold.


def make_person(client, centre, first_name, **extra):
    register(client, centre, first_name=first_name, **extra)
    return Person.objects.get(first_name=first_name)


def test_household_created_members_added_and_removed_and_every_read_audited(as_worker, centres):
    created = as_worker.post(
        "/staff/households/new/", {"center": centres[0].pk, "name": "Familjen Ali"}
    )
    household = Household.objects.get()
    assert created.url == f"/staff/households/{household.pk}/"
    mother = make_person(as_worker, centres[0], "Hawa")
    child = make_person(as_worker, centres[0], "Amal", birth_date="2018-06-01")
    for person, relationship in [(mother, "parent"), (child, "child")]:
        added = as_worker.post(
            f"/staff/people/{person.pk}/household/",
            {"household": household.pk, "relationship": relationship},
        )
        assert added.url == f"/staff/households/{household.pk}/"
    page = as_worker.get(f"/staff/households/{household.pk}/", **EN).content.decode()
    assert "Hawa Andersson" in page and "Amal Andersson" in page and "child" in page
    reads = AuditEvent.objects.filter(action="household.view")
    assert sorted(reads.values_list("person_id", flat=True)) == sorted([mother.pk, child.pk])
    assert "Familjen Ali" not in audit_text()
    member = HouseholdMember.objects.get(person=child)
    as_worker.post(f"/staff/households/members/{member.pk}/remove/")
    assert list(household.members.values_list("person_id", flat=True)) == [mother.pk]
    assert AuditEvent.objects.get(action="household.remove_member").person_id == child.pk
    assert "Familjen Ali" in person_page(as_worker, mother)


def test_household_bad_input_changes_nothing(as_worker, as_other_worker, centres):
    elsewhere = as_worker.post(
        "/staff/households/new/", {"center": centres[1].pk, "name": "Familjen X"}
    )
    assert elsewhere.status_code == 400 and not Household.objects.exists()
    household = Household.objects.create(center=centres[0], name="Familjen Ali")
    person = make_person(as_worker, centres[0], "Hawa")
    wrong = as_worker.post(
        f"/staff/people/{person.pk}/household/",
        {"household": household.pk, "relationship": "cousin"},
        follow=True,
        **EN,
    )
    assert "Choose a household" in wrong.content.decode() and not household.members.exists()
    theirs = make_person(as_other_worker, centres[1], "Sami")
    crafted = as_other_worker.post(
        f"/staff/people/{theirs.pk}/household/",
        {"household": household.pk, "relationship": "child"},
        follow=True,
        **EN,
    )
    assert "Choose a household" in crafted.content.decode() and not household.members.exists()


def test_no_household_where_no_service_documents_fully(as_worker, centres):
    for service in Service.objects.filter(documentation_level="full"):
        service.centers.remove(centres[0])
    page = as_worker.post(
        "/staff/households/new/", {"center": centres[0].pk, "name": "Familjen Ali"}, **EN
    )
    assert page.status_code == 400 and "no service with full documentation" in (
        page.content.decode()
    )
    assert not Household.objects.exists()


def test_legal_hold_on_and_off_is_audited(as_worker, centres):
    household = Household.objects.create(center=centres[0], name="Familjen Ali")
    person = make_person(as_worker, centres[0], "Hawa")
    as_worker.post(f"/staff/households/{household.pk}/legal-hold/", {"on": "1"})
    as_worker.post(f"/staff/people/{person.pk}/legal-hold/", {"on": "1"})
    household.refresh_from_db()
    person.refresh_from_db()
    assert household.legal_hold and person.legal_hold
    assert "Legal hold: this record is kept" in person_page(as_worker, person)
    as_worker.post(f"/staff/households/{household.pk}/legal-hold/", {"on": "0"})
    household.refresh_from_db()
    assert not household.legal_hold
    holds = AuditEvent.objects.filter(action__endswith=".legal_hold").order_by("id")
    assert [(e.action, e.changes["legal_hold"]) for e in holds] == [
        ("household.legal_hold", [False, True]),
        ("person.legal_hold", [False, True]),
        ("household.legal_hold", [True, False]),
    ]


@pytest.mark.parametrize("persona", ["as_other_worker", "as_admin", "as_analyst"])
def test_others_are_refused_every_household_alias_and_identity_page(
    request, as_worker, centres, persona
):
    client = request.getfixturevalue(persona)
    household = Household.objects.create(center=centres[0], name="Familjen Ali")
    person = make_person(as_worker, centres[0], "Hawa", pnr=reserve_numbers()[0])
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship="parent"
    )
    alias = Alias.objects.create(center=centres[0], name="Sol", person=person)
    gets = [
        f"/staff/households/{household.pk}/",
        f"/staff/aliases/{alias.pk}/",
        f"/staff/aliases/{alias.pk}/unlink/",
        f"/staff/people/{person.pk}/identity/",
        f"/staff/people/{person.pk}/contact-details/",
    ]
    posts = [
        (f"/staff/households/{household.pk}/legal-hold/", {"on": "1"}),
        (f"/staff/households/members/{member.pk}/remove/", {}),
        (f"/staff/people/{person.pk}/legal-hold/", {"on": "1"}),
        (f"/staff/people/{person.pk}/identity/", {"pnr": sample_pnr(36)}),
        (f"/staff/people/{person.pk}/contact-details/", {"phone": "0701234567"}),
        (f"/staff/aliases/{alias.pk}/unlink/", {"reason": "Not the same person at all"}),
    ]
    assert [client.get(url).status_code for url in gets] == [403] * len(gets)
    assert [client.post(url, data).status_code for url, data in posts] == [403] * len(posts)
    assert household.members.count() == 1 and not Household.objects.get().legal_hold
    assert Alias.objects.get().person_id == person.pk
    assert Person.objects.get().identity_kind == "reservnummer" and not Person.objects.get().phone
    listed = client.get("/staff/households/").content.decode()
    assert "Familjen Ali" not in listed


# Aliases: anonymous → identified later, with consent; and back, with a reason.


def alias_with_contacts(centre, name="Stjärnan", count=3):
    alias = Alias.objects.create(center=centre, name=name)
    service = Service.objects.get(slug="samtal")
    today = timezone.localdate()
    for n in range(count):
        Contact.objects.create(
            center=centre,
            service=service,
            channel="drop_in",
            occurred_on=today - dt.timedelta(days=7 * (count - n)),
            alias=alias,
        )
    return alias


def link(client, person, alias, **extra):
    data = {
        "alias": alias.pk,
        "consent_given": "on",
        "given_how": "verbal",
        "given_by": "person",
        "valid_until": str(timezone.localdate() + dt.timedelta(days=365)),
        **extra,
    }
    return client.post(f"/staff/people/{person.pk}/link-alias/", data, **EN)


def test_aliases_of_the_centre_are_listed_and_searched(as_worker, as_other_worker, centres):
    alias_with_contacts(centres[0], "Stjärnan", 1)
    alias_with_contacts(centres[0], "Månen", 1)
    alias_with_contacts(centres[1], "Stjärnfall", 1)
    found = as_worker.get("/staff/aliases/", {"q": "stjärn"}).content.decode()
    assert "Stjärnan" in found and "Månen" not in found and "Stjärnfall" not in found
    assert "Stjärnfall" in as_other_worker.get("/staff/aliases/").content.decode()


def test_linking_an_alias_with_consent_shows_its_contacts_on_the_person(as_worker, centres):
    alias = alias_with_contacts(centres[0])
    person = make_person(as_worker, centres[0], "Hawa")
    done = link(as_worker, person, alias)
    assert done.url == f"/staff/people/{person.pk}/"
    alias.refresh_from_db()
    consent = Consent.objects.get()
    assert alias.person_id == person.pk and alias.link_consent_id == consent.pk
    assert "identity" in consent.scope and consent.recipient_unit == centres[0].name
    assert consent.purpose == "linking earlier contacts" and consent.person_id == person.pk
    assert set(Contact.objects.values_list("person_id", flat=True)) == {person.pk}
    page = person_page(as_worker, person)
    assert page.count("alias Stjärnan") == 3
    event = AuditEvent.objects.get(action="alias.link")
    assert event.person_id == person.pk and len(event.changes["contacts_linked"][1]) == 3
    assert AuditEvent.objects.filter(action="consent.record", person_id=person.pk).exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"consent_given": ""}, "The resident must agree"),
        ({"valid_until": "2001-01-01"}, "valid today or later"),
        ({"given_how": "telepathy"}, "Select a valid choice"),
    ],
)
def test_linking_without_a_valid_consent_changes_nothing(as_worker, centres, bad, message):
    alias = alias_with_contacts(centres[0])
    person = make_person(as_worker, centres[0], "Hawa")
    refused = link(as_worker, person, alias, **bad)
    assert refused.status_code == 400 and message in refused.content.decode()
    alias.refresh_from_db()
    assert alias.person_id is None and not Consent.objects.exists()
    assert not Contact.objects.filter(person__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="alias.link").exists()


def test_another_centres_alias_cannot_be_linked(as_worker, as_other_worker, centres):
    alias = alias_with_contacts(centres[1])
    person = make_person(as_worker, centres[0], "Hawa")
    assert link(as_worker, person, alias).status_code == 400
    assert Alias.objects.get().person_id is None and not Consent.objects.exists()


def test_unlinking_needs_a_reason_and_restores_the_contacts_to_the_alias(as_worker, centres):
    alias = alias_with_contacts(centres[0])
    person = make_person(as_worker, centres[0], "Hawa")
    link(as_worker, person, alias)
    url = f"/staff/aliases/{alias.pk}/unlink/"
    short = as_worker.post(url, {"reason": "wrong"}, **EN)
    assert short.status_code == 400 and Contact.objects.filter(person=person).count() == 3
    why = "The resident withdrew: it was her sister under this alias"
    assert as_worker.post(url, {"reason": why}).url == f"/staff/aliases/{alias.pk}/"
    alias.refresh_from_db()
    assert alias.person_id is None and not Contact.objects.filter(person__isnull=False).exists()
    assert Contact.objects.filter(alias=alias).count() == 3
    event = AuditEvent.objects.get(action="alias.unlink")
    assert event.reason == why and event.person_id == person.pk
    assert "alias Stjärnan" not in person_page(as_worker, person)


def test_a_linked_alias_read_is_audited_with_the_person(as_worker, centres):
    alias = alias_with_contacts(centres[0])
    person = make_person(as_worker, centres[0], "Hawa")
    as_worker.get(f"/staff/aliases/{alias.pk}/")
    assert not AuditEvent.objects.filter(action="alias.view").exists()
    link(as_worker, person, alias)
    as_worker.get(f"/staff/aliases/{alias.pk}/")
    assert AuditEvent.objects.get(action="alias.view").person_id == person.pk


def test_staff_pages_in_swedish(as_worker, centres):
    alias = alias_with_contacts(centres[0])
    person = make_person(as_worker, centres[0], "Hawa")
    page = as_worker.get(f"/staff/people/{person.pk}/", HTTP_ACCEPT_LANGUAGE="sv").content
    assert "Länka tidigare kontakter under ett alias" in page.decode()
    alias_page = as_worker.get(f"/staff/aliases/{alias.pk}/", HTTP_ACCEPT_LANGUAGE="sv")
    assert "Inte kopplat till en person" in alias_page.content.decode()
    household = Household.objects.create(center=centres[0], name="Familjen A")
    HouseholdMember.objects.create(household=household, person=person, relationship="partner")
    members = as_worker.get(f"/staff/households/{household.pk}/", HTTP_ACCEPT_LANGUAGE="sv")
    # A partner in a household, not a partner organisation ("samverkanspart").
    assert "– partner" in members.content.decode()
    assert "samverkanspart" not in members.content.decode()


def test_contact_details_are_changed_audited_and_never_shown_for_a_protected_identity(
    as_worker, centres
):
    register(as_worker, centres[0], address="Gamla vägen 1", phone="0701111111")
    open_person = Person.objects.get()
    url = f"/staff/people/{open_person.pk}/contact-details/"
    assert "Gamla vägen 1" in as_worker.get(url).content.decode()
    bad = as_worker.post(url, {"phone": "call me", "email": "x@example.org"}, **EN)
    assert bad.status_code == 400 and Person.objects.get().email == ""
    as_worker.post(
        url, {"address": "Nya vägen 2", "phone": "0702222222", "preferred_language": "so"}
    )
    open_person.refresh_from_db()
    assert (open_person.address, open_person.phone, open_person.preferred_language) == (
        "Nya vägen 2",
        "0702222222",
        "so",
    )
    event = AuditEvent.objects.get(action="person.update_contact_details")
    assert "Nya" not in str(event.changes) and "0702222222" not in str(event.changes)

    register(as_worker, centres[0], first_name="Dold", address="Hemlig 3", protected_identity="on")
    hidden = Person.objects.get(first_name="Dold")
    url = f"/staff/people/{hidden.pk}/contact-details/"
    assert "Hemlig 3" not in as_worker.get(url).content.decode()
    as_worker.post(url, {"phone": "0703333333"})
    hidden.refresh_from_db()
    assert hidden.address == "Hemlig 3" and hidden.phone == "0703333333"


def test_every_access_to_a_protected_identity_is_flagged(as_worker, centres):
    register(as_worker, centres[0], protected_identity="on", pnr=reserve_numbers()[0])
    person = Person.objects.get()
    household = Household.objects.create(center=centres[0], name="Familjen A")
    alias = alias_with_contacts(centres[0])
    base = f"/staff/people/{person.pk}"
    as_worker.post(f"{base}/household/", {"household": household.pk, "relationship": "parent"})
    as_worker.post(f"{base}/legal-hold/", {"on": "1"})
    as_worker.post(f"{base}/contact-details/", {"phone": "0701234567"})
    as_worker.post(f"{base}/identity/", {"pnr": sample_pnr(37)})
    link(as_worker, person, alias)
    as_worker.get(f"/staff/households/{household.pk}/")
    as_worker.get(f"/staff/aliases/{alias.pk}/")
    as_worker.post(f"/staff/aliases/{alias.pk}/unlink/", {"reason": "Registered by mistake today"})
    member = HouseholdMember.objects.get()
    as_worker.post(f"/staff/households/members/{member.pk}/remove/")
    events = AuditEvent.objects.filter(person_id=person.pk).exclude(action="consent.record")
    actions = {e.action for e in events}
    assert actions >= {
        "person.create",
        "household.add_member",
        "person.legal_hold",
        "person.update_contact_details",
        "person.replace_identity",
        "alias.link",
        "household.view",
        "alias.view",
        "alias.unlink",
        "household.remove_member",
    }
    assert [e.action for e in events if "protected_identity" not in e.flags] == []


def test_the_log_review_names_the_new_flags_in_words(as_worker, as_manager, centres):
    register(as_worker, centres[0], birth_date="2001-04-05")
    why = "Another Lina, the cousin; the mother confirmed at the visit"
    register(as_worker, centres[0], birth_date="2001-04-05", different_person_reason=why)
    register(as_worker, centres[0], first_name="Dold", protected_identity="on")
    hidden = Person.objects.get(first_name="Dold")
    person_page(as_worker, hidden, **REASON, reveal="contact_details")
    review = as_manager.get("/staff/audit/", **EN).content.decode()
    assert "registered although the same name and date of birth exist" in review
    assert "address and contact details of a protected identity" in review


def test_a_reserve_number_replaces_only_a_local_identity(as_worker, centres):
    register(as_worker, centres[0], local_identity="on")
    local = Person.objects.get()
    code = local.personnummer
    url = f"/staff/people/{local.pk}/identity/"
    assert as_worker.post(url, {"pnr": reserve_numbers()[0]}).status_code == 302
    local.refresh_from_db()
    assert local.identity_kind == "reservnummer" and local.identity_is_temporary
    again = as_worker.post(url, {"pnr": reserve_numbers()[1]}, **EN)
    assert again.status_code == 400 and "A reserve number cannot replace" in (
        again.content.decode()
    )
    local.refresh_from_db()
    assert local.personnummer == reserve_numbers()[0]
    assert FormerIdentity.objects.get().kind == "local" and code in person_page(as_worker, local)


GARBAGE = ["", "abc", "-1", "99999999", "\x00", "x" * 2000, "2026-02-30", "<script>"]


@pytest.mark.parametrize("value", GARBAGE)
def test_no_input_gives_a_server_error(as_worker, centres, value):
    person = make_person(as_worker, centres[0], "Hawa", birth_date="1990-01-01")
    household = Household.objects.create(center=centres[0], name="Familjen A")
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship="other"
    )
    alias = alias_with_contacts(centres[0], count=1)
    fields = [
        "pnr",
        "household",
        "relationship",
        "alias",
        "consent_given",
        "given_how",
        "given_by",
        "valid_until",
        "reason",
        "on",
        "name",
        "center",
        "phone",
        "email",
        "preferred_language",
        "address",
        "birth_date",
        "first_name",
        "last_name",
        "different_person_reason",
        "q",
    ]
    data = dict.fromkeys(fields, value)
    urls = [
        "/staff/people/new/",
        f"/staff/people/{person.pk}/identity/",
        f"/staff/people/{person.pk}/contact-details/",
        f"/staff/people/{person.pk}/legal-hold/",
        f"/staff/people/{person.pk}/household/",
        f"/staff/people/{person.pk}/link-alias/",
        "/staff/households/new/",
        f"/staff/households/{household.pk}/legal-hold/",
        f"/staff/aliases/{alias.pk}/unlink/",
        f"/staff/households/members/{member.pk}/remove/",
    ]
    for url in urls:
        assert as_worker.post(url, data).status_code < 500, url
    assert as_worker.get("/staff/aliases/", {"q": value}).status_code == 200
