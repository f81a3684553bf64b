"""A centre manager opens her centre's insights dashboard on a 360-px phone: it fits the screen,
passes the accessibility check, shows its charts with their tables, and the key figures
download as a CSV file whose figures match the page."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import STAFF_LANG, accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def _maria_centre():
    from nara.core.models import Membership

    centre = Membership.objects.get(user__username="maria", role="centre_manager").center
    return centre.pk, centre.name


def test_a_manager_reads_her_centre_dashboard_on_a_phone_and_downloads_the_csv(
    new_context, browser, nara_site
):
    pk, name = db_call(_maria_centre)
    state = signed_in_state(browser, nara_site, "maria")
    context = axe_context(
        new_context, locale="sv-SE", viewport=PHONE, storage_state=state, accept_downloads=True
    )
    page = context.new_page()
    page.goto("/staff/")
    page.get_by_role("link", name=sv("Insights"), exact=True).click()
    page.get_by_role("link", name=name, exact=True).first.click()
    heading = sv("Insights: %(name)s", name=name)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"dashboard: {width} px wide"
    assert page.locator("svg.chart[role=img]").count() >= 2
    assert page.locator("table[data-table=funnel]").count() == 1
    assert accessibility_problems(page, "insights dashboard") == []
    contacts = page.locator("table[data-table=summary] tr", has_text=sv("Contacts")).first
    shown = contacts.locator("td").first.inner_text().replace("\xa0", "").replace(" ", "")

    section = page.locator("section#summary")
    with page.expect_download() as download:
        section.get_by_role("link", name="CSV").click()
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == [sv("Figure"), sv("Value")]
    figures = {row[0]: row[1] for row in rows[1:]}
    assert figures[sv("Contacts")] == shown
    context.close()
