"""A resident books, cancels and rebooks; asks to be called; asks anonymously."""

import re

import pytest
import time_machine
from django.test import Client

from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    AuditEvent,
    CallbackRequest,
    Center,
    Reminder,
    Slot,
)
from nara.core.queries import free_slots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_form_timer(settings):
    settings.NARA_SKIP_FORM_TIMER = True


@pytest.fixture
def centre(demo):
    return Center.objects.filter(kind="centre").first()


def form_token(client, url):
    html = client.get(url).content.decode()
    return re.search(r'name="shown" value="([^"]+)"', html).group(1)


def book(client, centre, chosen, **extra):
    url = f"/sv/centres/{centre.slug}/book/"
    data = {
        "shown": form_token(client, url),
        "slot": chosen.pk,
        "mode": "centre",
        "alias": "Lina",
        "phone": "070-123 45 67",
        "email": "",
        "language": "ar",
        "interpreter": "",
        "topic": "",
        **extra,
    }
    return client.post(url, data)


def test_booking_with_minimal_data_gives_a_code_and_a_private_link(centre, resident):
    slot = free_slots(centre)[0]
    code, _link = booked_page(resident, book(resident, centre, slot))
    appointment = Appointment.objects.get(slot=slot)
    assert appointment.alias == "Lina" and appointment.language == "ar"
    assert "+46701234567" not in str(Appointment.objects.values().get())  # encrypted at rest
    assert Reminder.objects.filter(appointment=appointment, channel="sms").exists()
    assert code not in str(AuditEvent.objects.filter(action="appointment.book").values())
    assert slot not in free_slots(centre)


