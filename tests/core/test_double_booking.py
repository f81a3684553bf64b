"""Never a double booking: 100 residents press "Book" at once for 10 times.

Runs on whichever database the suite uses (SQLite file or PostgreSQL), with real threads
and real connections; the database's partial unique index decides, not Python. PostgreSQL's
default max_connections is 100, so there the 100 attempts share 40 connections (2–3 each,
all released by one barrier); on SQLite every attempt has its own thread.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from nara.core.models import Appointment, Center, Municipality, Slot
from nara.public.guard import new_form_token

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS, SLOTS = 100, 10
THREADS = 40 if connection.vendor == "postgresql" else ATTEMPTS


@pytest.fixture
def ten_slots(settings):
    settings.NARA_SKIP_FORM_TIMER = True
    settings.NARA_BOOKINGS_PER_HOUR = 10_000
    town = Municipality.objects.create(code="0001", name="Test")
    centre = Center.objects.create(
        municipality=town,
        slug="test",
        name="Test",
        is_published=True,
        neutral_display_name="Mötesplats",
        street_address="Gatan 1",
        postal_code="111 11",
        city="Test",
        lon=16.0,
        lat=58.5,
    )
    start = timezone.now() + dt.timedelta(days=1)
    return centre, [
        Slot.objects.create(
            center=centre,
            starts_at=start + dt.timedelta(hours=i),
            ends_at=start + dt.timedelta(hours=i, minutes=45),
            modes=["centre"],
        )
        for i in range(SLOTS)
    ]


def test_hundred_simultaneous_bookings_for_ten_slots(ten_slots):
    centre, slots = ten_slots
    url = f"/sv/centres/{centre.slug}/book/"
    # A form token is accepted once: one per attempt, as each resident's page would give.
    tokens = [new_form_token(int(time.time())) for _ in range(ATTEMPTS)]
    barrier = threading.Barrier(THREADS)
    answers = []

    def attempts(first):
        barrier.wait()
        try:
            for n in range(first, ATTEMPTS, THREADS):
                data = {
                    "shown": tokens[n],
                    "slot": slots[n % SLOTS].pk,
                    "mode": "centre",
                    "alias": "Resident",
                    "language": "sv",
                }
                response = Client().post(url, data, HTTP_ACCEPT_LANGUAGE="en")
                answers.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempts, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    booked = [a for a in answers if a[0] == 302]
    taken = [a for a in answers if a[0] == 409 and "precis" in a[1]]
    assert len(booked) == SLOTS and len(taken) == ATTEMPTS - SLOTS
    assert Appointment.objects.count() == SLOTS
    assert set(Appointment.objects.values_list("slot_id", flat=True)) == {s.pk for s in slots}
