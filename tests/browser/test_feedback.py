"""Feedback after a visit, as a resident gives it: on a 360-pixel phone, in Arabic (right to
left), without JavaScript, from the booking's own page; once only; and the pages pass axe.
Then the centre's manager moderates the text and sees the figures and the QR code poster."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import accessibility_problems, axe_context, signed_in_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PERSONNUMMER = "19121212-1212"
TEXT = "شكرا على الاستقبال الجيد"


def _past_booking():
    """A booking at the first social centre whose visit began two hours ago; its code."""
    from django.utils import timezone

    from nara.core.actions import booking
    from nara.core.models import Center, Slot
    from nara.core.queries import free_slots

    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    slot = free_slots(centre)[-1]
    _appointment, _token, code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="هدى", language="ar"
    )
    began = timezone.now() - dt.timedelta(hours=2)
    Slot.objects.filter(pk=slot.pk).update(
        availability=None, starts_at=began, ends_at=began + dt.timedelta(minutes=45)
    )
    return code, centre.slug, centre.pk


def _stored(centre_pk):
    from nara.core import crypto
    from nara.core.models import VisitFeedbackComment, VisitFeedbackTally

    tallies = VisitFeedbackTally.objects.filter(center_id=centre_pk, via="booking")
    texts = [crypto.decrypt(c.text_encrypted) for c in VisitFeedbackComment.objects.all()]
    return sorted(tallies.values_list("question", "answer", "count")), texts


@pytest.fixture
def quick_forms():
    from django.test import override_settings

    with override_settings(NARA_SKIP_FORM_TIMER=True):
        yield


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def answer(page, lang, question, choice):
    fieldset = page.locator("fieldset.answers").filter(has_text=tr(lang, question))
    fieldset.get_by_label(tr(lang, choice), exact=True).check()


def test_arabic_resident_answers_once_without_javascript(new_context, nara_site, quick_forms):
    code, slug, centre_pk = db_call(_past_booking)
    page = new_context(java_script_enabled=False, locale="ar-SE", viewport=PHONE).new_page()
    page.goto("/ar/booking/")
    page.get_by_label(tr("ar", "Your code")).fill(code)
    page.locator("main form[method=post]:not([hidden]) button[type=submit]").click()
    page.wait_for_url("**/ar/booking/manage/")
    page.get_by_role(
        "link", name=tr("ar", "How was your visit? Answer three short questions")
    ).click()
    page.wait_for_url("**/ar/booking/manage/feedback/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text(tr("ar", "How was your visit?"))
    fits_the_phone(page)
    # The retention days are isolated, so the number reads as written inside Arabic text.
    expect(page.locator("[data-kept] bdi")).to_have_text("90")

    # Sent with one question unanswered: a message in Arabic, nothing saved.
    answer(page, "ar", "Did you feel welcome?", "Yes")
    answer(page, "ar", "Did we listen to you?", "Partly")
    page.get_by_label(tr("ar", "Anything else you want to tell us? (optional)")).fill(
        f"{TEXT} {PERSONNUMMER}"
    )
    page.locator("main").get_by_role("button", name=tr("ar", "Send"), exact=True).click()
    expect(page.locator("[role=alert]").first).to_have_text(
        tr("ar", "Please check the marked questions. Nothing was sent yet.")
    )
    expect(page.locator("fieldset.has-error .error")).to_have_text(
        tr("ar", "Choose yes, partly or no.")
    )
    assert PERSONNUMMER not in page.content()  # the number is not even shown back
    expect(page.locator("[data-removed]")).to_be_visible()
    fits_the_phone(page)
    assert db_call(_stored, centre_pk) == ([], [])

    answer(page, "ar", "Did you feel welcome?", "Yes")
    answer(page, "ar", "Did we listen to you?", "Partly")
    answer(page, "ar", "Would you come again?", "Yes")
    page.locator("main").get_by_role("button", name=tr("ar", "Send"), exact=True).click()
    expect(page.locator("h1")).to_have_text(tr("ar", "Thank you for your answers"))
    fits_the_phone(page)
    tallies, texts = db_call(_stored, centre_pk)
    assert tallies == [("again", "yes", 1), ("listened", "partly", 1), ("welcome", "yes", 1)]
    assert texts == [f"{TEXT} […]"]

    # Once only: the booking thanks, and the form is not offered again.
    page.goto("/ar/booking/manage/")
    expect(page.locator("[data-feedback-given]")).to_be_visible()
    expect(page.locator("[data-feedback-link]")).to_have_count(0)
    page.goto("/ar/booking/manage/feedback/")
    expect(page.locator("[data-problem]")).to_have_text(
        tr("ar", "You have already answered about this visit. Thank you!")
    )
    assert db_call(_stored, centre_pk)[0] == tallies


def test_feedback_pages_pass_axe_on_a_phone(new_context, nara_site, quick_forms):
    _code, slug, _pk = db_call(_past_booking)
    problems = []
    for lang in ("ar", "sv"):
        page = axe_context(new_context, locale=lang, viewport=PHONE).new_page()
        page.goto(f"/{lang}/centres/{slug}/feedback/")
        problems += accessibility_problems(page, f"feedback {lang}")
        page.locator("main").get_by_role("button", name=tr(lang, "Send"), exact=True).click()
        page.locator("[role=alert]").first.wait_for()
        problems += accessibility_problems(page, f"feedback unanswered {lang}")
        for question in ("Did you feel welcome?", "Did we listen to you?", "Would you come again?"):
            answer(page, lang, question, "No")
        page.locator("main").get_by_role("button", name=tr(lang, "Send"), exact=True).click()
        page.locator("h1").filter(has_text=tr(lang, "Thank you for your answers")).wait_for()
        problems += accessibility_problems(page, f"feedback sent {lang}")
    assert not problems, "\n\n".join(problems)


def test_manager_moderates_and_prints_the_poster(browser, new_context, nara_site, quick_forms):
    from .test_staff_flows import read_staff_facts

    centre = db_call(read_staff_facts).centre0
    state = signed_in_state(browser, nara_site, "maria")
    resident = new_context(locale="sv-SE", viewport=PHONE).new_page()
    resident.goto(f"/sv/centres/{centre.slug}/feedback/")
    for question in ("Did you feel welcome?", "Did we listen to you?", "Would you come again?"):
        answer(resident, "sv", question, "Yes")
    resident.get_by_label(tr("sv", "Anything else you want to tell us? (optional)")).fill(
        "Trevligt fika och bra samtal"
    )
    resident.locator("main").get_by_role("button", name=tr("sv", "Send"), exact=True).click()
    resident.locator("h1").filter(has_text=tr("sv", "Thank you for your answers")).wait_for()

    page = axe_context(new_context, locale="sv-SE", storage_state=state, viewport=PHONE).new_page()
    page.goto("/staff/feedback/visits/moderation/")
    problems = accessibility_problems(page, "moderation")
    card = page.locator("[data-pending]").filter(has_text="Trevligt fika och bra samtal")
    card.get_by_role("button", name=tr("sv", "Approve"), exact=True).click()
    page.wait_for_url("**/staff/feedback/visits/moderation/")
    page.goto("/staff/feedback/visits/")
    expect(page.locator("[data-approved]").filter(has_text="Trevligt fika")).to_be_visible()
    problems += accessibility_problems(page, "figures")
    fits_the_phone(page)
    page.goto(f"/staff/centres/{centre.pk}/feedback-qr/")
    expect(page.locator(".poster svg")).to_be_visible()
    address = page.locator(".poster .address").inner_text()
    assert re.fullmatch(rf"https?://[^/]+/centres/{centre.slug}/feedback/", address)
    problems += accessibility_problems(page, "poster")
    fits_the_phone(page)
    assert not problems, "\n\n".join(problems)
