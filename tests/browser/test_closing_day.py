"""A manager closes a day with a booking on a 360-px phone: the preview is readable, passes
axe-core, and the confirmation moves the booking (Chromium)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .crawl import OVERFLOWING
from .support import AXE_JS, db_call, tr
from .test_staff_flows import accessibility_problems, axe_context, read_staff_facts, signed_in_state

STAFF_LANG = "sv"


def _book_on_the_last_bookable_day(centre_pk):
    """A booking on the centre's last day with free times (far from what other tests use)."""
    from django.utils import timezone

    from nara.core.actions import booking
    from nara.core.models import Center
    from nara.core.queries import free_slots

    slots = free_slots(Center.objects.get(pk=centre_pk), days=42)
    day = max(timezone.localtime(s.starts_at).date() for s in slots)
    chosen = [s for s in slots if timezone.localtime(s.starts_at).date() == day][0]
    appointment, _token, _code = booking.do_book(
        slot_id=chosen.pk, mode="centre", alias="Lina", language="ar", phone="+46701234567"
    )
    return appointment.pk, day.isoformat()


def _outcome(appointment_pk):
    from django.utils import timezone

    from nara.core.models import Appointment

    moved = Appointment.objects.get(pk=appointment_pk)
    kinds = sorted(moved.reminders.values_list("kind", flat=True).distinct())
    return moved.status, timezone.localtime(moved.slot.starts_at).date().isoformat(), kinds


@pytest.fixture(scope="module")
def maria_state(browser, nara_site):
    return signed_in_state(browser, nara_site, "maria")


def test_closing_a_day_on_a_phone(new_context, maria_state, nara_site):
    centre = db_call(read_staff_facts).centre0
    appointment_pk, day = db_call(_book_on_the_last_bookable_day, centre.pk)
    options = {"locale": "sv-SE", "storage_state": maria_state}
    options["viewport"] = {"width": 360, "height": 740}
    # axe-core comes from npm (tests/browser/node_modules); without it only the layout is checked.
    context = axe_context(new_context, **options) if AXE_JS.is_file() else new_context(**options)
    page = context.new_page()
    page.goto(f"/staff/centres/{centre.pk}/exceptions/new/")
    page.locator("input[name=date]").fill(day)
    page.locator("input[name=closed]").check()
    page.locator("main form button[type=submit]").click()

    row = page.locator(f"main [data-appointment='{appointment_pk}']")
    expect(row).to_contain_text("Lina")
    if AXE_JS.is_file():
        assert accessibility_problems(page, "closing preview") == []
    assert page.evaluate(OVERFLOWING) == [], "the preview is wider than the phone"

    choice = row.locator("select")
    move_to = choice.locator("option").nth(1)
    choice.select_option(move_to.get_attribute("value"))
    page.get_by_role("button", name=tr(STAFF_LANG, "Close the day")).click()
    expect(page.locator(".messages")).to_have_text(
        tr(STAFF_LANG, "Saved. The day is closed for booking.")
    )
    status, new_day, kinds = db_call(_outcome, appointment_pk)
    assert status == "booked" and new_day != day
    assert dt.date.fromisoformat(new_day)
    assert "moved" in kinds
