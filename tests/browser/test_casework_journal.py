"""The social worker's journal and escalations in Chromium, as the seeds describe them.

Linköping (Skäggetorp): a generalist opens a person of a family, writes a journal note and
corrects it; the original stays, struck through, with who corrected it and why.
Seed 4: an escalation from a contact starts the 14-day clock: the follow-up task exists.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import (
    STAFF_LANG,
    accessibility_problems,
    axe_context,
    read_staff_facts,
    signed_in_state,
)

pytestmark = pytest.mark.browser

NOTE = "Familjen berättar att Samir har svårt att sova"
CORRECTED = "Familjen berättar att Samira har svårt att sova"
REASON = "Fel namn på barnet"
DUTY = (
    "The duty to report overrides anonymity: a report of concern about a child must name the "
    "child, or say why the child's identity is unknown, even on a service where residents stay "
    "anonymous."
)


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "anna")


@pytest.fixture
def anna(new_context, anna_state):
    return axe_context(new_context, locale="sv-SE", storage_state=anna_state).new_page()


def _family(centre_pk):
    """A household in Skäggetorp: a parent and two children, as the generalist registered them."""
    from nara.core.actions.people import do_create_person
    from nara.core.models import Center, Household, HouseholdMember

    centre = Center.objects.get(pk=centre_pk)
    household = Household.objects.create(center=centre, name="Familjen Haddad")
    members = [("Rana", "parent"), ("Samira", "child"), ("Yousef", "child")]
    people = []
    for first_name, relationship in members:
        person = do_create_person(
            actor="browser-test", center=centre, first_name=first_name, last_name="Haddad"
        )
        HouseholdMember.objects.create(
            household=household, person=person, relationship=relationship
        )
        people.append(person.pk)
    return people


def _notes(person_pk):
    from nara.core.models import JournalNote

    return [
        (n.text, n.corrects_id, n.correction_reason, n.author.username)
        for n in JournalNote.objects.filter(person_id=person_pk).order_by("pk")
    ]


def test_linkoping_generalist_writes_a_journal_note_and_corrects_it(anna):
    centre = db_call(read_staff_facts).centre0
    _parent, child, _sibling = db_call(_family, centre.pk)

    anna.goto(f"/staff/people/{child}/")
    anna.get_by_role("link", name=sv("Journal"), exact=True).click()
    expect(anna.locator("h1")).to_have_text(sv("Journal"))
    anna.get_by_label(sv("New note")).fill(NOTE)
    anna.get_by_role("button", name=sv("Save the note")).click()
    expect(anna.get_by_text(sv("The note is saved and signed."))).to_be_visible()
    expect(anna.locator(".note-text")).to_have_text(NOTE)

    anna.get_by_role("link", name=sv("Correct"), exact=True).click()
    anna.get_by_label(sv("Corrected text")).fill(CORRECTED)
    anna.get_by_label(sv("Why is it corrected?")).fill(REASON)
    anna.get_by_role("button", name=sv("Save the correction")).click()

    expect(
        anna.get_by_text(sv("The correction is saved. The original stays visible."))
    ).to_be_visible()
    expect(anna.locator(".superseded del")).to_have_text(NOTE)
    newest = anna.locator(".note").last
    expect(newest.locator(".note-text")).to_have_text(CORRECTED)
    expect(newest).to_contain_text(REASON)
    expect(newest).to_contain_text(sv("Corrected by %(who)s", who="Anna"))
    assert NOTE not in anna.url and CORRECTED not in anna.url
    assert not accessibility_problems(anna, "journal")
    anna.set_viewport_size({"width": 360, "height": 740})
    assert anna.evaluate("document.documentElement.scrollWidth") <= 360

    assert db_call(_notes, child) == [
        (NOTE, None, "", "anna"),
        (CORRECTED, db_call(_first_note_pk, child), REASON, "anna"),
    ]


def _first_note_pk(person_pk):
    from nara.core.models import JournalNote

    return JournalNote.objects.filter(person_id=person_pk).order_by("pk").first().pk


def _contact(centre_pk):
    from django.utils import timezone

    from nara.core.models import Center, Contact, Service

    centre = Center.objects.get(pk=centre_pk)
    service = Service.objects.filter(centers=centre, documentation_level="no_identity").first()
    return Contact.objects.create(
        center=centre,
        service=service,
        channel="drop_in",
        occurred_on=timezone.localdate(),
    ).pk


def _clock(contact_pk):
    from nara.core.models import Escalation, FollowUpTask

    escalation = Escalation.objects.get(contact_id=contact_pk)
    task = FollowUpTask.objects.get(escalation=escalation)
    return task.due, task.assigned_to.username, task.done_at, escalation.case_reference


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _today_url():
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("workspace:today")
    except NoReverseMatch:
        return None


def test_an_escalation_from_a_contact_starts_the_14_day_clock(anna):
    from nara.core.actions.followups import next_working_day

    centre = db_call(read_staff_facts).centre0
    contact = db_call(_contact, centre.pk)

    anna.goto(f"/staff/contacts/{contact}/escalate/")
    expect(anna.locator(".notice")).to_contain_text(sv(DUTY)[:40])
    anna.get_by_label(sv("report of concern about a child")).check()
    anna.get_by_role("combobox", name=sv("Reason")).select_option("neglect")
    anna.get_by_label(sv("To which unit")).fill("Barn- och ungdomsmottagningen")
    anna.get_by_label(sv("Reference in the case system")).fill("BoU 2026/4711")
    anna.get_by_label(sv("Or: why the child's identity is unknown")).fill(
        "Mamman berättade; barnet var inte med"
    )
    anna.get_by_role("button", name=sv("Record the escalation")).click()

    due = next_working_day(db_call(_today) + dt.timedelta(days=14))
    expect(anna.locator(".messages")).to_contain_text(due.isoformat())
    expect(anna.locator(".task")).to_contain_text(due.isoformat())
    assert db_call(_clock, contact) == (due, "anna", None, "BoU 2026/4711")
    assert not accessibility_problems(anna, "escalation")
    anna.set_viewport_size({"width": 360, "height": 740})
    assert anna.evaluate("document.documentElement.scrollWidth") <= 360

    today = db_call(_today_url)
    if today:  # the today view (its own part of the issue) lists the clock when it is merged
        anna.goto(today)
        clocks = anna.locator(".today-section[id^=clocks-]").filter(
            has_text="Barn- och ungdomsmottagningen"
        )
        expect(clocks.first).to_contain_text(sv("report of concern about a child"))
