"""Booking a talk, call-me-back and anonymous questions, in Swedish and in Arabic (right to left),
as residents use them; and the centre's staff on the other side of each, in another browser.

The public forms refuse answers sent sooner than two seconds after they were shown (a bot
check). Most tests switch that check off in the live server (it runs in this process); the
test without JavaScript waits like a person does and keeps it on.
"""

import re
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from .crawl import AXE_TAGS
from .support import db_call, tr
from .test_staff_flows import accessibility_problems, axe_context, read_staff_facts, signed_in_state

pytestmark = pytest.mark.browser

LANGS = ["sv", "ar"]
LOCALES = {"sv": "sv-SE", "ar": "ar-SE"}
STAFF_LANG = "sv"
CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
# Made-up first names, as residents write them (no digits allowed).
NAMES = {
    "sv": ["Vilma", "Liv", "Nils", "Ebba", "Sixten"],
    "ar": ["هدى", "ليلى", "سامي", "نور", "كريم"],
}
QUESTIONS = {
    "sv": "Hur får jag hjälp med en budget när räkningarna inte räcker till?",
    "ar": "كيف يمكنني الحصول على مساعدة في الميزانية عندما لا تكفي النقود؟",
}


@pytest.fixture(scope="module")
def centre(nara_site):
    """The social centre where Anna works (demo centre 0)."""
    return db_call(read_staff_facts).centre0


@pytest.fixture(scope="module")
def anna_state(browser, nara_site):
    """Anna, social worker at the centre, signed in once (password and code) for the module."""
    return signed_in_state(browser, nara_site, "anna")


@pytest.fixture
def anna(new_context, anna_state):
    """Anna's browser: a context of its own, beside the resident's."""
    return new_context(locale="sv-SE", storage_state=anna_state).new_page()


@pytest.fixture(autouse=True)
def fresh_allowance():
    """Every test posts from 127.0.0.1: start each with a fresh per-address allowance."""

    def clear():
        from django.core.cache import cache

        from nara.core.models import RateCounter

        cache.clear()
        RateCounter.objects.all().delete()  # the per-address limits

    db_call(clear)


@pytest.fixture
def quick_forms():
    from django.test import override_settings

    with override_settings(NARA_SKIP_FORM_TIMER=True):
        yield


@pytest.fixture
def resident(new_context, request):
    """A resident's phone with the browser in the test's language."""
    return new_context(locale=LOCALES[request.node.callspec.params["lang"]]).new_page()


# What a resident does --------------------------------------------------------------------------


@dataclass
class Booked:
    code: str
    url: str  # the manage page: no secret in it
    link: str  # the private link to save: its token only in the fragment
    when: str  # as the booking page says it


def check_language(page, lang):
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def main(page):
    return page.locator("main")


def click_button(page, lang, name):
    main(page).get_by_role("button", name=tr(lang, name), exact=True).click()


def open_centre_action(page, lang, centre, link):
    page.goto(f"/{lang}/centres/{centre.slug}/")
    check_language(page, lang)
    main(page).locator("p.actions").get_by_role("link", name=tr(lang, link), exact=True).click()


def choose_mode(page, lang, mode):
    page.get_by_label(tr(lang, "Show times for")).select_option(mode)
    page.locator("form.mode-filter").get_by_role("button", name=tr(lang, "Show")).click()
    page.wait_for_url(f"**/book/?mode={mode}")


def a_time(page, slot=0):
    """The nth free time on the second day listed: never one about to start while we type."""
    return main(page).locator("fieldset.slots .slot-list").nth(1).locator("label.slot").nth(slot)


def fill_booking(page, lang, alias, *, phone=""):
    """Choose a time and write a name; returns the time chosen."""
    choice = a_time(page)
    chosen = choice.inner_text().split()[0]
    choice.locator("input[type=radio]").check()
    page.get_by_label(tr(lang, "First name or a made-up name"), exact=True).fill(alias)
    if phone:
        page.get_by_label(tr(lang, "Mobile number for a reminder (optional)")).fill(phone)
    return chosen


