"""The partner directory in Chromium on a 360-px phone: from the contact form a worker opens the
directory in a new tab, narrows it by language, and sees who takes referrals; a manager records
what a partner said about its capacity. Both pages pass axe."""

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


def _facts():
    from nara.core.models import PartnerService, Service

    return {
        "centre": read_staff_facts().centre0.pk,
        "talk": Service.objects.get(slug="samtal").pk,
        "bvc": PartnerService.objects.get(name="Öppen mottagning och föräldrastöd").pk,
    }


def _capacity(pk):
    from nara.core.models import PartnerService

    service = PartnerService.objects.get(pk=pk)
    return service.capacity, service.capacity_confirmed_on


def test_a_worker_finds_a_partner_service_from_the_contact_form(browser, nara_site, new_context):
    facts = db_call(_facts)
    state = signed_in_state(browser, nara_site, "anna")
    context = axe_context(new_context, locale="sv-SE", storage_state=state, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/staff/centres/{facts['centre']}/contacts/new/?service={facts['talk']}")
    with context.expect_page() as opened:
        page.get_by_role("link", name=tr(STAFF_LANG, "Find a partner service")).click()
    directory = opened.value
    directory.wait_for_load_state()
    expect(directory.get_by_role("heading", level=1)).to_have_text(
        tr(STAFF_LANG, "Partners and their services")
    )
    directory.get_by_label(tr(STAFF_LANG, "Being a parent")).check()
    directory.get_by_label(tr(STAFF_LANG, "Language")).select_option("ti")
    directory.get_by_label(tr(STAFF_LANG, "Age of the person")).fill("2")
    directory.get_by_role("button", name=tr(STAFF_LANG, "Search")).click()
    cards = directory.locator("article.service-card")
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading")).to_have_text("Öppen mottagning och föräldrastöd")
    expect(cards.first).to_contain_text("BVC Ekbacken")
    problems = accessibility_problems(directory, "partner directory")
    assert directory.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not problems, "\n\n".join(problems)


def test_a_manager_confirms_a_capacity_on_a_phone(browser, nara_site, new_context):
    facts = db_call(_facts)
    state = signed_in_state(browser, nara_site, "maria")
    context = axe_context(new_context, locale="sv-SE", storage_state=state, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/staff/partner-services/{facts['bvc']}/")
    problems = accessibility_problems(page, "partner service form")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name=tr(STAFF_LANG, "Confirm whether it takes referrals")).click()
    page.get_by_label(tr(STAFF_LANG, "waiting list")).check()
    page.get_by_role("button", name=tr(STAFF_LANG, "Save")).click()
    expect(page.locator(".message.success")).to_have_text(tr(STAFF_LANG, "Saved."))
    capacity, confirmed = db_call(_capacity, facts["bvc"])
    assert capacity == "waiting_list" and confirmed is not None
    card = page.locator(f"#service-{facts['bvc']}")
    expect(card).to_contain_text(tr(STAFF_LANG, "waiting list"), ignore_case=True)
    problems += accessibility_problems(page, "partner page")
    assert not problems, "\n\n".join(problems)
