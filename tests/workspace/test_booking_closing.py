"""Closing a day with bookings: a preview first, then the day's times are withdrawn and each
booking is moved or cancelled, with a neutral message to the resident in their language."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from nara.core import reminders
from nara.core.actions import booking
from nara.core.models import Appointment, AuditEvent, Reminder, ScheduleException, Slot
from nara.core.queries import free_slots

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(centres):
    """A day at least two days ahead with at least four free times at the first centre."""
    centre = centres[0]
    by_day = {}
    for slot in free_slots(centre, days=42):
        local = timezone.localtime(slot.starts_at).date()
        if local > timezone.localdate() + dt.timedelta(days=1):
            by_day.setdefault(local, []).append(slot)
    date = min(d for d, slots in by_day.items() if len(slots) >= 4)
    return centre, date, by_day[date]


def book(slot, alias, language, **contact):
    appointment, _token, _code = booking.do_book(
        slot_id=slot.pk, mode="centre", alias=alias, language=language, **contact
    )
    return appointment


def close(client, centre, date, **extra):
    data = {"date": date.isoformat(), "closed": "on", "reason_0": "Flytt", **extra}
    return client.post(f"/staff/centres/{centre.pk}/exceptions/new/", data)


def test_closing_a_day_shows_what_it_touches_and_saves_nothing_yet(as_manager, day):
    centre, date, slots = day
    lina = book(slots[0], "Lina", "ar", phone="+46701234567")
    page = close(as_manager, centre, date)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lina" in html and f'name="visit_{lina.pk}"' in html
    withdrawn = re.search(r"<ul data-withdrawn>(.*?)</ul>", html, re.S).group(1)
    assert withdrawn.count("<li>") == len(slots) - 1
    assert "Stäng dagen" in html  # the confirmation button, in Swedish
    assert not ScheduleException.objects.filter(center=centre, date=date).exists()
    assert not Slot.objects.filter(pk__in=[s.pk for s in slots], is_withdrawn=True).exists()
    assert Appointment.objects.get(pk=lina.pk).status == "booked"


def test_confirming_moves_and_cancels_bookings_withdraws_times_and_tells_residents(
    as_manager, day, resident
):
    centre, date, slots = day
    lina = book(slots[0], "Lina", "ar", phone="+46701234567")
    omar = book(slots[1], "Omar", "so", email="omar@example.org")
    preview = close(as_manager, centre, date)
    new_time = preview.context["decisions"].fields[f"visit_{omar.pk}"].choices[1][0]
    answer = close(
        as_manager,
        centre,
        date,
        confirm="1",
        **{f"visit_{lina.pk}": "cancel", f"visit_{omar.pk}": new_time},
    )
    assert answer.status_code == 302

    assert ScheduleException.objects.filter(center=centre, date=date, closed=True).exists()
    assert all(s.is_withdrawn for s in Slot.objects.filter(pk__in=[s.pk for s in slots]))
    lina.refresh_from_db(), omar.refresh_from_db()
    assert lina.status == "cancelled_centre"
    assert omar.status == "booked" and omar.slot_id == int(new_time)
    # The day's reminders are off; the moved visit is reminded at its new time.
    assert not lina.reminders.filter(kind="reminder", status="pending").exists()
    pending = omar.reminders.filter(kind="reminder", status="pending")
    assert {omar.slot.starts_at - r.send_at for r in pending} == {
        dt.timedelta(hours=h) for h in settings.NARA_REMINDER_HOURS_BEFORE
    }

    told_lina = lina.reminders.get(kind="centre_cancelled")
    told_omar = omar.reminders.get(kind="moved")
    assert (told_lina.channel, told_omar.channel) == ("sms", "email")
    cancelled_text = reminders.compose(told_lina, lina)
    moved_text = reminders.compose(told_omar, omar)
    assert "نأسف" in cancelled_text.body  # Arabic, the language Lina booked in
    assert "waa la beddelay" in moved_text.subject.lower()  # Somali, Omar's language
    when = timezone.localtime(omar.slot.starts_at).strftime("%H:%M")
    assert when in moved_text.body
    for text in (cancelled_text, moved_text):
        words = f"{text.subject} {text.body}".lower()
        assert not [w for w in reminders.FORBIDDEN_WORDS if w in words]
        assert "lina" not in words and "omar" not in words and centre.name.lower() not in words
    event = AuditEvent.objects.get(action="exception.close_day")
    assert (event.changes["moved"], event.changes["cancelled"]) == (1, 1)

    # Residents can no longer book that day.
    assert all(timezone.localtime(s.starts_at).date() != date for s in free_slots(centre, 42))
    with pytest.raises(booking.BookingError):
        booking.do_book(slot_id=slots[2].pk, mode="centre", alias="Sara", language="sv")


def test_a_booking_made_after_the_preview_is_not_lost(as_manager, day):
    centre, date, slots = day
    lina = book(slots[0], "Lina", "sv")
    close(as_manager, centre, date)
    late = book(slots[1], "Sara", "sv")  # booked while the manager reads the preview
    page = close(as_manager, centre, date, confirm="1", **{f"visit_{lina.pk}": "cancel"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Sara" in html and "Välj vad som händer med besöket." in html
    assert not ScheduleException.objects.filter(center=centre, date=date).exists()
    assert Appointment.objects.get(pk=late.pk).status == "booked"
    assert Appointment.objects.get(pk=lina.pk).status == "booked"


def test_a_bad_choice_is_refused_and_changes_nothing(as_manager, day):
    centre, date, slots = day
    lina = book(slots[0], "Lina", "sv")
    same_day = slots[1].pk  # not offered: it is on the day being closed
    page = close(as_manager, centre, date, confirm="1", **{f"visit_{lina.pk}": str(same_day)})
    assert page.status_code == 400
    assert not ScheduleException.objects.filter(center=centre, date=date).exists()
    assert Appointment.objects.get(pk=lina.pk).slot_id == slots[0].pk
    assert not Reminder.objects.filter(kind__in=["moved", "centre_cancelled"]).exists()


def test_the_public_booking_form_refuses_a_time_on_a_closed_day(as_manager, day, settings):
    settings.NARA_SKIP_FORM_TIMER = True
    centre, date, slots = day
    assert close(as_manager, centre, date, confirm="1").status_code == 302
    resident = Client()
    url = f"/sv/centres/{centre.slug}/book/"
    html = resident.get(url).content.decode()
    assert f'value="{slots[0].pk}"' not in html
    shown = re.search(r'name="shown" value="([^"]+)"', html).group(1)
    data = {
        "shown": shown,
        "slot": slots[0].pk,
        "mode": "centre",
        "alias": "Lina",
        "language": "sv",
        "interpreter": "",
        "topic": "",
    }
    assert resident.post(url, data).status_code == 400
    assert not Appointment.objects.filter(slot=slots[0]).exists()


def test_a_booking_racing_with_the_confirmation_stops_the_closure(demo, day):
    from nara.core.actions import closing

    centre, date, slots = day
    lina = book(slots[0], "Lina", "sv")
    with pytest.raises(closing.ClosingChanged):
        closing.do_close_day(
            actor="test", centre=centre, fields={"date": date, "closed": True}, decisions={}
        )
    assert not ScheduleException.objects.filter(center=centre, date=date).exists()
    assert Appointment.objects.get(pk=lina.pk).status == "booked"


@pytest.mark.parametrize("language", ["sv", "ar", "so", "fa", "ti"])
def test_closure_messages_are_in_the_residents_language(day, language):
    centre, _date, slots = day
    visit = book(slots[0], "Lina", language, phone="+46701234567")
    for kind in ("centre_cancelled", "moved"):
        message = Reminder(appointment=visit, kind=kind, channel="sms", idempotency_key="k")
        text = reminders.compose(message, visit)
        visit.language = "en"
        english = reminders.compose(message, visit)
        visit.language = language
        assert text.subject != english.subject and text.body != english.body, (language, kind)
        plain = Reminder(appointment=visit, kind="reminder", channel="sms", idempotency_key="k")
        assert text.subject != reminders.compose(plain, visit).subject, (language, kind)


def test_reopening_a_closed_day_brings_its_free_times_back(as_manager, day):
    centre, date, slots = day
    lina = book(slots[0], "Lina", "sv")
    close(as_manager, centre, date, confirm="1", **{f"visit_{lina.pk}": "cancel"})
    assert not [s for s in free_slots(centre, 42) if timezone.localtime(s.starts_at).date() == date]
    exception = ScheduleException.objects.get(center=centre, date=date)
    # Opening hours instead of closed: the day's times come back (the cancelled visit stays so).
    edit = {"date": date.isoformat(), "opens_at": "09:00", "closes_at": "12:00", "reason_0": "x"}
    assert as_manager.post(f"/staff/exceptions/{exception.pk}/", edit).status_code == 302
    back = [s for s in free_slots(centre, 42) if timezone.localtime(s.starts_at).date() == date]
    assert len(back) == len(slots)
    assert Appointment.objects.get(pk=lina.pk).status == "cancelled_centre"

    closed_again = {"date": date.isoformat(), "closed": "on", "reason_0": "x", "confirm": "1"}
    assert as_manager.post(f"/staff/exceptions/{exception.pk}/", closed_again).status_code == 302
    exception.refresh_from_db()
    assert exception.closed
    assert not [s for s in free_slots(centre, 42) if timezone.localtime(s.starts_at).date() == date]
    assert as_manager.post(f"/staff/exceptions/{exception.pk}/delete/").status_code == 302
    back = [s for s in free_slots(centre, 42) if timezone.localtime(s.starts_at).date() == date]
    assert len(back) == len(slots)
    assert AuditEvent.objects.filter(action="exception.reopen_day").count() == 2