def booked(page, lang):
    """On the booking page right after booking: the code and the private link."""
    page.wait_for_url(re.compile(rf".*/{lang}/booking/manage/$"))
    check_language(page, lang)
    code = page.locator("[data-code]").inner_text().strip()
    assert CODE.fullmatch(code), code
    link = page.locator("[data-private-link]").inner_text().strip()
    assert re.fullmatch(rf"http://[^/]+/{lang}/booking/#t=[A-Za-z0-9_-]{{32}}", link), link
    return Booked(code=code, url=page.url, link=link, when=when(page))


def open_private_link(page, lang, link):
    """The saved link: its script posts the fragment and the booking opens, with no secret
    left in the address bar or the history."""
    page.goto(link)
    page.wait_for_url(re.compile(rf".*/{lang}/booking/manage/$"))
    assert "#" not in page.url and link.split("#t=")[1] not in page.url


def when(page):
    return main(page).locator("dl.booking dd").nth(1).inner_text().strip()


def status(page):
    return main(page).locator("[data-status]")


def book_talk(page, lang, centre, alias, *, mode="centre", phone=""):
    open_centre_action(page, lang, centre, "Book a talk")
    page.wait_for_url(f"**/{lang}/centres/{centre.slug}/book/")
    if mode != "centre":
        choose_mode(page, lang, mode)
    chosen = fill_booking(page, lang, alias, phone=phone)
    click_button(page, lang, "Book")
    result = booked(page, lang)
    assert result.when.endswith(chosen), (result.when, chosen)
    return result


def read_answers(page, lang, code):
    """On the answers page: type the code and show what there is."""
    page.get_by_label(tr(lang, "Your code"), exact=True).fill(code)
    with page.expect_navigation():
        click_button(page, lang, "Show")


def send_from_centre(page, lang, centre, link, fill):
    open_centre_action(page, lang, centre, link)
    check_language(page, lang)
    fill(page)
    click_button(page, lang, "Send")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(lang, "Thank you, we got it"))
    check_language(page, lang)
    code = page.locator("[data-code]").inner_text().strip()
    assert CODE.fullmatch(code), code
    return code


def ask_for_a_call(page, lang, centre, alias):
    def fill(page):
        page.get_by_label(tr(lang, "First name or a made-up name"), exact=True).fill(alias)
        page.get_by_label(tr(lang, "Phone number we should call")).fill("070-765 43 21")
        page.get_by_label(tr(lang, "When suits you?")).select_option("morning")

    return send_from_centre(page, lang, centre, "Call me back", fill)


def ask_a_question(page, lang, centre, text):
    def fill(page):
        label = "Your question. Do not write your name or other details about who you are."
        page.get_by_label(tr(lang, label)).fill(text)

    return send_from_centre(page, lang, centre, "Ask a question anonymously", fill)


# What the database says (to find the resident's entry among the staff's lists) ---------


def _appointment(code):
    from django.utils import timezone

    from nara.core.actions.booking import appointment_for_code

    a = appointment_for_code(code)
    return SimpleNamespace(
        pk=a.pk,
        status=a.status,
        date=timezone.localtime(a.slot.starts_at).date().isoformat(),
        slot=a.slot_id,
    )


def _begin_now(code):
    """Move the booking's time to a few minutes ago: staff mark a visit once it has begun."""
    import datetime as dt

    from django.utils import timezone

    from nara.core.actions.booking import appointment_for_code
    from nara.core.models import Slot

    slot = appointment_for_code(code).slot
    starts = timezone.now() - dt.timedelta(minutes=5, microseconds=slot.pk)
    Slot.objects.filter(pk=slot.pk).update(starts_at=starts, ends_at=starts + dt.timedelta(hours=1))


def _question_pk(code):
    from nara.core.actions.booking import question_for_code

    return question_for_code(code).pk


def _rebook_messages(appointment_pk):
    from nara.core.models import Reminder

    reminders = Reminder.objects.filter(appointment_id=appointment_pk, kind="rebook")
    return sorted(reminders.values_list("channel", flat=True))


