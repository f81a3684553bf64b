"""The centre page answers a resident's questions: is it open, when, who works there, how to get in
touch, which help there is and which areas it serves."""

import datetime as dt
import html
import re

import pytest

from .support import db_call, tr

pytestmark = pytest.mark.browser


def server_view(slug, lang):
    """What the server believes now: the status line and the drop-ins of the coming week."""

    def query():
        from django.utils import translation

        from nara.core import queries
        from nara.core.models import Center
        from nara.public.templatetags.nara_public import open_status

        with translation.override(lang):
            centre = Center.objects.get(slug=slug)
            status = queries.center_status(centre)
            match = re.fullmatch(r'<p class="status (\w+)">(.*)</p>', str(open_status(status)))
            week = queries.center_week(centre, queries.local_now().date())
            dropins = {
                day.date: [
                    f"{s.opens_at:%H:%M}–{s.closes_at:%H:%M}" + (f" {s.title}" if s.title else "")
                    for s in day.dropins
                ]
                for day in week
            }
            return status, (match[1], html.unescape(match[2])), dropins

    return db_call(query)


def local_today():
    from nara.core.queries import local_now

    return local_now().date()


@pytest.fixture
def social_centre(nara_site):
    return next(c for c in nara_site.centres if c.kind == "centre")


def rows(page):
    return page.locator("table.hours tbody tr")


def test_open_now_or_next_opening(page, social_centre):
    before = server_view(social_centre.slug, "sv")
    page.goto(f"/sv/centres/{social_centre.slug}/")
    after = server_view(social_centre.slug, "sv")
    status = page.locator("main p.status")
    assert status.count() == 1
    shown = (status.get_attribute("class").split()[-1], status.inner_text())
    # The same line the server computes for this moment (either side of the page load).
    assert shown in (before[1], after[1]), (shown, before[1], after[1])
    (is_open, closes_at, next_opening, dropin_until), _line, _dropins = before
    if is_open:
        assert shown[0] == "open" and f"{closes_at:%H:%M}" in shown[1]
    elif dropin_until:
        assert shown[0] == "open" and f"{dropin_until:%H:%M}" in shown[1]
    elif next_opening:
        assert shown[0] == "closed" and f"{next_opening:%H:%M}" in shown[1]
        assert f"{next_opening.day}/{next_opening.month}" in shown[1]
        # The week table agrees: on that day the centre opens at that time.
        if next_opening.date() - local_today() < dt.timedelta(days=7):
            day = rows(page).filter(has_text=f"{next_opening.day}/{next_opening.month}")
            assert f"{next_opening:%H:%M}–" in day.locator("td").first.inner_text()


def test_week_table(page, nara_site, social_centre):
    page.goto(f"/sv/centres/{social_centre.slug}/")
    _status, _line, dropins = server_view(social_centre.slug, "sv")
    table = page.locator("table.hours")
    headers = table.locator("thead th").all()
    assert [h.get_attribute("scope") for h in headers] == ["col"] * 3
    assert rows(page).count() == 7
    today = local_today()
    for index, row in enumerate(rows(page).all()):
        date = today + dt.timedelta(days=index)
        head = row.locator("th")
        assert head.get_attribute("scope") == "row"
        assert head.inner_text().endswith(f"{date.day}/{date.month}"), head.inner_text()
        assert (row.get_attribute("aria-current") == "date") == (index == 0)
        opening, dropin = row.locator("td").all_inner_texts()
        reason = social_centre.exceptions_sv.get(date)
        if reason is not None:
            # A holiday or staff day: closed, and the resident is told why.
            assert opening == f"{tr('sv', 'Closed')} ({reason})", opening
        elif date.weekday() >= 5:
            assert opening == tr("sv", "Closed")
        else:
            assert re.fullmatch(r"\d\d:\d\d–\d\d:\d\d", opening), opening
        expected = dropins[date] or ["–"]
        assert dropin.split("\n") == expected, (date, dropin, expected)
    # The demo has a staff day two days from now; it must show in this week's table.
    staff_day = today + dt.timedelta(days=2)
    assert staff_day in social_centre.exceptions_sv
    assert social_centre.exceptions_sv[staff_day] in rows(page).nth(2).inner_text()
    # Drop-in as a resident reads it: the open house on Tuesday afternoons.
    tuesday = next(i for i in range(7) if (today + dt.timedelta(days=i)).weekday() == 1)
    if today + dt.timedelta(days=tuesday) not in social_centre.exceptions_sv:
        assert "13:00–15:30 Öppet hus" in rows(page).nth(tuesday).locator("td").nth(1).inner_text()


