"""Residents' feedback after a visit: anonymous, once per booking, rate-limited, moderated,
counted per centre and month with small counts suppressed, and purged as the page says."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from nara.core import crypto
from nara.core.actions import booking
from nara.core.actions import feedback as actions
from nara.core.models import (
    Appointment,
    AuditEvent,
    Center,
    RateCounter,
    VisitFeedbackComment,
    VisitFeedbackTally,
)
from nara.core.queries import free_slots
from nara.public.guard import new_form_token
from nara.workspace.feedback_views import suppressed_cells
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(demo):
    """Maria, manager of the first social centre."""
    return signed_in(user("maria"))


@pytest.fixture
def as_worker(demo):
    return signed_in(user("anna"))


@pytest.fixture
def as_analyst(demo):
    return signed_in(user("ahmed"))


ANSWERS = {"welcome": "yes", "listened": "partly", "again": "yes"}
PERSONNUMMER = "19121212-1212"


@pytest.fixture(autouse=True)
def no_form_timer(settings):
    settings.NARA_SKIP_FORM_TIMER = True


@pytest.fixture
def centre(demo):
    return Center.objects.filter(kind="centre").order_by("pk").first()


def token(client, url):
    """The form's token from the page; a fresh one where the page shows no form."""
    html = client.get(url).content.decode()
    found = re.search(r'name="shown" value="([^"]+)"', html)
    return found.group(1) if found else new_form_token(int(time.time()))


def answer(client, url, **fields):
    data = {**ANSWERS, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(url, {**data, "shown": token(client, url)})


def past_booking(centre, client=None):
    """A booking whose visit began an hour ago, managed by `client` (with its code)."""
    slot = free_slots(centre)[0]
    appointment, _token, code = booking.do_book(
        slot_id=slot.pk, mode=slot.modes[0], alias="Lina", language="ar"
    )
    if client is not None:
        with time_machine.travel(slot.starts_at + dt.timedelta(hours=1), tick=False):
            page = client.post(
                "/ar/booking/", {"code": code, "shown": token(client, "/ar/booking/")}
            )
            assert page.status_code == 302
    return appointment, slot


def tallies(centre):
    return {
        (t.via, t.question, t.answer): t.count
        for t in VisitFeedbackTally.objects.filter(center=centre)
    }


def test_booking_answers_once_after_the_visit(centre):
    resident = Client()
    appointment, slot = past_booking(centre, resident)
    url = "/ar/booking/manage/feedback/"
    # Before the visit: the manage page offers nothing and the form says when.
    with time_machine.travel(slot.starts_at - dt.timedelta(hours=1), tick=False):
        assert "data-feedback-link" not in resident.get("/ar/booking/manage/").content.decode()
        early = answer(resident, url)
        assert early.status_code == 409 and "data-problem" in early.content.decode()
    assert tallies(centre) == {}
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1), tick=False):
        assert "data-feedback-link" in resident.get("/ar/booking/manage/").content.decode()
        sent = answer(resident, url, comment="Bra bemötande")
        assert sent.status_code == 200
        assert tallies(centre) == {
            ("booking", "welcome", "yes"): 1,
            ("booking", "listened", "partly"): 1,
            ("booking", "again", "yes"): 1,
        }
        again = answer(resident, url, welcome="no")
        assert again.status_code == 409
        assert "data-feedback-given" in resident.get("/ar/booking/manage/").content.decode()
    assert sum(tallies(centre).values()) == 3
    assert Appointment.objects.get(pk=appointment.pk).feedback_given
    assert VisitFeedbackComment.objects.count() == 1


def test_a_cancelled_booking_cannot_answer(centre):
    resident = Client()
    appointment, slot = past_booking(centre, resident)
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled_resident")
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1), tick=False):
        page = answer(resident, "/ar/booking/manage/feedback/")
    assert page.status_code == 409 and tallies(centre) == {}


