"""The open statistics pages in a real browser: axe-core finds nothing, in Swedish and Arabic,
on a 360-pixel phone, with the numbers isolated for right-to-left reading."""

from types import SimpleNamespace

import pytest

from .crawl import AXE_RUN, AXE_TAGS, describe_violations
from .support import AXE_JS, tr

pytestmark = pytest.mark.browser


def visit(new_context, lang, path):
    context = new_context(bypass_csp=True, locale=lang, viewport={"width": 360, "height": 740})
    page = context.new_page()
    response = page.goto(path)
    page.add_script_tag(path=str(AXE_JS))
    return page, response, page.evaluate(AXE_RUN, AXE_TAGS)["violations"]


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_statistics_pages_pass_axe_on_a_phone(new_context, nara_site, lang):
    social = next(c for c in nara_site.centres if c.kind == "centre")
    paths = [
        f"/{lang}/statistics/",
        f"/{lang}/statistics/centres/{social.slug}/",
        f"/{lang}/statistics/areas/{nara_site.social_area.code}/",
    ]
    for path in paths:
        page, response, violations = visit(new_context, lang, path)
        assert response.status == 200, path
        assert not violations, describe_violations(
            SimpleNamespace(label="statistics", path=path, violations=violations)
        )
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert page.locator("table caption").count() >= 2
        assert page.locator("th[scope=col]").count() >= 3
        # Every cell says a number (isolated in <bdi>) or, in words, why it is not shown.
        cells = page.locator("table.stats td")
        for i in range(min(cells.count(), 40)):
            cell = cells.nth(i)
            text = cell.inner_text().strip()
            assert cell.locator("bdi").count() == 1 or text in (
                tr(lang, "fewer than 5"),
                tr(lang, "not shown"),
            ), (path, text)


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_a_year_that_has_no_statistics_is_explained(new_context, nara_site, lang):
    page, response, violations = visit(new_context, lang, f"/{lang}/statistics/?year=1800")
    assert response.status == 400
    assert not violations
    assert page.locator("[role=alert]").count() == 1
    # The year chooser works without JavaScript: choosing a year is a plain GET form.
    assert page.locator("form.year-choice select[name=year]").count() == 1
