"""Without JavaScript (old phones, strict settings) a resident still finds the centre."""

from urllib.parse import urlsplit

import pytest

from .support import route_quick_exit, tr

pytestmark = pytest.mark.browser


@pytest.fixture
def page(new_context):
    return new_context(java_script_enabled=False, locale="sv-SE").new_page()


def test_javascript_is_really_off(page):
    page.goto("/sv/")
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still works…
    # …but the page's script never ran: it would have un-hidden the location form.
    assert page.locator("form.locate").get_attribute("hidden") is not None


def test_location_button_is_hidden(page):
    page.goto("/sv/")
    assert page.locator("form.locate").is_hidden()
    assert page.get_by_role("button", name=tr("sv", "Use my location")).count() == 0


@pytest.mark.parametrize("how", ["name", "postcode"])
def test_find_centre_without_javascript(page, nara_site, how):
    area = nara_site.social_area
    page.goto("/sv/")
    if how == "name":
        page.locator("#id_q").fill(area.name)
    else:
        page.locator("#id_postcode").fill(area.postcodes[0])
    page.locator("form.find button[type=submit]").click()
    page.wait_for_url("**/sv/find/**")
    assert area.name in page.get_by_role("heading", level=1).inner_text()
    slug, name, _kind = area.centres[0]
    page.locator("section.result").first.get_by_role("link", name=name).click()
    page.wait_for_url(f"**/sv/centres/{slug}/")
    assert page.locator("table.hours tbody tr").count() == 7


def test_choices_and_errors_without_javascript(page, nara_site):
    page.goto(f"/sv/find/?q={nara_site.partial_name}")
    assert page.locator("main ul.choices a").count() == len(nara_site.partial_matches)
    page.goto("/sv/")
    page.locator("#id_postcode").fill(nara_site.unknown_postcode)
    page.locator("form.find button[type=submit]").click()
    page.wait_for_load_state()
    assert nara_site.unknown_postcode in page.get_by_role("alert").inner_text()


def test_quick_exit_link_works_without_javascript(page, nara_site):
    route_quick_exit(page, nara_site)
    page.goto("/sv/help/violence/")
    page.locator("a.quick-exit").click()
    page.wait_for_url(nara_site.quick_exit_url)


def test_language_switch_without_javascript(page):
    page.goto("/sv/help/")
    page.locator("nav.languages a[hreflang=ar]").click()
    page.wait_for_url("**/ar/help/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto("/")
    assert urlsplit(page.url).path == "/ar/"


def test_feedback_without_javascript(page, nara_site, feedback_quota):
    page.goto("/sv/myths-and-facts/")
    page.locator("form#feedback input[value=no]").check()
    page.locator("form#feedback button[type=submit]").click()
    page.wait_for_url("**/sv/myths-and-facts/#feedback")
    assert page.locator(".messages").inner_text() == tr("sv", "Thank you for your answer.")