@pytest.mark.parametrize("kind", ["centre", "base"])
def test_people_languages_and_help(page, nara_site, kind):
    from nara.lib.languages import language_names

    centre = next(c for c in nara_site.centres if c.kind == kind)
    page.goto(f"/sv/centres/{centre.slug}/")
    staff = page.locator("section[aria-labelledby=h-staff]")
    assert staff.locator("li strong").all_inner_texts() == centre.staff
    # First names only: no family name is ever published.
    for item in staff.locator("li").all_inner_texts():
        assert not re.search(r"^\S+ [A-ZÅÄÖ]\w+,", item), item
    # Name and role on one line, the languages the person speaks on the next one.
    for item in staff.locator("ul.staff li").all():
        name, spoken = item.locator("strong").bounding_box(), item.locator(".meta").bounding_box()
        assert spoken["y"] >= name["y"] + name["height"] - 1, item.inner_text()
    from django.utils import translation

    with translation.override("sv"):
        names = language_names(centre.languages)
    assert f"{tr('sv', 'Languages spoken here')}: {', '.join(names)}" in staff.inner_text()
    services = page.locator("section[aria-labelledby=h-services] li h3")
    assert services.all_inner_texts() == centre.services_sv
    # Whether a service needs an application is said for every one of them.
    for meta in page.locator("section[aria-labelledby=h-services] p.meta").all_inner_texts():
        assert tr("sv", "No application needed.") in meta or (
            tr("sv", "You apply; we assess your needs.") in meta
        )


def test_contact_links(page, nara_site):
    for centre in nara_site.centres[:2] + [c for c in nara_site.centres if c.kind == "centre"][:1]:
        page.goto(f"/sv/centres/{centre.slug}/")
        visit = page.locator("section[aria-labelledby=h-visit]")
        phone = visit.locator("a[href^='tel:']")
        assert phone.inner_text() == centre.phone
        assert phone.get_attribute("href") == "tel:" + centre.phone.replace(" ", "")
        assert re.fullmatch(r"tel:[0-9+\-]+", phone.get_attribute("href"))
        mail = visit.locator("a[href^='mailto:']")
        assert mail.inner_text() == centre.email
        assert mail.get_attribute("href") == f"mailto:{centre.email}"


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_catchment_map_and_areas(page, nara_site, lang):
    for centre in nara_site.centres:
        page.goto(f"/{lang}/centres/{centre.slug}/")
        section = page.locator("section[aria-labelledby=h-map]")
        image = section.locator("img.map")
        image.evaluate(
            "img => img.complete ? null : new Promise(r => img.addEventListener('load', r))"
        )
        assert image.evaluate("img => img.naturalWidth") > 0, f"{centre.slug}: map did not load"
        assert centre.name in image.get_attribute("alt")
        links = section.locator("p a")
        assert links.all_inner_texts() == centre.catchment
        # Every area link leads to that area's result, which names this centre.
    first = links.first
    area = first.inner_text()
    first.click()
    assert area in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("section.result a", has_text=nara_site.centres[-1].name).count() >= 1


def test_centre_list_leads_to_every_centre(page, nara_site):
    page.goto("/sv/centres/")
    links = page.locator("main ul.cards a")
    assert links.all_inner_texts() == [c.name for c in nara_site.centres]
    assert links.evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
        f"/sv/centres/{c.slug}/" for c in nara_site.centres
    ]
    response = page.goto("/sv/centres/no-such-centre/")
    assert response.status == 404


def test_area_list_leads_to_results(page, nara_site):
    page.goto("/sv/areas/")
    links = page.locator("main ul.columns a")
    assert links.all_inner_texts() == nara_site.areas
    area = nara_site.social_area
    links.filter(has_text=re.compile(f"^{re.escape(area.name)}$")).click()
    assert area.name in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("section.result h2 a").first.inner_text() == area.centres[0][1]
