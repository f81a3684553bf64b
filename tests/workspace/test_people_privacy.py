"""People and log review keep existence, numbers and addresses secret, and audit every look."""

import re

import pytest
from django.db import connection
from django.utils import translation

from nara.core.actions import booking
from nara.core.actions.staff import do_create_staff_user
from nara.core.models import AuditEvent, EmergencyAccess, Person, Role
from nara.lib.personnummer import InvalidPersonnummer, normalise
from nara.workspace.words import action_label
from tests.workspace.conftest import signed_in, user
from tests.workspace.test_people_and_log_review import register, review_log, sample_pnr


def shown(code):
    """An audit action as the Swedish log review shows it."""
    with translation.override("sv"):
        return str(action_label(code))


pytestmark = pytest.mark.django_db

NOT_FOUND = "No person with that number at your centres."
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def search(client, **data):
    return client.post("/staff/people/", data, HTTP_ACCEPT_LANGUAGE="en")


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def emergency(client, centre, reason="Mother at the door with a child, her centre is closed"):
    return client.post(
        f"/staff/centres/{centre.pk}/emergency/", {"category": "at_the_door", "reason": reason}
    )


# Security 2: registering tells no more than searching does.


def test_registering_a_number_of_another_centre_answers_like_the_search(
    as_worker, as_other_worker, centres
):
    pnr = sample_pnr(10)
    register(as_worker, centres[0], pnr, protected_identity="on")
    again = register(as_other_worker, centres[1], pnr, last_name="Berg")
    page = again.content.decode()
    assert NOT_FOUND in page and "already registered" not in page
    assert "/staff/people/emergency/" in page
    assert Person.objects.count() == 1
    refused = AuditEvent.objects.get(action="person.register_refused")
    assert refused.actor_id == user("omar").pk and refused.flags == ["registration_refused"]
    assert pnr not in str(refused.changes)


def test_the_neutral_answer_is_the_same_for_unknown_and_elsewhere_numbers(
    as_worker, as_other_worker, centres
):
    known, unknown = sample_pnr(11), sample_pnr(12)
    register(as_worker, centres[0], known)
    elsewhere = search(as_other_worker, **{"pnr": known})
    nowhere = search(as_other_worker, **{"pnr": unknown})
    assert elsewhere.status_code == nowhere.status_code == 200
    assert without_csrf(elsewhere.content.decode()) == without_csrf(nowhere.content.decode())


def test_registering_a_number_of_ones_own_centre_points_to_the_person(as_worker, centres):
    pnr = sample_pnr(13)
    register(as_worker, centres[0], pnr)
    person = Person.objects.get()
    page = register(as_worker, centres[0], pnr, last_name="Berg").content.decode()
    assert "already registered at your centres" in page
    assert f"/staff/people/{person.pk}/" in page and Person.objects.count() == 1


# Security 11: the number never in a URL or echoed; staff pages never cached.


def test_log_review_filter_by_personnummer_is_posted_and_never_in_the_url(
    demo, as_manager, as_worker, centres
):
    pnr = sample_pnr(14)
    register(as_worker, centres[0], pnr)
    register(as_worker, centres[0], sample_pnr(15), last_name="Berg")
    posted = as_manager.post("/staff/audit/", {"pnr": pnr})
    assert posted.status_code == 302 and pnr not in posted.url and pnr[2:] not in posted.url
    page = as_manager.get(posted.url).content.decode()
    assert page.count(shown("person.create")) == 1 and pnr not in page
    # A number in the query string filters nothing and is not written back.
    typed = as_manager.get("/staff/audit/", {"person": pnr, "pnr": pnr}).content.decode()
    assert typed.count(shown("person.create")) == 2 and pnr not in typed


@pytest.mark.parametrize("typed", ["{pnr}", "{short}", "{dashed}"])
def test_search_and_registration_never_write_the_number_back(as_worker, centres, typed):
    pnr = sample_pnr(16)
    text = typed.format(pnr=pnr, short=pnr[2:], dashed=f"{pnr[:8]}-{pnr[8:]}")
    searched = search(as_worker, **{"pnr": text}).content.decode()
    assert NOT_FOUND in searched and pnr[2:8] not in searched
    refused = register(as_worker, centres[0], text, first_name="").content.decode()
    assert "Nothing was saved" in refused and pnr[2:8] not in refused
    bad = search(as_worker, **{"pnr": text[:-1] + "x"}).content.decode()
    assert pnr[2:8] not in bad


def test_staff_pages_are_never_cached(as_worker, centres, client):
    register(as_worker, centres[0], sample_pnr(17))
    person = Person.objects.get()
    for response in [
        as_worker.get(f"/staff/people/{person.pk}/"),
        as_worker.get("/staff/people/"),
        client.get("/staff/login/"),
    ]:
        assert "no-store" in response["Cache-Control"]


# Security 12: only ASCII digits.


def test_arabic_indic_digits_are_refused_and_create_no_second_person(as_worker, centres):
    pnr = sample_pnr(18)
    register(as_worker, centres[0], pnr)
    page = register(as_worker, centres[0], pnr.translate(ARABIC_INDIC))
    assert page.status_code == 400 and "digits 0–9" in page.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.parametrize("text", ["١٩١٢١٢١٢١٢١٢", "１９１２１２１２１２１２", "19121212١٢١٢"])
