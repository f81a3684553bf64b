"""A resident finds their centre by area name, postcode or position, in Swedish and Arabic."""

import re
from urllib.parse import urlsplit

import pytest

from .support import LANGUAGES, OUTSIDE, RTL_LANGUAGES, tr

pytestmark = pytest.mark.browser

RESIDENT_LANGUAGES = ["sv", "ar"]


def assert_found(page, lang, area):
    """The result page names the area and leads on to the centre that serves it."""
    assert urlsplit(page.url).path.startswith(f"/{lang}/find/")
    assert page.locator("html").get_attribute("lang") == lang
    heading = page.get_by_role("heading", level=1)
    assert area.name in heading.inner_text()
    slug, name, _kind = area.centres[0]
    first = page.locator("section.result").first
    title = first.get_by_role("heading", level=2)
    assert title.inner_text().startswith(tr(lang, "Your centre")), title.inner_text()
    assert first.get_by_role("link", name=name).first.get_attribute("href") == (
        f"/{lang}/centres/{slug}/"
    )
    # Every centre serving the area is listed, the social centre before the base.
    listed = page.locator("section.result h2 a").all_inner_texts()
    assert listed == [n for _s, n, _k in area.centres]
    return first


def open_centre(page, lang, result, area):
    slug, name, _kind = area.centres[0]
    result.get_by_role("link", name=tr(lang, "Opening hours, staff and how to get there")).click()
    page.wait_for_url(f"**/{lang}/centres/{slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == name


def home(page, lang):
    response = page.goto(f"/{lang}/")
    assert response.status == 200
    return page.locator("form.find")


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_find_by_area_name(page, nara_site, lang):
    area = nara_site.social_area
    form = home(page, lang)
    # The municipality is named, and fictional demo data says so.
    assert page.title().endswith(nara_site.municipality)
    assert page.locator(".example-banner").is_visible()
    # The area field offers every area name as a suggestion.
    options = page.locator("datalist#area-names option")
    assert sorted(options.evaluate_all("os => os.map(o => o.value)")) == sorted(nara_site.areas)
    form.get_by_label(tr(lang, "Write or choose your area")).fill(area.name)
    form.get_by_role("button", name=tr(lang, "Find")).click()
    result = assert_found(page, lang, area)
    open_centre(page, lang, result, area)


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_find_by_area_name_is_forgiving(page, nara_site, lang):
    """Lower case and extra spaces still find the area."""
    area = nara_site.social_area
    form = home(page, lang)
    form.locator("#id_q").fill(f"  {area.name.lower()}  ")
    form.locator("#id_q").press("Enter")
    assert_found(page, lang, area)


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_find_by_postcode(page, nara_site, lang):
    area = nara_site.social_area
    postcode = area.postcodes[-1]
    form = home(page, lang)
    # Written the way it is printed on letters, with a space.
    form.get_by_label(tr(lang, "Postcode")).fill(f"{postcode[:3]} {postcode[3:]}")
    form.get_by_role("button", name=tr(lang, "Find")).click()
    result = assert_found(page, lang, area)
    open_centre(page, lang, result, area)


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_area_served_only_by_a_base(page, nara_site, lang):
    area = nara_site.base_area
    home(page, lang).locator("#id_postcode").fill(area.postcodes[0])
    page.locator("form.find button[type=submit]").click()
    assert_found(page, lang, area)


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_several_matching_areas_offer_a_choice(page, nara_site, lang):
    home(page, lang).locator("#id_q").fill(nara_site.partial_name)
    page.locator("form.find button[type=submit]").click()
    choices = page.locator("main ul.choices a")
    assert sorted(choices.all_inner_texts()) == nara_site.partial_matches
    area = nara_site.partial_matches[0]
    choices.filter(has_text=re.compile(f"^{re.escape(area)}$")).click()
    assert area in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("section.result").count() >= 1


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_find_by_my_location(new_context, nara_site, lang):
    area = nara_site.social_area
    context = new_context(
        permissions=["geolocation"],
        geolocation={"latitude": area.lat, "longitude": area.lon, "accuracy": 20},
    )
    page = context.new_page()
    home(page, lang)
    locate = page.locator("form.locate")
    assert locate.is_visible()
    button = locate.get_by_role("button", name=tr(lang, "Use my location"))
    with page.expect_navigation(url=f"**/{lang}/find/location/"):
        button.click()
    result = assert_found(page, lang, area)
    open_centre(page, lang, result, area)


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_location_outside_the_municipality(new_context, nara_site, lang):
    context = new_context(permissions=["geolocation"], geolocation=OUTSIDE)
    page = context.new_page()
    home(page, lang)
    with page.expect_navigation() as navigation:
        page.locator("form.locate button").click()
    assert navigation.value.status == 404
    alert = page.get_by_role("alert")
    expected = tr(lang, "Your position is outside the areas we serve. Choose your area instead.")
    assert alert.inner_text() == expected
    # The resident can go on searching by name right away.
    assert page.locator("form.find #id_q").is_visible()


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_location_refused(new_context, nara_site, lang):
    """No permission: the page says so instead of doing nothing."""
    context = new_context()  # geolocation permission not granted: Chromium denies
    page = context.new_page()
    home(page, lang)
    error = page.locator("[data-locate-error]")
    assert error.is_hidden()
    page.locator("form.locate button").click()
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert error.inner_text() == tr(
        lang, "Your position could not be read. Write your area or postcode instead."
    )
    assert urlsplit(page.url).path == f"/{lang}/"


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_unknown_postcode(page, nara_site, lang):
    form = home(page, lang)
    form.locator("#id_postcode").fill(nara_site.unknown_postcode)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    assert navigation.value.status == 404
    alert = page.get_by_role("alert")
    assert nara_site.unknown_postcode in alert.inner_text()
    assert alert.inner_text() == tr(
        lang,
        "We do not know the postcode %(postcode)s. Check the number, or choose your area.",
        postcode=nara_site.unknown_postcode,
    )
    # What the resident wrote is kept, so it can be corrected.
    assert page.locator("#id_postcode").input_value() == nara_site.unknown_postcode


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_invalid_postcode(page, nara_site, lang):
    for postcode in ["12ab", "1234", "123456"]:
        form = home(page, lang)
        form.locator("#id_postcode").fill(postcode)
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit]").click()
        assert navigation.value.status == 400
        field = page.locator("#id_postcode")
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby")
        assert described, "the error must be tied to the field"
        message = page.locator(f"#{described}")
        assert message.inner_text() == tr(lang, "A postcode has five digits, for example 602 21.")
        assert field.input_value() == postcode


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_empty_search_and_unknown_name(page, nara_site, lang):
    form = home(page, lang)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    assert navigation.value.status == 400
    assert page.get_by_role("alert").inner_text() == tr(
        lang, "Write the name of your area or your postcode."
    )
    page.locator("#id_q").fill("Ingenstansby")
    with page.expect_navigation() as navigation:
        page.locator("form.find button[type=submit]").click()
    assert navigation.value.status == 404
    assert page.get_by_role("alert").inner_text() == tr(
        lang, "We found no area with that name. Try another."
    )