# Booking, cancelling, moving and finding a booking again ---------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_book_a_talk_then_cancel_it(resident, lang, centre, quick_forms):
    page = resident
    open_centre_action(page, lang, centre, "Book a talk")
    page.wait_for_url(f"**/{lang}/centres/{centre.slug}/book/")
    check_language(page, lang)
    choose_mode(page, lang, "phone")
    chosen = fill_booking(page, lang, NAMES[lang][0], phone="070-123 45 67")
    click_button(page, lang, "Book")

    booking = booked(page, lang)
    assert booking.when.endswith(chosen)
    card = main(page).get_by_role("status")
    expect(card).to_contain_text(tr(lang, "You are booked."))
    dd = main(page).locator("dl.booking dd")
    expect(dd.nth(0)).to_contain_text(centre.neutral_name)
    expect(dd.nth(2)).to_have_text(tr(lang, "by phone"))
    expect(status(page)).to_have_attribute("data-status", "booked")

    click_button(page, lang, "Cancel the booking")
    expect(status(page)).to_have_attribute("data-status", "cancelled_resident")
    expect(status(page)).to_have_text(tr(lang, "cancelled by the resident"))
    check_language(page, lang)
    # The code is shown once, right after booking; now the page offers a new time instead.
    assert page.locator("[data-code]").count() == 0
    expect(main(page).get_by_role("link", name=tr(lang, "Book a new time"))).to_be_visible()
    assert main(page).get_by_role("button", name=tr(lang, "Cancel the booking")).count() == 0
    assert db_call(_appointment, booking.code).status == "cancelled_resident"


@pytest.mark.parametrize("lang", LANGS)
def test_move_a_booking_and_manage_it_with_the_code(
    resident, new_context, lang, centre, quick_forms
):
    page = resident
    first = book_talk(page, lang, centre, NAMES[lang][1], mode="video")
    slot_before = db_call(_appointment, first.code).slot

    main(page).get_by_role("link", name=tr(lang, "Choose another time")).click()
    page.wait_for_url(f"{first.url}rebook/")
    check_language(page, lang)
    choice = a_time(page)  # the booked time is not offered again
    new_time = choice.inner_text().split()[0]
    choice.locator("input[type=radio]").check()
    click_button(page, lang, "Move my booking")
    page.wait_for_url(first.url)
    moved = when(page)
    assert moved != first.when and moved.endswith(new_time), (first.when, moved)
    expect(status(page)).to_have_attribute("data-status", "booked")
    assert db_call(_appointment, first.code).slot != slot_before

    # Later, on another device: only the code, written down.
    other = new_context(locale=LOCALES[lang]).new_page()
    other.goto(f"/{lang}/booking/")
    check_language(other, lang)
    other.get_by_label(tr(lang, "Your code"), exact=True).fill(first.code.lower())
    click_button(other, lang, "Continue")
    other.wait_for_url(re.compile(rf".*/{lang}/booking/manage/$"))
    assert when(other) == moved
    expect(status(other)).to_have_attribute("data-status", "booked")
    assert other.locator("[data-code]").count() == 0

    # The private link still works after the code was used: both last until the visit.
    third = new_context(locale=LOCALES[lang]).new_page()
    open_private_link(third, lang, first.link)
    check_language(third, lang)
    assert when(third) == moved
    expect(status(third)).to_have_attribute("data-status", "booked")

    # A wrong code says so, without telling what exists.
    other.goto(f"/{lang}/booking/")
    other.get_by_label(tr(lang, "Your code"), exact=True).fill("AAAA-BBBB")
    click_button(other, lang, "Continue")
    expect(main(other)).to_contain_text(
        tr(lang, "We found no booking with that code. Check the code.")
    )


# Call me back and anonymous questions, answered by the centre --------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_call_me_back_and_read_the_status(resident, anna, lang, centre, quick_forms):
    page = resident
    alias = NAMES[lang][2]
    code = ask_for_a_call(page, lang, centre, alias)
    main(page).get_by_role("link", name=tr(lang, "Read the answer")).click()
    page.wait_for_url(f"**/{lang}/answers/")
    read_answers(page, lang, code)
    expect(main(page)).to_contain_text(
        tr(lang, "We have not called yet. We will call as soon as we can.")
    )
    check_language(page, lang)

    # Anna sees the request in the centre's calendar, calls, and marks it done.
    anna.goto(f"/staff/centres/{centre.pk}/calendar/")
    anna.locator("main").get_by_role("link", name=alias, exact=True).click()
    anna.wait_for_url("**/staff/callbacks/*/")
    expect(anna.get_by_role("heading", level=1)).to_contain_text(alias)
    expect(anna.locator("main a[href^='tel:']")).to_contain_text("765")
    anna.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Mark as called")).click()
    anna.wait_for_url(f"**/staff/centres/{centre.pk}/calendar/")
    expect(anna.locator(".messages")).to_have_text(tr(STAFF_LANG, "Marked as called."))
    assert anna.locator("main").get_by_role("link", name=alias, exact=True).count() == 0

    page.goto(f"/{lang}/answers/")
    read_answers(page, lang, code)
    expect(main(page).locator("[data-answer]")).to_have_text(tr(lang, "We have called you."))


