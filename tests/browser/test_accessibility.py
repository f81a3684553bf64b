"""WCAG 2.1 A/AA with axe-core on every public page in every language, plus keyboard and reflow."""

from types import SimpleNamespace

import pytest

from .crawl import AXE_RUN, AXE_TAGS, PHONE, describe_violations
from .support import AXE_JS, LANGUAGES, RTL_LANGUAGES, tr

pytestmark = pytest.mark.browser


def describe(path, violations):
    return describe_violations(SimpleNamespace(label="page", path=path, violations=violations))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_is_served_in_the_language(site_crawl, lang):
    direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
    wrong = [
        f"{v.label} {v.path}: HTTP {v.status} (expected {v.expected_status}), "
        f'<html lang="{v.lang}" dir="{v.dir}">'
        for v in site_crawl(lang).visits
        if v.status != v.expected_status or (v.lang, v.dir) != (lang, direction)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violations(site_crawl, lang):
    failures = [describe_violations(v) for v in site_crawl(lang).visits if v.violations]
    assert not failures, f"axe-core ({', '.join(AXE_TAGS)}) in {lang}:\n" + "\n\n".join(failures)


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_not_found_page_is_accessible(new_context, lang):
    """A stale link (an old topic, a closed centre) must not strand the resident."""
    page = new_context(bypass_csp=True, locale=lang).new_page()
    response = page.goto(f"/{lang}/help/no-such-topic/")
    assert response.status == 404
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(AXE_RUN, AXE_TAGS)["violations"]
    assert page.locator("html").get_attribute("lang") == lang, "the page must say its language"
    assert not violations, describe(page.url, violations)
    # A way back into the site.
    assert page.locator(f"a[href='/{lang}/']").count() >= 1, "no link back to the start page"


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_skip_link_is_first_and_works(page, nara_site, lang):
    centre = nara_site.centres[0]
    page.goto(f"/{lang}/centres/{centre.slug}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    skip = page.locator("a.skip")
    assert skip.inner_text() == tr(lang, "Skip to content")
    box, viewport = skip.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "skip link off screen"
    page.keyboard.press("Enter")
    # The next Tab lands inside the main content, past the header navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_quick_exit_is_reached_first_on_sensitive_pages(page, lang):
    page.goto(f"/{lang}/help/violence/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-quick-exit-link')")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_reflow_on_a_narrow_phone(site_crawl, lang):
    """WCAG 1.4.10: at 320 CSS pixels nothing needs sideways scrolling."""
    too_wide = [
        f"{v.label} {v.path}: {v.scroll_width}px wide, e.g. {v.overflowing}"
        for v in site_crawl(lang).visits
        if v.scroll_width > PHONE["width"]
    ]
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_axe_on_a_desktop_screen(new_context, nara_site, lang):
    """The wide layout (two cards side by side, header in one row) checked too."""
    page = new_context(bypass_csp=True, viewport={"width": 1280, "height": 800}).new_page()
    social = next(c for c in nara_site.centres if c.kind == "centre")
    failures = []
    for path in (f"/{lang}/", f"/{lang}/centres/{social.slug}/", f"/{lang}/help/violence/"):
        page.goto(path)
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(AXE_RUN, AXE_TAGS)["violations"]
        if violations:
            failures.append(describe(path, violations))
    assert not failures, "\n\n".join(failures)