def test_page_language_and_direction(page):
    for lang in LANGUAGES:
        page.goto(f"/{lang}/")
        html = page.locator("html")
        direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, direction)
        assert page.evaluate("getComputedStyle(document.body).direction") == direction
        # The current language is marked for screen readers; each link names its language.
        current = page.locator("nav.languages a[aria-current]")
        assert current.count() == 1
        assert current.get_attribute("hreflang") == lang
        codes = page.locator("nav.languages a").evaluate_all("as => as.map(a => a.lang)")
        assert codes == LANGUAGES


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_arabic_layout_is_mirrored(new_context, nara_site):
    """In Arabic the header reads from the right: brand and first language at the right edge."""
    boxes = {}
    for lang in ("sv", "ar"):
        page = new_context(viewport={"width": 1024, "height": 768}).new_page()
        page.goto(f"/{lang}/")
        wrap = _box(page, ".site-header .wrap")
        brand = _box(page, ".site-header .brand")
        languages = page.locator("nav.languages li").all()
        boxes[lang] = (wrap, brand, languages[0].bounding_box(), languages[-1].bounding_box())
        heading = _box(page, "main h1")
        if lang == "ar":
            # Text starts at the right edge of the content column.
            assert abs((brand["x"] + brand["width"]) - (wrap["x"] + wrap["width"])) < 24
            assert brand["x"] > wrap["x"] + wrap["width"] / 2 - brand["width"]
            assert heading["x"] + heading["width"] > wrap["x"] + wrap["width"] - 24
            assert boxes[lang][2]["x"] > boxes[lang][3]["x"], "languages must run right to left"
        else:
            assert abs(brand["x"] - wrap["x"]) < 24
            assert boxes[lang][2]["x"] < boxes[lang][3]["x"]
    sv_brand, ar_brand = boxes["sv"][1], boxes["ar"][1]
    assert ar_brand["x"] > sv_brand["x"] + 200, (sv_brand, ar_brand)


def test_language_switch_is_remembered(page, nara_site):
    area = nara_site.social_area
    page.goto("/")
    assert urlsplit(page.url).path == "/sv/"  # a Swedish browser gets Swedish first
    page.locator("#id_q").fill(area.name)
    page.locator("form.find button[type=submit]").click()
    assert_found(page, "sv", area)
    # Switching language keeps the resident on the same result.
    page.locator("nav.languages a[hreflang=ar]").click()
    page.wait_for_url("**/ar/find/**")
    assert_found(page, "ar", area)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("nav.languages a[aria-current]").get_attribute("hreflang") == "ar"
    # Coming back later to the bare address opens the site in Arabic.
    page.goto("/")
    assert urlsplit(page.url).path == "/ar/"
    assert page.locator("html").get_attribute("lang") == "ar"
    # And switching again replaces the choice.
    page.locator("nav.languages a[hreflang=so]").click()
    page.wait_for_url("**/so/")
    page.goto("/")
    assert urlsplit(page.url).path == "/so/"


def test_language_switch_on_a_centre_page(page, nara_site):
    centre = nara_site.centres[0]
    page.goto(f"/sv/centres/{centre.slug}/")
    page.locator("nav.languages a[hreflang=en]").click()
    page.wait_for_url(f"**/en/centres/{centre.slug}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == centre.name


def test_browser_language_decides_first_visit(new_context):
    page = new_context(locale="ar").new_page()
    page.goto("/")
    assert urlsplit(page.url).path == "/ar/"