def test_qr_code_page_in_the_phones_language(centre):
    resident = Client(HTTP_ACCEPT_LANGUAGE="ar")
    landing = resident.get(f"/centres/{centre.slug}/feedback/")
    assert landing.status_code == 302 and landing.url == f"/ar/centres/{centre.slug}/feedback/"
    page = resident.get(landing.url).content.decode()
    assert 'dir="rtl"' in page and 'name="welcome"' in page
    assert answer(resident, landing.url).status_code == 200
    assert tallies(centre)[("qr", "welcome", "yes")] == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"welcome": None}, "Choose yes, partly or no."),
        ({"again": "maybe"}, "Choose yes, partly or no."),
        ({"comment": "x" * 1001}, "Write at most 1000 characters"),
    ],
)
def test_bad_answers_save_nothing(centre, fields, message):
    page = answer(Client(), f"/en/centres/{centre.slug}/feedback/", **fields)
    assert page.status_code == 400 and message in page.content.decode()
    assert tallies(centre) == {} and VisitFeedbackComment.objects.count() == 0


def test_unknown_or_unpublished_centre(centre):
    assert Client().get("/sv/centres/no-such-centre/feedback/").status_code == 404
    Center.objects.filter(pk=centre.pk).update(is_published=False)
    page = Client().post(f"/sv/centres/{centre.slug}/feedback/", ANSWERS)
    assert page.status_code == 404 and tallies(centre) == {}


def test_rate_limited_per_connection(centre, settings):
    settings.NARA_VISIT_FEEDBACK_PER_HOUR = 2
    resident = Client(REMOTE_ADDR="203.0.113.9")
    url = f"/sv/centres/{centre.slug}/feedback/"
    statuses = [answer(resident, url).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert tallies(centre)[("qr", "welcome", "yes")] == 2
    assert "203.0.113" not in str(list(RateCounter.objects.values()))


def test_the_privacy_promise_is_what_is_stored(centre, settings):
    """The page's sentences, checked against the rows an answer leaves behind."""
    resident = Client(REMOTE_ADDR="198.51.100.77")
    appointment, slot = past_booking(centre, resident)
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1), tick=False):
        page = resident.get("/en/booking/manage/feedback/").content.decode()
        kept = re.search(r"<ul class=\"hint kept\" data-kept>(.*?)</ul>", page, re.S).group(1)
        assert "We do not store who you are or your internet address." in kept
        assert "Your answers are only added to counts for this centre and month." in kept
        assert "On your booking we only note that you have answered" in kept
        days = settings.NARA_FEEDBACK_TEXT_RETENTION_DAYS
        assert f"at the latest <bdi>{days}</bdi> days after the end of the month" in kept
        sent = answer(resident, "/en/booking/manage/feedback/", comment=f"Jag är {PERSONNUMMER}")
        assert "data-removed" in sent.content.decode()
        month = timezone.localdate().replace(day=1)
    # Counts only: no row per answer, no time finer than the month, nothing pointing back.
    for model in (VisitFeedbackTally, VisitFeedbackComment):
        columns = {f.name for f in model._meta.concrete_fields}
        assert columns <= {"id", "center", "month", "via", "question", "answer", "count",
                           "text_encrypted", "status"}  # fmt: skip
    assert set(VisitFeedbackTally.objects.values_list("month", flat=True)) == {month}
    comment = VisitFeedbackComment.objects.get()
    assert comment.month == month and comment.id.version == 4  # random, not a sequence
    assert PERSONNUMMER not in crypto.decrypt(comment.text_encrypted)
    # The booking knows only that it answered; the audit entry has no address or answers.
    assert Appointment.objects.get(pk=appointment.pk).feedback_given
    event = AuditEvent.objects.get(action="visit_feedback.give")
    assert (
        event.client_address is None
        and event.object_id == ""
        and event.changes == {"via": "booking"}
    )
    for row in AuditEvent.objects.values():
        assert "198.51.100" not in str(row), row
    feedback_rows = list(VisitFeedbackTally.objects.values()) + list(
        VisitFeedbackComment.objects.values()
    )
    assert "198.51.100" not in str(feedback_rows)
    assert not [f for f in VisitFeedbackTally._meta.get_fields() if f.related_model is Appointment]
    assert not [
        f for f in VisitFeedbackComment._meta.get_fields() if f.related_model is Appointment
    ]