@pytest.mark.parametrize("lang", LANGS)
def test_anonymous_question_is_answered_by_staff(resident, anna, lang, centre, quick_forms):
    page = resident
    question = QUESTIONS[lang]
    code = ask_a_question(page, lang, centre, question)

    answer = f"Välkommen till budgetrådgivningen på tisdagar ({lang})."
    anna.goto(f"/staff/centres/{centre.pk}/calendar/")
    pk = db_call(_question_pk, code)
    anna.locator(f"main a[href='/staff/questions/{pk}/']").click()
    anna.wait_for_url(f"**/staff/questions/{pk}/")
    expect(anna.locator("blockquote[data-question]")).to_have_text(question)
    anna.get_by_label(tr(STAFF_LANG, "Answer")).fill(answer)
    anna.locator("main").get_by_role("button", name=tr(STAFF_LANG, "Send answer")).click()
    anna.wait_for_url(f"**/staff/centres/{centre.pk}/calendar/")
    expect(anna.locator(".messages")).to_have_text(
        tr(STAFF_LANG, "Answered. The resident reads it with their code.")
    )
    assert anna.locator(f"main a[href='/staff/questions/{pk}/']").count() == 0

    # The resident comes back with the code.
    main(page).get_by_role("link", name=tr(lang, "Read the answer")).click()
    page.wait_for_url(f"**/{lang}/answers/")
    read_answers(page, lang, code)
    check_language(page, lang)
    expect(main(page).locator("section.card p").first).to_have_text(question)
    expect(main(page).locator("[data-answer]")).to_have_text(answer)


# The centre's calendar -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_staff_mark_visits_and_offer_a_new_time(resident, anna, lang, centre, quick_forms):
    came_alias, missed_alias = NAMES[lang][3], NAMES[lang][4]
    came = book_talk(resident, lang, centre, came_alias)
    missed = book_talk(resident, lang, centre, missed_alias, phone="070-111 22 33")
    db_call(_begin_now, came.code), db_call(_begin_now, missed.code)  # marked once begun
    came_row, missed_row = db_call(_appointment, came.code), db_call(_appointment, missed.code)

    def row(appointment):
        anna.goto(f"/staff/centres/{centre.pk}/calendar/?date={appointment.date}")
        return anna.locator(f"main tr[data-appointment='{appointment.pk}']")

    line = row(came_row)
    expect(line).to_contain_text(came_alias)
    line.get_by_role("button", name=tr(STAFF_LANG, "Came")).click()
    expect(anna.locator(".messages")).to_have_text(tr(STAFF_LANG, "Saved."))
    expect(line.locator("td").nth(4)).to_contain_text(tr(STAFF_LANG, "attended"))
    assert line.get_by_role("button").count() == 0

    line = row(missed_row)
    expect(line).to_contain_text(missed_alias)
    line.get_by_role("button", name=tr(STAFF_LANG, "Did not come")).click()
    expect(anna.locator(".messages")).to_have_text(tr(STAFF_LANG, "Saved."))
    expect(line.locator("td").nth(4)).to_contain_text(tr(STAFF_LANG, "did not come"))
    # A follow-up task for the missed visit.
    expect(anna.locator("main ul").last).to_contain_text(
        tr(STAFF_LANG, "Follow up missed visit on %(date)s", date=missed_row.date)
    )
    line.get_by_role("button", name=tr(STAFF_LANG, "Send 'book a new time'")).click()
    expect(anna.locator(".messages")).to_have_text(
        tr(STAFF_LANG, "A neutral message about booking a new time is on its way.")
    )
    assert db_call(_rebook_messages, missed_row.pk) == ["sms"]
    expect(line.locator("[data-nudge-sent]")).to_be_disabled()  # sent once, shown as sent
    expect(line.get_by_role("link", name=tr(STAFF_LANG, "Correct"))).to_be_visible()

    # What the resident's page says now.
    open_private_link(resident, lang, missed.link)
    expect(status(resident)).to_have_attribute("data-status", "no_show")
    open_private_link(resident, lang, came.link)
    expect(status(resident)).to_have_attribute("data-status", "attended")