def test_only_ascii_digits_make_a_personnummer(text):
    with pytest.raises(InvalidPersonnummer):
        normalise(text)
    assert normalise("19121212–1212") == "191212121212"  # an en dash is still a dash


# Security 14: addresses encrypted at rest, shown only behind the reason gate.


def test_addresses_are_encrypted_at_rest_and_shown_only_after_the_reason(as_worker, centres):
    register(
        as_worker, centres[0], sample_pnr(19), address="Hemliga vägen 7", protected_identity="on"
    )
    person = Person.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_person")
        stored = str(cursor.fetchall())
    assert "Hemliga" not in stored
    asked = as_worker.get(f"/staff/people/{person.pk}/").content.decode()
    assert "Hemliga" not in asked
    reason = {"reason": "Home visit planned today"}
    opened = as_worker.post(f"/staff/people/{person.pk}/", reason).content.decode()
    assert "Hemliga" not in opened  # protected identity: hidden until asked for, flagged
    shown = as_worker.post(f"/staff/people/{person.pk}/", reason | {"reveal": "contact_details"})
    assert "Hemliga vägen 7" in shown.content.decode()


# Security, low: emergency reasons, identical refusals, audited searches and reviews.


@pytest.mark.parametrize(
    "data",
    [
        {"category": "at_the_door", "reason": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"category": "at_the_door", "reason": "emergency!"},
        {"reason": "Mother at the door with a child, her centre is closed"},
        {"category": "because", "reason": "Mother at the door with a child, her centre is closed"},
    ],
)
def test_emergency_access_needs_a_kind_and_a_real_sentence(as_other_worker, centres, data):
    response = as_other_worker.post(f"/staff/centres/{centres[0].pk}/emergency/", data)
    assert response.status_code == 400 and not EmergencyAccess.objects.exists()


