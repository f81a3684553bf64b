"""An outreach evening in Andersberg (Halmstad), entered on a 360-px phone without JavaScript:
the form fits the screen, its defaults are this evening and me, and the saved shift is listed
with its counts."""

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

PHONE = {"width": 360, "height": 740}
AREA = "Andersberg"
# Andersberg, Halmstad: a small square around the district (WGS84 longitude/latitude).
SQUARE = [[12.880, 56.660], [12.900, 56.660], [12.900, 56.672], [12.880, 56.672], [12.880, 56.660]]


def sv(message, **values):
    return tr(STAFF_LANG, message, **values)


def _add_andersberg(centre_pk):
    """Andersberg in Anna's centre's catchment (setup, not outreach)."""
    from django.utils import timezone

    from nara.core.models import Area, CatchmentMembership, Center

    centre = Center.objects.get(pk=centre_pk)
    area = Area.objects.create(
        municipality=centre.municipality,
        code="1380TEST-ANDERSBERG",
        name=AREA,
        kind=Area.Kind.DISTRICT,
        geometry={"type": "Polygon", "coordinates": [SQUARE]},
        min_lon=12.880,
        max_lon=12.900,
        min_lat=56.660,
        max_lat=56.672,
        centroid_lon=12.890,
        centroid_lat=56.666,
    )
    CatchmentMembership.objects.create(center=centre, area=area, layer="centres")
    return area.pk, (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def _remove_andersberg(area_pk):
    from nara.core.models import Area, OutreachShift

    OutreachShift.objects.filter(area_id=area_pk).delete()
    Area.objects.filter(pk=area_pk).delete()


def _shifts_in(area_pk):
    from nara.core.models import OutreachShift

    return [
        (
            s.date.isoformat(),
            s.minutes,
            s.people_met,
            s.contacts_made,
            sorted((c.age_band, c.gender, c.count) for c in s.counts.all()),
            s.topics,
            [u.username for u in s.staff.all()],
        )
        for s in OutreachShift.objects.filter(area_id=area_pk)
    ]


@pytest.fixture(scope="module")
def andersberg(nara_site, browser):
    facts = db_call(read_staff_facts)
    area_pk, yesterday = db_call(_add_andersberg, facts.centre0.pk)
    state = signed_in_state(browser, nara_site, "anna")
    yield facts.centre0, area_pk, yesterday, state
    db_call(_remove_andersberg, area_pk)


def no_sideways_scrolling(page, label):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label}: {width} px wide"


def test_an_outreach_evening_in_andersberg_on_a_phone_without_javascript(new_context, andersberg):
    centre, area_pk, yesterday, state = andersberg
    context = new_context(
        locale="sv-SE", viewport=PHONE, storage_state=state, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/staff/")
    page.get_by_role("link", name=sv("Outreach"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Outreach"))
    page.get_by_role("link", name=sv("Record an outreach shift")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Record an outreach shift"))
    no_sideways_scrolling(page, "outreach form")
    # Me, by default.
    assert page.locator("input[name=staff]:checked").count() == 1

    page.get_by_label(sv("Date") + ":", exact=True).fill(yesterday)
    page.get_by_label(sv("Start") + ":", exact=True).fill("19:00")
    page.get_by_label(sv("End") + ":", exact=True).fill("22:00")
    # Between midnight and four the form proposes last evening, ended after midnight.
    page.get_by_label(sv("Ended after midnight") + ":", exact=True).set_checked(False)
    page.get_by_label(sv("Where") + ":", exact=True).select_option(label=AREA)
    cells = {
        ("13–17 years", "man or boy"): "8",
        ("13–17 years", "woman or girl"): "5",
        ("18–25 years", "man or boy"): "3",
        ("26–64 years", "woman or girl"): "2",
    }
    for (age, gender), value in cells.items():
        page.get_by_label(f"{sv(age)}, {sv(gender)}", exact=True).fill(value)
    page.get_by_label(sv("Contacts made") + ":", exact=True).fill("3")
    page.get_by_label(sv("A child who stays home from school")).check()
    no_sideways_scrolling(page, "filled outreach form")
    page.get_by_role("button", name=sv("Save outreach")).click()

    expect(page.locator(".message.success")).to_have_text(
        sv(
            "Outreach saved: %(people)d people met, %(contacts)d contacts made.",
            people=18,
            contacts=3,
        )
    )
    no_sideways_scrolling(page, "outreach list")
    shift = page.locator("ul.shifts li", has_text=AREA)
    expect(shift).to_have_count(1)
    expect(shift).to_contain_text(f"{yesterday} 19:00–22:00")
    expect(shift.locator(".people")).to_contain_text("18")
    expect(shift.locator(".contacts")).to_contain_text("3")
    month = page.locator(f"tr[data-month='{yesterday[:7]}']")
    expect(month.locator(".people")).not_to_have_text("0")

    saved = db_call(_shifts_in, area_pk)
    assert saved == [
        (
            yesterday,
            180,
            18,
            3,
            [
                ("13-17", "female", 5),
                ("13-17", "male", 8),
                ("18-25", "male", 3),
                ("26-64", "female", 2),
            ],
            ["school-absence"],
            ["anna"],
        )
    ]
    # The shift's own page shows the grid, also on the phone.
    shift.get_by_role("link").click()
    expect(page.locator("dd.people")).to_have_text("18")
    no_sideways_scrolling(page, "outreach shift")


def test_the_outreach_pages_have_no_axe_violations(new_context, andersberg):
    centre, _area_pk, _yesterday, state = andersberg
    page = axe_context(new_context, locale="sv-SE", viewport=PHONE, storage_state=state).new_page()
    problems = []
    for path in (
        f"/staff/centres/{centre.pk}/outreach/",
        f"/staff/centres/{centre.pk}/outreach/new/",
        f"/staff/centres/{centre.pk}/groups/",
    ):
        page.goto(path)
        problems += accessibility_problems(page, path)
        no_sideways_scrolling(page, path)
    assert not problems, "\n\n".join(problems)
