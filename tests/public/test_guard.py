"""Rate limits hold for the whole documented hour, and a signed form token works once."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from nara.core.models import AnonymousQuestion, Center

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_form_timer(settings):
    settings.NARA_SKIP_FORM_TIMER = True


@pytest.fixture
def ask_url(demo):
    centre = Center.objects.filter(kind="centre").first()
    return f"/sv/centres/{centre.slug}/ask/"


def form_token(client, url):
    html = client.get(url).content.decode()
    return re.search(r'name="shown" value="([^"]+)"', html).group(1)


def ask(client, url, text="Hur får jag hjälp med hyran?"):
    return client.post(url, {"shown": form_token(client, url), "question": text, "topic": ""})


def test_five_questions_an_hour_means_the_whole_hour(ask_url):
    resident = Client()
    start = dt.datetime(2026, 12, 7, 9, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            assert ask(resident, ask_url).status_code == 200
        assert ask(resident, ask_url).status_code == 400  # the sixth
        for minutes in (6, 20, 45):  # past the cache's 300-s default, within the hour
            clock.move_to(start + dt.timedelta(minutes=minutes))
            answer = ask(resident, ask_url)
            assert answer.status_code == 400, minutes
            assert "Too many" in answer.content.decode() or "många" in answer.content.decode()
        clock.move_to(start + dt.timedelta(hours=2, minutes=1))
        assert ask(resident, ask_url).status_code == 200
    assert AnonymousQuestion.objects.count() == 6


def test_a_limit_counts_the_last_hour_across_the_window_edge(ask_url):
    resident = Client()
    start = dt.datetime(2026, 12, 7, 9, 55, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            assert ask(resident, ask_url).status_code == 200
        clock.move_to(start + dt.timedelta(minutes=10))  # a new clock hour, same last hour
        assert ask(resident, ask_url).status_code == 400


def test_a_signed_form_token_is_accepted_once(ask_url):
    resident = Client()
    token = form_token(resident, ask_url)
    data = {"shown": token, "question": "Vad gör ni?", "topic": ""}
    assert resident.post(ask_url, data).status_code == 200
    again = resident.post(ask_url, {**data, "question": "Och nu en gång till?"})
    assert again.status_code == 400
    assert AnonymousQuestion.objects.count() == 1
    fresh = re.search(r'name="shown" value="([^"]+)"', again.content.decode()).group(1)
    assert fresh != token  # the page offers a new token, so a person can just send again
    data = {"shown": fresh, "question": "Och nu en gång till?", "topic": ""}
    assert resident.post(ask_url, data).status_code == 200


def test_a_time_of_another_or_unpublished_centre_cannot_be_booked(demo):
    from nara.core.models import Appointment, Slot
    from nara.core.queries import free_slots

    here, other = Center.objects.filter(kind="centre")[:2]
    foreign = free_slots(other)[0]
    other.is_published = False
    other.save(update_fields=["is_published"])
    resident = Client()
    url = f"/sv/centres/{here.slug}/book/"
    answer = resident.post(
        url,
        {
            "shown": form_token(resident, url),
            "slot": foreign.pk,
            "mode": foreign.modes[0],
            "alias": "Lina",
            "language": "sv",
        },
    )
    assert answer.status_code == 400
    assert "går inte längre att boka" in answer.content.decode()
    assert not Appointment.objects.filter(slot=foreign).exists()
    assert Slot.objects.filter(pk=foreign.pk, is_withdrawn=False).exists()