# Without JavaScript ---------------------------------------------------------------------------


def test_booking_without_javascript(new_context, centre):
    """No script, and the two-second bot check left on: the resident just takes their time."""
    page = new_context(java_script_enabled=False, locale="sv-SE").new_page()
    open_centre_action(page, "sv", centre, "Book a talk")
    page.wait_for_url(f"**/sv/centres/{centre.slug}/book/")
    choose_mode(page, "sv", "video")  # the "Show" button reloads the list: no script needed
    shown = time.monotonic()
    chosen = fill_booking(page, "sv", "Astrid")
    page.wait_for_timeout(max(0, 2100 - (time.monotonic() - shown) * 1000))
    click_button(page, "sv", "Book")
    booking = booked(page, "sv")
    assert booking.when.endswith(chosen)
    expect(main(page).locator("dl.booking dd").nth(2)).to_have_text(tr("sv", "video call"))
    click_button(page, "sv", "Cancel the booking")
    expect(status(page)).to_have_attribute("data-status", "cancelled_resident")


# Accessibility of every booking page and state ---------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_booking_pages_have_no_axe_violations(new_context, lang, centre, quick_forms):
    page = axe_context(new_context, locale=lang).new_page()
    found, seen = [], []

    def check(label):
        check_language(page, lang)
        seen.append(label)
        found.extend(accessibility_problems(page, label))

    page.goto(f"/{lang}/centres/{centre.slug}/book/")
    check("book")
    click_button(page, lang, "Book")  # nothing chosen, nothing written
    page.get_by_role("alert").first.wait_for()
    check("book: errors")
    fill_booking(page, lang, "Maja", phone="070-222 33 44")
    click_button(page, lang, "Book")
    booking = booked(page, lang)
    check("confirmation")
    main(page).get_by_role("link", name=tr(lang, "Choose another time")).click()
    page.wait_for_url("**/rebook/")
    check("rebook")
    a_time(page).locator("input").check()
    click_button(page, lang, "Move my booking")
    page.wait_for_url(booking.url)
    check("manage")
    click_button(page, lang, "Cancel the booking")
    expect(status(page)).to_have_attribute("data-status", "cancelled_resident")
    check("manage: cancelled")
    page.goto(booking.link + "x")  # a mistyped private link
    page.get_by_role("heading", name=tr(lang, "We could not find that booking")).wait_for()
    check("booking not found")

    page.goto(f"/{lang}/booking/")
    check("code")
    page.get_by_label(tr(lang, "Your code"), exact=True).fill("AAAA-BBBB")
    click_button(page, lang, "Continue")
    page.locator("main .field.has-error").wait_for()
    check("code: not found")

    page.goto(f"/{lang}/centres/{centre.slug}/call-me/")
    check("call me back")
    click_button(page, lang, "Send")
    page.get_by_role("alert").first.wait_for()
    check("call me back: errors")
    code = ask_for_a_call(page, lang, centre, "Maja")
    check("sent: call me back")

    page.goto(f"/{lang}/centres/{centre.slug}/ask/")
    check("question")
    code_q = ask_a_question(page, lang, centre, QUESTIONS[lang])
    check("sent: question")

    page.goto(f"/{lang}/answers/")
    check("answers")
    read_answers(page, lang, code)
    check("answers: call status")
    read_answers(page, lang, code_q)
    check("answers: question")
    assert len(seen) == 17
    assert not found, f"axe-core ({', '.join(AXE_TAGS)}) and ARIA in {lang}:\n" + "\n\n".join(found)
