"""A Halmstad-style partner meeting in Chromium, on a 360-px phone: a social worker records an
SSPF meeting with the police and the school (held ten days ago, recorded now) with two agreed
actions, one of them hers and already past its due date; the overdue action shows in her today
view (the other, not yet due, does not) and is marked done from there.

Time is not moved: the browser tests' live server runs on the real clock, so the meeting is
dated in the past and one action's due date lies between the meeting and today, which the form
allows (a due date before the meeting is refused).
"""

import datetime as dt
import uuid

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

PHONE = {"width": 360, "height": 740}
RUN = uuid.uuid4().hex[:6]
OVERDUE = f"Kvällsvandring runt skolan {RUN}"
LATER = f"Polisen informerar föräldrar {RUN}"
POLICE = "Polisen, lokalpolisområde Exempelstad"


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def sv_n(one, many, n):
    from django.utils import translation

    with translation.override(STAFF_LANG):
        return translation.ngettext(one, many, n) % {"n": n}


def _partners():
    """The demo's school; the police (the demo has it; made here if a demo lacks it)."""
    from nara.core.models import Municipality, Partner

    municipality = Municipality.objects.get(is_example=True)
    school = Partner.objects.get(municipality=municipality, kind="school")
    police = Partner.objects.filter(municipality=municipality, kind="police").first()
    if police is None:
        police = Partner.objects.create(municipality=municipality, name=POLICE, kind="police")
    return school.name, police.name


def _recorded(centre_pk):
    from nara.core.models import MeetingAction

    return {
        a.what: (a.status, a.owner_user.username if a.owner_user else a.owner_partner.kind)
        for a in MeetingAction.objects.filter(
            center_id=centre_pk, what__endswith=RUN
        ).select_related("owner_user", "owner_partner")
    } | {
        "partners": sorted(
            p.kind
            for a in MeetingAction.objects.filter(center_id=centre_pk, what__endswith=RUN)[:1]
            for p in a.meeting.partners.all()
        )
    }


def _sspf_total(centre_pk):
    from django.db.models import Sum

    from nara.core.models import SSPFCount

    return SSPFCount.objects.filter(
        meeting__center_id=centre_pk, meeting__actions__what=OVERDUE
    ).aggregate(n=Sum("count"))["n"]


@pytest.fixture(scope="module")
def setting(nara_site, browser):
    facts = db_call(read_staff_facts)
    school, police = db_call(_partners)
    state = signed_in_state(browser, nara_site, "anna")
    return facts.centre0, school, police, state


def today():
    from django.utils import timezone

    return timezone.localdate()


def test_a_partner_meeting_with_police_and_school_and_its_overdue_action(new_context, setting):
    centre, school, police, state = setting
    context = axe_context(new_context, locale="sv-SE", viewport=PHONE, storage_state=state)
    page = context.new_page()
    problems = []

    page.goto("/staff/")
    page.get_by_role("navigation").get_by_role("link", name=sv("Meetings")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(sv("Collaboration meetings"))
    problems += accessibility_problems(page, "meetings")
    page.get_by_role("link", name=sv("Record a meeting")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Record a meeting"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    problems += accessibility_problems(page, "new meeting")

    held = today() - dt.timedelta(days=10)
    page.locator("#id_held_on").fill(held.isoformat())
    page.locator("#id_place").fill("Andersbergs skola, konferensrummet")
    page.get_by_label(school).check()
    page.get_by_label(police).check()
    page.get_by_label(sv("Young people and crime")).check()
    page.get_by_label(sv("Short summary (optional)")).fill(
        "Oro för rekrytering av yngre elever kring centrum på kvällarna."
    )
    page.locator("#id_action_0_what").fill(OVERDUE)
    page.locator("#id_action_0_owner").select_option(label="Anna Exempel")
    page.locator("#id_action_0_due").fill((today() - dt.timedelta(days=2)).isoformat())
    page.locator("#id_action_1_what").fill(LATER)
    page.locator("#id_action_1_owner").select_option(label=police)
    page.locator("#id_action_1_due").fill((today() + dt.timedelta(days=7)).isoformat())
    page.get_by_label(sv("SSPF meeting (school, social services, police, leisure)")).check()
    outside = f"{sv('13–15 years')}, {sv('outside the catchment')}"
    page.get_by_label(outside).fill("2")
    page.get_by_role("button", name=sv("Save meeting")).click()

    saved = sv_n(
        "Meeting saved with %(n)d agreed action.", "Meeting saved with %(n)d agreed actions.", 2
    )
    expect(page.locator(".messages")).to_contain_text(saved)
    expect(page.locator("[data-action]", has_text=OVERDUE)).to_contain_text(sv("overdue"))
    expect(page.locator("[data-action]", has_text=LATER)).to_contain_text(police)
    expect(page.get_by_role("table")).to_contain_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    problems += accessibility_problems(page, "meeting")
    recorded = db_call(_recorded, centre.pk)
    assert recorded[OVERDUE] == ("open", "anna") and recorded[LATER] == ("open", "police")
    assert recorded["partners"] == ["police", "school"]
    assert db_call(_sspf_total, centre.pk) == 2

    # The overdue action is on Anna's start page; the one not yet due is not.
    page.goto("/staff/")
    section = page.locator(f"#meetings-{centre.pk}")
    item = section.locator("li", has_text=OVERDUE)
    expect(item).to_contain_text(sv("mine"))
    with_days = sv_n("overdue by %(n)s day", "overdue by %(n)s days", 2)
    expect(item).to_contain_text(with_days)
    expect(section.locator("li", has_text=LATER)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    problems += accessibility_problems(page, "today")

    item.get_by_role("button", name=sv("Mark as done")).click()
    page.wait_for_url("**/staff/")
    expect(page.locator(".messages")).to_contain_text(sv("Marked as done: %(what)s", what=OVERDUE))
    expect(page.locator(f"#meetings-{centre.pk} li", has_text=OVERDUE)).to_have_count(0)
    assert db_call(_recorded, centre.pk)[OVERDUE] == ("done", "anna")
    assert not problems, "\n".join(problems)
