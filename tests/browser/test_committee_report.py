"""A centre manager opens the committee report from her centre's dashboard and prints it: in
print the navigation and the period form are hidden and the report fills one A4 page; the PDF
link gives one A4 page too. On a phone the page fits the screen."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.insights.test_committee_report import page_count

from .support import db_call, tr
from .test_staff_flows import STAFF_LANG, accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1200, "height": 900}


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def _maria_centre():
    from nara.core.models import Membership

    centre = Membership.objects.get(user__username="maria", role="centre_manager").center
    return centre.pk, centre.name


def test_the_manager_opens_the_committee_report_and_it_prints_on_one_page(
    new_context, browser, nara_site
):
    pk, name = db_call(_maria_centre)
    state = signed_in_state(browser, nara_site, "maria")
    context = axe_context(
        new_context, locale="en-GB", viewport=DESK, storage_state=state, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"/staff/insights/centres/{pk}/")  # an English browser: the dashboard is English
    page.get_by_role("link", name=tr("en", "Committee report"), exact=True).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"{sv('Committee report')}: {name}")  # Swedish, always
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("svg.chart[role=img]").count() >= 2
    assert accessibility_problems(page, "committee report") == []

    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.get_by_role("navigation", name=sv("Main")).is_hidden()
    assert page.locator("form.filters").is_hidden()
    assert heading.is_visible() and page.locator("table[data-table=report-figures]").is_visible()
    printed = page.pdf(format="A4", prefer_css_page_size=True)
    assert page_count(printed) == 1, "the printed report runs over one page"

    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name=sv("Download as PDF (one A4 page)")).click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF") and page_count(content) == 1

    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"committee report: {width} px wide"
    context.close()
