"""Marking visits: not before they begin, corrected with a reason, and the no-show figures,
the follow-up task and the "book a new time" message follow."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from nara.core.actions import booking
from nara.core.models import AuditEvent, FollowUpTask, Reminder
from nara.core.queries import free_slots
from nara.lib.dates import next_working_day
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db


def book(slot, alias="Lina", **contact):
    appointment, _token, _code = booking.do_book(
        slot_id=slot.pk, mode="centre", alias=alias, language="ar", **contact
    )
    return appointment


def mark(client, appointment, status):
    url = f"/staff/appointments/{appointment.pk}/status/"
    return client.post(url, {"status": status}, follow=True).content.decode()


def rate(client):
    html = client.get("/staff/no-shows/").content.decode()
    return re.findall(r"data-rate>([^<]*)<", html)


def test_a_visit_cannot_be_marked_before_it_begins(as_worker, centres):
    visit = book(free_slots(centres[0])[0])
    page = mark(as_worker, visit, "no_show")
    assert "Ett besök kan markeras först när det har börjat." in page
    visit.refresh_from_db()
    assert visit.status == "booked"
    assert not FollowUpTask.objects.filter(appointment=visit).exists()
    row = re.search(rf'data-appointment="{visit.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Uteblev</button>" not in row and "Kom</button>" not in row
    # The centre may still cancel a future visit.
    assert "avbokad av centret" in mark(as_worker, visit, "cancelled_centre").lower()


def test_a_mistaken_mark_is_corrected_with_a_reason_and_the_rate_follows(centres):
    first, second = free_slots(centres[0])[:2]
    came, missed = book(first, "Lina"), book(second, "Sara")
    with time_machine.travel(second.ends_at, tick=False):
        worker, manager = signed_in(user("anna")), signed_in(user("maria"))
        mark(worker, came, "attended")
        mark(worker, missed, "attended")  # a slip: Sara never came
        assert rate(manager) == ["0 %"]

        page = mark(worker, missed, "no_show")  # the buttons are gone; a second mark is refused
        assert "Besöket är redan markerat." in page
        assert f"/staff/appointments/{missed.pk}/correct/" in page

        url = f"/staff/appointments/{missed.pk}/correct/"
        refused = worker.post(url, {"status": "no_show", "reason": ""})
        assert refused.status_code == 400
        missed.refresh_from_db()
        assert missed.status == "attended"

        done = worker.post(url, {"status": "no_show", "reason": "Fel rad i listan"})
        assert done.status_code == 302
        missed.refresh_from_db()
        assert missed.status == "no_show"
        assert rate(manager) == ["50 %"]
        event = AuditEvent.objects.get(action="appointment.correct")
        assert event.reason == "Fel rad i listan"
        assert event.changes["status"] == ["attended", "no_show"]
        assert missed.tasks.filter(done_at__isnull=True).count() == 1

        worker.post(url, {"status": "attended", "reason": "Hon kom ändå, sent"})
        assert rate(manager) == ["0 %"]
        assert not missed.tasks.filter(done_at__isnull=True).exists()


def test_the_follow_up_task_names_the_visit_links_to_it_and_falls_due_on_a_weekday(centres):
    slot = free_slots(centres[0])[0]
    visit = book(slot)
    day = timezone.localtime(slot.starts_at).date()
    friday = day + dt.timedelta(days=(4 - day.weekday()) % 7)
    zone = timezone.get_current_timezone()
    with time_machine.travel(dt.datetime.combine(friday, dt.time(16), tzinfo=zone), tick=False):
        worker = signed_in(user("anna"))
        page = mark(worker, visit, "no_show")
    task = FollowUpTask.objects.get(appointment=visit)
    assert task.due == friday + dt.timedelta(days=3)  # Monday, not Saturday
    assert task.title == f"Följ upp uteblivet besök {day.isoformat()}"
    assert f'#appointment-{visit.pk}">{task.title}</a>' in page
    assert f'id="appointment-{visit.pk}"' in page


def test_next_working_day_skips_the_weekend():
    friday, saturday = dt.date(2026, 12, 4), dt.date(2026, 12, 5)
    assert next_working_day(friday) == dt.date(2026, 12, 7)
    assert next_working_day(saturday) == dt.date(2026, 12, 7)
    assert next_working_day(dt.date(2026, 12, 7)) == dt.date(2026, 12, 8)


def test_book_a_new_time_is_sent_once_and_then_shows_when(centres):
    slot = free_slots(centres[0])[0]
    visit = book(slot, phone="+46701234567", email="lina@example.org")
    with time_machine.travel(slot.ends_at, tick=False):
        worker = signed_in(user("anna"))
        mark(worker, visit, "no_show")
        nudge = f"/staff/appointments/{visit.pk}/nudge/"
        worker.post(nudge)
        page = worker.post(nudge, follow=True).content.decode()
    assert "Meddelandet om att boka en ny tid är redan skickat." in page
    assert Reminder.objects.filter(appointment=visit, kind="rebook").count() == 2  # sms+e-mail
    row = re.search(rf'data-appointment="{visit.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "data-nudge-sent" in row and "disabled" in row
    assert nudge not in row
    assert AuditEvent.objects.filter(action="appointment.rebook_nudge").count() == 1