def test_texts_are_purged_as_promised(centre, settings):
    settings.NARA_FEEDBACK_TEXT_RETENTION_DAYS = 90
    with time_machine.travel(dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        actions.do_give_feedback(center=centre, answers=ANSWERS, comment="Januari")
    with time_machine.travel(dt.datetime(2026, 2, 3, 12, tzinfo=dt.UTC), tick=False):
        actions.do_give_feedback(center=centre, answers=ANSWERS, comment="Februari")
    # January ends 1 February: its text goes 90 days later, on 2 May; February's on 30 May.
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC), tick=False):
        call_command("purge", verbosity=0)
        assert VisitFeedbackComment.objects.count() == 2
    with time_machine.travel(dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC), tick=False):
        call_command("purge", verbosity=0)
    left = [crypto.decrypt(c.text_encrypted) for c in VisitFeedbackComment.objects.all()]
    assert left == ["Februari"]
    welcomed = VisitFeedbackTally.objects.filter(center=centre, question="welcome", answer="yes")
    assert sorted(welcomed.values_list("month", "count")) == [
        (dt.date(2026, 1, 1), 1),
        (dt.date(2026, 2, 1), 1),
    ]  # the counts stay


def _comment(centre, text):
    return next(
        c
        for c in VisitFeedbackComment.objects.filter(center=centre)
        if crypto.decrypt(c.text_encrypted) == text
    )


def test_moderation_by_the_centres_manager_only(centre, as_manager, as_worker):
    actions.do_give_feedback(center=centre, answers=ANSWERS, comment="Tack för kaffet")
    actions.do_give_feedback(center=centre, answers=ANSWERS, comment="Dålig väntetid")
    other = Center.objects.filter(kind="centre").exclude(pk=centre.pk).first()
    actions.do_give_feedback(center=other, answers=ANSWERS, comment="Annat center")
    url = "/staff/feedback/visits/moderation/"
    assert as_worker.get(url).status_code == 403
    queue = as_manager.get(url).content.decode()
    assert "Tack för kaffet" in queue and "Annat center" not in queue
    figures = as_manager.get("/staff/feedback/visits/").content.decode()
    assert "Tack för kaffet" not in figures  # never shown before moderation
    kept, dropped = _comment(centre, "Tack för kaffet"), _comment(centre, "Dålig väntetid")
    foreign = VisitFeedbackComment.objects.get(center=other)
    refused = as_manager.post(url, {"comment": foreign.pk, "decision": "approve"})
    assert refused.status_code == 400
    assert VisitFeedbackComment.objects.get(pk=foreign.pk).status == "pending"
    assert as_manager.post(url, {"comment": "not-a-uuid", "decision": "x"}).status_code == 400
    assert as_manager.post(url, {"comment": kept.pk, "decision": "approve"}).status_code == 302
    assert as_manager.post(url, {"comment": dropped.pk, "decision": "reject"}).status_code == 302
    assert not VisitFeedbackComment.objects.filter(pk=dropped.pk).exists()
    again = as_manager.post(url, {"comment": kept.pk, "decision": "reject"})
    assert again.status_code == 400 and VisitFeedbackComment.objects.filter(pk=kept.pk).exists()
    figures = as_manager.get("/staff/feedback/visits/").content.decode()
    assert "Tack för kaffet" in figures and "Dålig väntetid" not in figures
    actions_done = AuditEvent.objects.filter(action__startswith="visit_feedback.")
    assert set(actions_done.values_list("action", flat=True)) == {
        "visit_feedback.give", "visit_feedback.approve", "visit_feedback.reject"}  # fmt: skip