def test_the_same_time_cannot_be_booked_twice(centre, resident):
    slot = free_slots(centre)[0]
    book(resident, centre, slot)
    second = book(Client(), centre, slot, alias="Sam")
    assert second.status_code == 409
    assert "just taken" in second.content.decode() or "precis" in second.content.decode()
    assert Appointment.objects.filter(slot=slot).count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"alias": ""}, "alias"),
        ({"alias": "19121212"}, "alias"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"slot": ""}, "slot"),
        ({"mode": "teleport"}, "mode"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_booked(centre, resident, changes, field):
    answer = book(resident, centre, free_slots(centre)[0], **changes)
    assert answer.status_code == 400
    assert f'id="id_{field}_error"' in answer.content.decode() or field == "mode"
    assert Appointment.objects.count() == 0


def test_bots_are_stopped_by_the_honeypot_and_the_timer(centre, resident, settings):
    assert book(resident, centre, free_slots(centre)[0], website="http://spam").status_code == 400
    settings.NARA_SKIP_FORM_TIMER = False
    assert book(resident, centre, free_slots(centre)[0]).status_code == 400
    assert Appointment.objects.count() == 0


def test_bookings_are_rate_limited(centre, resident, settings):
    settings.NARA_BOOKINGS_PER_HOUR = 2
    slots = free_slots(centre)
    results = [book(resident, centre, slots[i], alias=f"N{'a' * i}").status_code for i in range(3)]
    assert results == [302, 302, 400]
    assert Appointment.objects.count() == 2


def booked_page(resident, answer):
    assert answer.status_code == 302 and answer.url == "/sv/booking/manage/"
    page = resident.get(answer.url).content.decode()
    code = re.search(r"data-code>([A-Z0-9-]+)<", page).group(1)
    link = re.search(r"data-private-link[^>]*>([^<]+)<", page).group(1)
    return code, link


def open_private_link(client, link):
    """What the page's script does with a link /sv/booking/#t=TOKEN: post the fragment."""
    path, token = link.split("#t=")
    assert path.endswith("/sv/booking/")
    return client.post("/sv/booking/", {"token": token})


def enter_code(client, code):
    token = form_token(client, "/sv/booking/")
    return client.post("/sv/booking/", {"shown": token, "code": code})


def test_the_private_link_keeps_its_secret_out_of_every_url(centre, resident):
    answer = book(resident, centre, free_slots(centre)[0])
    code, link = booked_page(resident, answer)
    token = link.split("#t=")[1]
    assert len(token) >= 32 and "/booking/" + token not in link  # only in the fragment
    other = Client()
    opened = open_private_link(other, link)
    assert opened.status_code == 302 and opened.url == "/sv/booking/manage/"
    page = other.get(opened.url).content.decode()
    assert token not in page and code not in page  # shown once, to the device that booked
    assert 'data-status="booked"' in page


def test_cancel_and_rebook_with_the_link_and_with_the_code(centre, resident):
    first, second, third = free_slots(centre)[:3]
    code, link = booked_page(resident, book(resident, centre, first))
    assert resident.post("/sv/booking/manage/rebook/", {"slot": second.pk}).status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.slot == second and first in free_slots(centre)
    # Later, on another phone, with only the code:
    other = Client()
    assert enter_code(other, code.lower().replace("-", " ")).url == "/sv/booking/manage/"
    # The private link still works after the code was used (and the code after the link).
    third_phone = Client()
    assert open_private_link(third_phone, link).url == "/sv/booking/manage/"
    assert 'data-status="booked"' in third_phone.get("/sv/booking/manage/").content.decode()
    other.post("/sv/booking/manage/cancel/")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled_resident"
    assert not appointment.reminders.filter(status="pending").exists()
    assert second in free_slots(centre) and third in free_slots(centre)
    again = third_phone.get("/sv/booking/manage/").content.decode()
    assert 'data-status="cancelled_resident"' in again


def test_the_code_never_travels_in_a_cookie_or_a_message(centre, resident):
    answer = book(resident, centre, free_slots(centre)[0])
    shown = resident.get(answer.url)
    code = re.search(r"data-code>([A-Z0-9-]+)<", shown.content.decode()).group(1)
    cookies = [c.value for r in (answer, shown) for c in r.cookies.values()]
    cookies += [c.value for c in resident.cookies.values()]
    assert "messages" not in resident.cookies
    assert not [c for c in cookies if code in c or code.replace("-", "") in c]
    assert code not in str(list(shown.context["messages"]))


def test_a_device_without_the_link_or_code_cannot_manage(centre, resident):
    book(resident, centre, free_slots(centre)[0])
    stranger = Client()
    assert stranger.get("/sv/booking/manage/").url == "/sv/booking/"
    assert stranger.post("/sv/booking/manage/cancel/").url == "/sv/booking/"
    assert Appointment.objects.get().status == "booked"


def test_unknown_code_and_link(demo, resident):
    page = enter_code(resident, "ABCD-EFGH")
    assert page.status_code == 404 and 'id="id_code_error"' in page.content.decode()
    assert resident.post("/sv/booking/", {"token": "not-a-token"}).status_code == 404
    # Links of the old form (token in the path) are never looked up, only sent to the code.
    assert resident.get("/sv/booking/not-a-token/").url == "/sv/booking/"


def test_call_me_back_and_staff_mark_it(centre, resident):
    url = f"/sv/centres/{centre.slug}/call-me/"
    page = resident.post(
        url,
        {
            "shown": form_token(resident, url),
            "alias": "Sam",
            "phone": "0701234567",
            "when": "morning",
        },
    )
    code = re.search(r"data-code>([A-Z0-9-]+)<", page.content.decode()).group(1)
    callback = CallbackRequest.objects.get()
    assert "0701234567" not in callback.phone_encrypted
    answers = resident.post(
        "/sv/answers/", {"shown": form_token(resident, "/sv/answers/"), "code": code}
    )
    assert answers.status_code == 200 and "data-answer" not in answers.content.decode()
    bad = resident.post(
        url, {"shown": form_token(resident, url), "alias": "Sam", "phone": "1", "when": "morning"}
    )
    assert bad.status_code == 400 and CallbackRequest.objects.count() == 1


def test_anonymous_question_answered_by_staff(centre, resident):
    from tests.workspace.conftest import signed_in, user

    url = f"/sv/centres/{centre.slug}/ask/"
    page = resident.post(
        url, {"shown": form_token(resident, url), "question": "Min son skolkar, vad kan jag göra?"}
    )
    code = re.search(r"data-code>([A-Z0-9-]+)<", page.content.decode()).group(1)
    asked = AnonymousQuestion.objects.get()
    assert "skolkar" not in asked.question_encrypted
    worker = signed_in(user("anna"))
    assert "skolkar" in worker.get(f"/staff/questions/{asked.pk}/").content.decode()
    worker.post(f"/staff/questions/{asked.pk}/", {"answer": "Välkommen på öppet hus."})
    read = resident.post(
        "/sv/answers/", {"shown": form_token(resident, "/sv/answers/"), "code": code}
    ).content.decode()
    assert "Välkommen på öppet hus." in read


def test_staff_mark_no_show_follow_up_and_see_the_rate(centre, resident):
    from tests.workspace.conftest import signed_in, user

    slots = free_slots(centre)[:2]
    for index, slot in enumerate(slots):
        book(resident, centre, slot, alias=f"Res{'i' * index}")
    came, missed = Appointment.objects.order_by("slot__starts_at")
    with time_machine.travel(missed.slot.ends_at, tick=False):  # visits are marked once begun
        worker = signed_in(user("anna"))
        worker.post(f"/staff/appointments/{came.pk}/status/", {"status": "attended"})
        worker.post(f"/staff/appointments/{missed.pk}/status/", {"status": "no_show"})
        assert missed.tasks.count() == 1
        worker.post(f"/staff/appointments/{missed.pk}/nudge/")
        assert missed.reminders.filter(kind="rebook").count() == 1
        calendar = worker.get(
            f"/staff/centres/{centre.pk}/calendar/?view=week&date={came.slot.starts_at.date()}"
        ).content.decode()
        assert "Res" in calendar
        rate = signed_in(user("maria")).get("/staff/no-shows/").content.decode()
    assert re.search(r"data-rate>50 %", rate)


def test_staff_enter_a_booking_taken_by_phone(centre):
    from tests.workspace.conftest import signed_in, user

    worker = signed_in(user("anna"))
    slot = free_slots(centre)[0]
    answer = worker.post(
        f"/staff/centres/{centre.pk}/book/",
        {"slot": slot.pk, "mode": "phone", "alias": "Ahmed", "phone": "", "language": "ar"},
    )
    assert answer.status_code == 302
    assert Appointment.objects.get(slot=slot).booked_by_staff


def test_slot_rules_skip_closed_days(centre):
    closed = set(centre.exceptions.filter(closed=True).values_list("date", flat=True))
    assert all(s.starts_at.date() not in closed for s in Slot.objects.filter(center=centre))


def test_interpreter_choice_offers_only_languages_some_free_time_has(centre, resident):
    offered = {code for slot in free_slots(centre) for code in slot.interpreter_languages}
    assert offered and offered != {"ar", "so", "fa", "ti", "en"}
    html = resident.get(f"/sv/centres/{centre.slug}/book/").content.decode()
    select = re.search(r'<select name="interpreter".*?</select>', html, re.S).group(0)
    shown = set(re.findall(r'<option value="(\w+)"', select))
    assert shown == offered
    answer = book(
        resident, centre, free_slots(centre)[0], interpreter="ti" if "ti" not in offered else "fa"
    )
    assert answer.status_code == 400
    assert not Appointment.objects.exists()


def test_pages_that_show_a_booking_or_an_answer_are_never_stored(centre, resident):
    """On a shared device, Back or the browser's cache must not show someone else's booking."""
    book(resident, centre, free_slots(centre)[0])
    for path in (
        "/sv/booking/manage/",
        "/sv/booking/manage/rebook/",
        "/sv/booking/",
        "/sv/answers/",
    ):
        response = resident.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
