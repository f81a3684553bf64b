"""Identified people: personnummer protected, every view audited, flags for the log review."""

import logging

import pytest
from django.db import connection
from django.utils import translation

from nara.core.actions.content import do_submit_feedback
from nara.core.models import AuditEvent, Person, StaffProfile
from nara.workspace.words import action_label
from tests.conftest import shared_file
from tests.workspace.conftest import signed_in, user


def shown(code):
    """An audit action as the Swedish log review shows it."""
    with translation.override("sv"):
        return str(action_label(code))


pytestmark = pytest.mark.django_db


def sample_pnr(n=0):
    return shared_file("test_personnummer.txt").read_text().split()[n]


def register(client, centre, pnr, last_name="Andersson", follow=False, **extra):
    data = {
        "center": centre.pk,
        "first_name": "Lina",
        "last_name": last_name,
        "pnr": pnr,
        "address": "Storgatan 1",
        **extra,
    }
    return client.post("/staff/people/new/", data, HTTP_ACCEPT_LANGUAGE="en", follow=follow)


def review_log(client, **filters):
    """Filter the log review the way a manager does: posted, then shown under a token."""
    posted = client.post("/staff/audit/", filters)
    assert posted.status_code == 302 and posted.url.startswith("/staff/audit/?f=")
    return client.get(posted.url).content.decode()


def test_register_find_and_view_a_person_without_the_number_leaking(as_worker, centres, caplog):
    caplog.set_level(logging.DEBUG)
    pnr = sample_pnr()
    created = register(as_worker, centres[0], pnr)
    person = Person.objects.get()
    assert created.url == f"/staff/people/{person.pk}/"
    assert pnr not in created.url and pnr not in person.personnummer_encrypted
    assert person.personnummer == pnr
    found = as_worker.post("/staff/people/", {"pnr": f"{pnr[2:8]}-{pnr[8:]}"})
    assert found.url == f"/staff/people/{person.pk}/"
    page = as_worker.get(found.url).content.decode()
    assert "Lina Andersson" in page and pnr not in page and f"{pnr[:8]}-****" in page
    events = AuditEvent.objects.filter(person_id=person.pk)
    actions = ["person.create", "person.search_personnummer", "person.view"]
    assert [e.action for e in events] == actions
    assert pnr not in str(list(events.values())) and pnr not in caplog.text


@pytest.mark.parametrize(
    "typed, message",
    [("19121212-1213", "check digit"), ("1912", "YYYYMMDD"), ("19121312-1212", "check digit")],
)
def test_bad_personnummer_gets_a_clear_message_and_saves_nothing(
    as_worker, centres, typed, message
):
    page = register(as_worker, centres[0], typed)
    assert page.status_code == 400 and message in page.content.decode()
    assert Person.objects.count() == 0


def test_reserve_numbers_are_not_personnummer_but_a_temporary_identity(as_worker, centres):
    reserve = shared_file("test_reservnummer.txt").read_text().split()[0]
    assert register(as_worker, centres[0], reserve).status_code == 302
    assert Person.objects.get().identity_kind == "reservnummer"


def test_another_centre_cannot_find_or_see_the_person(as_worker, as_other_worker, centres):
    pnr = sample_pnr(1)
    register(as_worker, centres[0], pnr)
    person = Person.objects.get()
    assert as_other_worker.get(f"/staff/people/{person.pk}/").status_code == 403
    search = as_other_worker.post("/staff/people/", {"pnr": pnr}, follow=True)
    assert f"/staff/people/{person.pk}/" not in search.content.decode()


def test_emergency_access_needs_a_reason_and_is_flagged(as_worker, as_other_worker, centres):
    register(as_worker, centres[0], sample_pnr(2))
    person = Person.objects.get()
    short = as_other_worker.post(
        f"/staff/centres/{centres[0].pk}/emergency/", {"category": "at_the_door", "reason": "x"}
    )
    assert short.status_code == 400
    as_other_worker.post(
        f"/staff/centres/{centres[0].pk}/emergency/",
        {"category": "at_the_door", "reason": "Mother at the door, her centre is closed"},
    )
    asked = as_other_worker.get(f"/staff/people/{person.pk}/")
    assert asked.status_code == 200 and "Andersson" not in asked.content.decode()
    shown = as_other_worker.post(f"/staff/people/{person.pk}/", {"reason": "Crisis at the door"})
    assert "Andersson" in shown.content.decode()
    view = AuditEvent.objects.filter(action="person.view").last()
    assert view.flags == ["emergency_access"] and view.reason == "Crisis at the door"


def test_protected_identity_requires_a_reason_every_time(as_worker, centres):
    register(as_worker, centres[0], sample_pnr(3), protected_identity="on")
    person = Person.objects.get()
    assert "Andersson" not in as_worker.get(f"/staff/people/{person.pk}/").content.decode()
    as_worker.post(f"/staff/people/{person.pk}/", {"reason": "Planned meeting today"})
    assert AuditEvent.objects.filter(action="person.view").last().flags == ["protected_identity"]


def test_log_review_flags_own_surname_and_address(demo, as_manager, centres):
    anna = user("anna")
    anna.last_name = "Andersson"
    anna.save()
    StaffProfile.objects.filter(user=anna).update(home_address="Storgatan 1")
    client = signed_in(anna)
    register(client, centres[0], sample_pnr(4))
    client.get(f"/staff/people/{Person.objects.get().pk}/")
    view = AuditEvent.objects.filter(action="person.view").last()
    assert view.flags == ["same_address", "same_surname"]
    review = review_log(as_manager, flagged="on")
    assert shown("person.view") in review and "anna" in review


def test_log_review_filters_by_staff_person_and_period(demo, as_manager, as_worker, centres):
    register(as_worker, centres[0], sample_pnr(5))
    person = Person.objects.get()
    as_worker.get(f"/staff/people/{person.pk}/")
    by_person = review_log(as_manager, pnr=sample_pnr(5))
    assert (
        by_person.count(shown("person.view")) == 1 and by_person.count(shown("person.create")) == 1
    )
    by_staff = review_log(as_manager, actor=user("omar").pk)
    assert shown("person.view") not in by_staff
    later = review_log(as_manager, start="2999-01-01")
    assert shown("person.view") not in later
    sample = review_log(as_manager, sample="on")
    assert sample.count(shown("person.view")) == 1


def test_manager_sees_only_their_centres_events(demo, as_manager, as_other_worker, centres):
    register(as_other_worker, centres[1], sample_pnr(6))
    page = as_manager.get("/staff/audit/").content.decode()
    assert shown("person.create") not in page


def test_verify_page_reports_an_intact_chain(as_manager):
    page = as_manager.get("/staff/audit/verify/")
    assert page.status_code == 200 and 'class="status open"' in page.content.decode()


def test_verify_page_reports_newest_entries_removed_behind_a_moved_head(as_manager):
    """Security test item 4: deleting the newest entries and fixing the head used to pass."""
    for n in range(3):
        do_submit_feedback(path=f"/sv/{n}/", language="sv", helpful=True, comment="")
    last = AuditEvent.objects.order_by("-id").first()
    kept = AuditEvent.objects.get(id=last.id - 1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [last.id])
        cursor.execute(
            "UPDATE core_audithead SET last_id = %s, last_hash = %s", [kept.id, kept.hash]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    page = as_manager.get("/staff/audit/verify/")
    assert page.status_code == 500
    assert 'role="alert"' in page.content.decode() and "head was changed" in page.content.decode()