def test_personnummer_is_never_stored_or_shown(centre, as_manager):
    page = answer(Client(), f"/sv/centres/{centre.slug}/feedback/", welcome=None,
                  comment=f"Ring mig, {PERSONNUMMER}")  # fmt: skip
    assert page.status_code == 400 and PERSONNUMMER not in page.content.decode()
    answer(Client(), f"/sv/centres/{centre.slug}/feedback/", comment=f"Mitt nr {PERSONNUMMER}")
    queue = as_manager.get("/staff/feedback/visits/moderation/").content.decode()
    assert "Mitt nr […]" in queue and PERSONNUMMER not in queue


def test_figures_suppress_cells_below_five(centre, as_manager, as_analyst):
    for welcome in ["yes"] * 6 + ["no"] * 3:
        actions.do_give_feedback(center=centre, answers={**ANSWERS, "welcome": welcome})
    other = Center.objects.filter(kind="centre").exclude(pk=centre.pk).first()
    for _ in range(3):
        actions.do_give_feedback(center=other, answers=ANSWERS)
    managers = as_manager.get("/staff/feedback/visits/").content.decode()
    assert centre.name in managers and other.name not in managers  # own centres only
    page = as_analyst.get("/staff/feedback/visits/").content.decode()
    rows = {
        name: row
        for name, row in re.findall(
            r'<tr><td data-label="[^"]+">([^<]+)</td>(.*?)</tr>', page, re.S
        )
    }
    assert re.search(r"data-answers>9<", rows[centre.name])
    assert re.search(r"data-answers>färre än 5<", rows[other.name])
    cells = re.findall(r"<li data-cell>(.*?)</li>", rows[centre.name])
    # Welcome: yes 6 of 9 (67 %); no 3 is below 5, so partly (0) hides with it — never "33 %".
    assert cells[:3] == ["Ja: 67 %", "Delvis: färre än 5", "Nej: färre än 5"]
    assert "33 %" not in page and "3 %" not in page
    # Listened: 9 partly; yes and no (0 each) hidden.
    assert cells[3:6] == ["Ja: färre än 5", "Delvis: 100 %", "Nej: färre än 5"]
    other_cells = re.findall(r"<li data-cell>(.*?)</li>", rows[other.name])
    assert other_cells and all("färre än 5" in c for c in other_cells)


def test_suppressed_cells_cannot_be_recovered():
    assert suppressed_cells({"yes": 3, "partly": 2, "no": 1}, 6) == dict.fromkeys(
        ["yes", "partly", "no"]
    )
    # One small cell alone would be total minus the others: the next smallest goes too.
    assert suppressed_cells({"yes": 10, "partly": 7, "no": 2}, 19) == {
        "yes": 10, "partly": None, "no": None}  # fmt: skip
    assert suppressed_cells({"yes": 4, "partly": 0, "no": 1}, 5) == dict.fromkeys(
        ["yes", "partly", "no"]
    )
    assert suppressed_cells({"yes": 5, "partly": 5, "no": 5}, 15) == {
        "yes": 5, "partly": 5, "no": 5}  # fmt: skip


def test_two_tabs_cannot_both_answer_for_one_booking(centre):
    appointment, slot = past_booking(centre)
    stale = Appointment.objects.get(pk=appointment.pk)  # read by a second tab, before the first
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1), tick=False):
        actions.do_give_feedback(center=centre, answers=ANSWERS, appointment=appointment)
        with pytest.raises(actions.FeedbackError) as refused:
            actions.do_give_feedback(center=centre, answers=ANSWERS, appointment=stale)
    assert refused.value.code == "given"
    assert sum(tallies(centre).values()) == 3


@pytest.mark.parametrize(
    "text, kept",
    [
        ("ring 19121212-1212 tack", "ring […] tack"),
        ("121212 1212", "[…]"),
        ("١٩١٢١٢١٢١٢١٢", "[…]"),  # Arabic-Indic digits too
        ("kom kl 10:30 den 12/3", "kom kl 10:30 den 12/3"),
    ],
)
def test_identity_number_shapes_are_removed(text, kept):
    from nara.lib.personnummer import strip_identity_numbers

    assert strip_identity_numbers(text)[0] == kept