def test_emergency_access_keeps_its_kind_for_the_review(as_other_worker, as_manager, centres):
    assert emergency(as_other_worker, centres[0]).status_code == 302
    assert EmergencyAccess.objects.get().category == "at_the_door"
    review = as_manager.get("/staff/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The person is here and needs help now" in review


def test_another_centres_person_and_a_missing_id_get_the_same_answer(
    as_worker, as_other_worker, centres
):
    register(as_worker, centres[0], sample_pnr(20))
    person = Person.objects.get()
    theirs = as_other_worker.get(f"/staff/people/{person.pk}/")
    missing = as_other_worker.get(f"/staff/people/{person.pk + 1000}/")
    assert theirs.status_code == missing.status_code == 403
    # The pages differ only where they name their own address (language links).
    mine = without_csrf(theirs.content.decode()).replace(f"/staff/people/{person.pk}/", "")
    other = without_csrf(missing.content.decode())
    assert mine == other.replace(f"/staff/people/{person.pk + 1000}/", "")


def test_personnummer_searches_are_audited_without_the_number(as_worker, as_other_worker, centres):
    pnr = sample_pnr(21)
    register(as_worker, centres[0], pnr)
    person = Person.objects.get()
    search(as_worker, **{"pnr": pnr})
    search(as_other_worker, **{"pnr": pnr})
    searches = AuditEvent.objects.filter(action="person.search_personnummer").order_by("id")
    assert [(e.actor_id, e.person_id, e.flags) for e in searches] == [
        (user("anna").pk, person.pk, []),
        (user("omar").pk, person.pk, ["outside_own_centres"]),
    ]
    assert pnr not in str(list(searches.values())) and pnr[2:] not in str(list(searches.values()))


def test_reading_an_anonymous_question_is_audited(as_worker, centres):
    asked, _code = booking.do_ask_question(
        center=centres[0], question="Hur gör jag?", language="sv"
    )
    assert "Hur gör jag?" in as_worker.get(f"/staff/questions/{asked.pk}/").content.decode()
    event = AuditEvent.objects.filter(action="question.view").get()
    assert event.actor_id == user("anna").pk and event.object_id == str(asked.pk)


def test_log_review_is_itself_audited(demo, as_manager, as_worker, centres):
    pnr = sample_pnr(22)
    register(as_worker, centres[0], pnr)
    review_log(as_manager, pnr=pnr)
    review = AuditEvent.objects.filter(action="audit.review").last()
    assert review.actor_id == user("maria").pk
    assert review.person_id == Person.objects.get().pk and pnr not in str(review.changes)


# Trial 8: people without a personnummer can be found by name and date of birth.


def test_find_a_person_without_a_number_by_name_or_date_of_birth(
    as_worker, as_other_worker, centres
):
    register(
        as_worker, centres[0], "", first_name="Åsa", last_name="Öberg", birth_date="1990-05-04"
    )
    person = Person.objects.get()
    link = f"/staff/people/{person.pk}/"
    by_name = search(as_worker, **{"by": "name", "name": "asa oberg"})
    assert link in by_name.content.decode()
    by_date = search(as_worker, **{"by": "name", "birth_date": "1990-05-04"})
    assert link in by_date.content.decode()
    wrong = as_worker.post(
        "/staff/people/", {"by": "name", "name": "Öberg", "birth_date": "1991-05-04"}
    )
    assert link not in wrong.content.decode()
    elsewhere = search(as_other_worker, **{"by": "name", "name": "Åsa"})
    assert link not in elsewhere.content.decode() and "Öberg" not in elsewhere.content.decode()
    searches = AuditEvent.objects.filter(action="person.search_name").order_by("id")
    assert [e.changes["people_shown"] for e in searches] == [[person.pk], [person.pk], [], []]


def test_name_search_needs_something_to_search_for(as_worker):
    empty = search(as_worker, **{"by": "name", "name": " a "})
    assert empty.status_code == 400 and "at least two letters" in empty.content.decode()


def test_a_registered_number_gives_the_date_of_birth(as_worker, centres):
    pnr = sample_pnr(23)
    register(as_worker, centres[0], pnr)
    found = as_worker.post(
        "/staff/people/", {"by": "name", "birth_date": f"{pnr[:4]}-{pnr[4:6]}-{pnr[6:8]}"}
    )
    assert f"/staff/people/{Person.objects.get().pk}/" in found.content.decode()


# Trial 9: managers see their own staff's emergency access, and the form can be found.


def test_manager_sees_and_reviews_their_own_staffs_emergency_access(as_other_worker, centres):
    boss = do_create_staff_user(
        actor="test",
        username="bo",
        password="x" * 16,
        roles=[(Role.CENTRE_MANAGER, centres[1], None)],
    )
    as_boss = signed_in(boss)
    emergency(as_other_worker, centres[0])
    grant = EmergencyAccess.objects.get()
    review = as_boss.get("/staff/audit/").content.decode()
    assert shown("emergency_access.grant") in review and "her centre is closed" in review
    assert as_boss.post(f"/staff/audit/emergency/{grant.pk}/review/").status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == boss


def test_a_manager_of_an_unrelated_centre_cannot_review_the_grant(as_other_worker, centres):
    stranger = do_create_staff_user(
        actor="test",
        username="sten",
        password="x" * 16,
        roles=[(Role.CENTRE_MANAGER, centres[2], None)],
    )
    emergency(as_other_worker, centres[0])
    grant = EmergencyAccess.objects.get()
    client = signed_in(stranger)
    assert "her centre is closed" not in client.get("/staff/audit/").content.decode()
    assert client.post(f"/staff/audit/emergency/{grant.pk}/review/").status_code == 403


def test_the_not_found_answer_leads_to_the_emergency_form(as_other_worker, centres):
    page = search(as_other_worker, **{"pnr": sample_pnr(24)}).content.decode()
    assert 'href="/staff/people/emergency/"' in page
    form = as_other_worker.get("/staff/people/emergency/").content.decode()
    assert centres[0].name in form and centres[1].name not in form
    granted = as_other_worker.post(
        "/staff/people/emergency/",
        {
            "centre": centres[0].pk,
            "category": "centre_unreachable",
            "reason": "Father called in crisis, his own centre does not answer",
        },
    )
    assert granted.status_code == 302
    assert EmergencyAccess.objects.get().center == centres[0]


# No flow writes the test personnummer into a URL or back into a page.


def test_no_flow_shows_the_number_in_a_url_or_a_page(
    demo, as_worker, as_other_worker, as_manager, centres
):
    numbers = shared_numbers()[30:34]
    seen = []

    def check(response):
        seen.append(response)
        for hop, _status in getattr(response, "redirect_chain", []):
            assert_clean(hop)
        assert_clean(response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", ""))
        if not response.streaming:
            assert_clean(response.content.decode())

    def assert_clean(text):
        for pnr in numbers:
            for form in (pnr, pnr[2:], f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}-{pnr[8:]}"):
                assert form not in text

    first, second, unknown, bad = numbers
    check(register(as_worker, centres[0], first, follow=True))
    check(register(as_worker, centres[0], first, follow=True))
    check(register(as_other_worker, centres[1], first, follow=True))
    check(register(as_worker, centres[0], second, protected_identity="on", follow=True))
    check(as_worker.post("/staff/people/", {"pnr": first}, follow=True))
    check(as_other_worker.post("/staff/people/", {"pnr": first}, follow=True))
    check(as_other_worker.post("/staff/people/", {"pnr": unknown}, follow=True))
    check(as_worker.post("/staff/people/", {"pnr": bad[:-1] + "0"}, follow=True))
    check(as_worker.post("/staff/people/", {"pnr": bad.translate(ARABIC_INDIC)}, follow=True))
    check(as_manager.post("/staff/audit/", {"pnr": first}, follow=True))
    check(as_manager.post("/staff/audit/", {"pnr": unknown}, follow=True))
    check(as_manager.post("/staff/audit/", {"pnr": first, "start": "x"}, follow=True))
    assert len(seen) == 12 and Person.objects.count() == 2


def shared_numbers():
    from tests.conftest import shared_file

    return shared_file("test_personnummer.txt").read_text().split()
