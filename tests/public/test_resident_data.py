"""What residents are told about their data is what the code does; codes survive RTL."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from nara.core.actions import booking
from nara.core.models import AnonymousQuestion, Appointment, AuditEvent, CallbackRequest, Center
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


def kept_sentence(client, url):
    html = client.get(url).content.decode()
    return re.search(r"<p class=\"hint\" data-kept>(.*?)</p>", html, re.S).group(1)


def test_resident_events_never_record_the_client_address(centre):
    resident = Client(REMOTE_ADDR="198.51.100.23")
    slot = free_slots(centre)[0]
    book_url = f"/sv/centres/{centre.slug}/book/"
    fields = {"slot": slot.pk, "mode": slot.modes[0], "alias": "Lina", "language": "sv"}
    assert (
        resident.post(book_url, {**fields, "shown": form_token(resident, book_url)}).status_code
        == 302
    )
    resident.post("/sv/booking/manage/cancel/")
    ask_url = f"/sv/centres/{centre.slug}/ask/"
    resident.post(ask_url, {"shown": form_token(resident, ask_url), "question": "Vem hjälper?"})
    call_url = f"/sv/centres/{centre.slug}/call-me/"
    resident.post(
        call_url,
        {"shown": form_token(resident, call_url), "alias": "Sam", "phone": "070-123 45 67",
         "when": "morning"},
    )  # fmt: skip
    resident.post("/sv/feedback/", {"helpful": "yes", "path": "/sv/"})
    actions = {"appointment.book", "appointment.status", "question.ask", "callback.request",
               "feedback.submit"}  # fmt: skip
    events = AuditEvent.objects.filter(action__in=actions)
    assert list(events.exclude(client_address=None).values_list("client_address", flat=True)) == []
    assert set(events.values_list("action", flat=True)) == actions
    assert "198.51.100" not in str(list(AuditEvent.objects.values()))


def test_booking_retention_sentence_is_what_the_purge_does(centre, settings):
    settings.NARA_BOOKING_RETENTION_DAYS = 7
    sentence = kept_sentence(Client(), f"/en/centres/{centre.slug}/book/")
    days = int(re.search(r"until (\d+) days after the visit", sentence).group(1))
    assert days == 7
    assert "7 dagar efter besöket" in kept_sentence(Client(), f"/sv/centres/{centre.slug}/book/")
    early, due = free_slots(centre)[:2]
    made = {}
    for slot in (early, due):
        appointment, _t, _c = booking.do_book(
            slot_id=slot.pk, mode=slot.modes[0], alias="Lina", language="sv",
            phone="+46701234567", email="lina@example.org",
        )  # fmt: skip
        made[slot.pk] = appointment
    now = timezone.now()
    for slot, age in (
        (early, dt.timedelta(days=days, hours=-1)),
        (due, dt.timedelta(days=days, hours=1)),
    ):
        slot.starts_at, slot.ends_at = now - age - dt.timedelta(hours=1), now - age
        slot.save(update_fields=["starts_at", "ends_at"])
    call_command("purge")
    kept, gone = (Appointment.objects.get(pk=made[s.pk].pk) for s in (early, due))
    assert (kept.alias, bool(kept.phone_encrypted), bool(kept.email_encrypted)) == (
        "Lina",
        True,
        True,
    )
    assert (gone.alias, gone.phone_encrypted, gone.email_encrypted, gone.topic) == ("–", "", "", "")


def test_question_and_callback_retention_sentences_are_what_the_purge_does(centre, settings):
    settings.NARA_QUESTION_RETENTION_DAYS = 11
    settings.NARA_BOOKING_RETENTION_DAYS = 5
    q_days = int(
        re.search(r"for (\d+) days from the day you ask",
                  kept_sentence(Client(), f"/en/centres/{centre.slug}/ask/")).group(1)
    )  # fmt: skip
    c_days = int(
        re.search(r"until (\d+) days after we have called you",
                  kept_sentence(Client(), f"/en/centres/{centre.slug}/call-me/")).group(1)
    )  # fmt: skip
    assert (q_days, c_days) == (11, 5)
    now = timezone.now()
    young, old = (
        booking.do_ask_question(center=centre, question=f"Fråga {n}", language="sv")[0]
        for n in (1, 2)
    )
    AnonymousQuestion.objects.filter(pk=young.pk).update(
        created_at=now - dt.timedelta(days=q_days, hours=-1)
    )
    AnonymousQuestion.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(days=q_days, hours=1)
    )
    waiting, called = (
        booking.do_request_callback(center=centre, alias="Sam", phone="+46701234567",
                                    language="sv", when="morning")[0]
        for _ in range(2)
    )  # fmt: skip
    CallbackRequest.objects.filter(pk=called.pk).update(
        handled_at=now - dt.timedelta(days=c_days, hours=1)
    )
    call_command("purge")
    assert list(AnonymousQuestion.objects.values_list("pk", flat=True)) == [young.pk]
    assert list(CallbackRequest.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_a_code_typed_with_its_halves_swapped_is_accepted(centre):
    slot = free_slots(centre)[0]
    _appointment, _token, code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Lina", language="ar"
    )
    first, second = code.split("-")
    resident = Client()
    token = form_token(resident, "/ar/booking/")
    answer = resident.post("/ar/booking/", {"shown": token, "code": f"{second}-{first}"})
    assert answer.status_code == 302 and answer.url == "/ar/booking/manage/"
    _asked, question_code = booking.do_ask_question(center=centre, question="Hej?", language="fa")
    first, second = question_code.split("-")
    token = form_token(resident, "/fa/answers/")
    page = resident.post("/fa/answers/", {"shown": token, "code": f"{second} {first}"})
    assert page.status_code == 200 and "Hej?" in page.content.decode()
