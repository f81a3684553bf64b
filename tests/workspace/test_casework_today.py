"""The today view (the start page for centre roles) and tasks made by hand."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from nara.core.actions.people import do_create_person
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    AuditEvent,
    CallbackRequest,
    Channel,
    Contact,
    DropInHeadcount,
    Escalation,
    FollowUpTask,
    MeetingAction,
    Partner,
    PartnerMeeting,
    Referral,
    Schedule,
    Slot,
    SupportOffer,
)
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def booking_today(centre, alias, hour=12):
    start = dt.datetime.combine(today(), dt.time(hour), tzinfo=timezone.get_current_timezone())
    slot = Slot.objects.create(
        center=centre, starts_at=start, ends_at=start + dt.timedelta(minutes=45), modes=["centre"]
    )
    return Appointment.objects.create(
        slot=slot,
        center=centre,
        mode="centre",
        alias=alias,
        language="sv",
        manage_token_hash=uuid.uuid4().hex,
        code_hash=uuid.uuid4().hex,
    )


def callback(centre, alias):
    return CallbackRequest.objects.create(
        center=centre, alias=alias, phone_encrypted="x", language="sv", code_hash=uuid.uuid4().hex
    )


def question(centre):
    return AnonymousQuestion.objects.create(
        center=centre, language="sv", question_encrypted="x", code_hash=uuid.uuid4().hex
    )


def contact(centre, channel=Channel.DROP_IN, on=None):
    return Contact.objects.create(
        center=centre,
        service=centre.services.first(),
        channel=channel,
        occurred_on=on or today(),
    )


def offer(centre, answer=SupportOffer.Answer.NO_ANSWER):
    made = contact(centre, channel=Channel.BOOKED)
    return SupportOffer.objects.create(
        center=centre, contact=made, service=made.service, offered_on=today(), answer=answer
    )


def clock(centre, unit, days_left=10):
    escalation = Escalation.objects.create(
        center=centre,
        kind=Escalation.Kind.FORMAL_CASE,
        made_on=today(),
        made_by=user("anna"),
        to_unit=unit,
        reason=Escalation.Reason.ECONOMY,
    )
    return FollowUpTask.objects.create(
        center=centre,
        title="Check the escalation",
        due=today() + dt.timedelta(days=days_left),
        escalation=escalation,
    )


def task(centre, title, due_in_days=-1, assigned_to=None):
    return FollowUpTask.objects.create(
        center=centre,
        title=title,
        due=today() + dt.timedelta(days=due_in_days),
        assigned_to=assigned_to,
    )


def page(client, path="/staff/"):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def section(html, name, centre):
    """The HTML of one section of the today view."""
    start = html.index(f'id="{name}-{centre.pk}"')
    return html[start : html.index("</section>", start)]


# The start page


def test_worker_and_manager_start_on_today_others_keep_the_index(
    as_worker, as_manager, as_admin, as_analyst, centres
):
    for client in (as_worker, as_manager):
        html = page(client)
        assert f'id="tasks-{centres[0].pk}"' in html and "<h1>Today" in html
    for client in (as_admin, as_analyst):
        html = page(client)
        assert "<h1>Workspace</h1>" in html and 'id="tasks-' not in html
        assert client.get("/staff/today/").status_code == 403


def test_each_section_shows_only_the_users_centres_items(as_worker, centres):
    home, other = centres[0], centres[1]
    for centre, tag in ((home, "Home"), (other, "Away")):
        booking_today(centre, f"Booked{tag}")
        callback(centre, f"Caller{tag}")
        offer(centre)
        task(centre, f"Task{tag}")
        clock(centre, f"Unit{tag}")
        contact(centre)
    offer(home, SupportOffer.Answer.ACCEPTED)  # answered: not waiting
    task(home, "TaskTomorrow", due_in_days=1)  # not due yet
    task(home, "TaskDone").__class__.objects.filter(title="TaskDone").update(done_at=timezone.now())
    task(home, "TaskOfColleague", assigned_to=user("maria"))
    html = page(as_worker)
    assert "BookedHome" in section(html, "bookings", home)
    assert "CallerHome" in section(html, "waiting", home)
    assert "TaskHome" in section(html, "tasks", home)
    assert "UnitHome" in section(html, "clocks", home)
    assert "10 days left" in section(html, "clocks", home)
    assert section(html, "offers", home).count("<li>") == 1
    for absent in ("Away", "TaskTomorrow", "TaskDone", "TaskOfColleague"):
        assert absent not in html
    assert f'id="tasks-{other.pk}"' not in html
    assert "1 visitor at drop-in today" in section(html, "dropin", home)


def test_my_tasks_come_before_unassigned_ones_and_overdue_says_how_long(as_worker, centres):
    task(centres[0], "Unassigned old", due_in_days=-5)
    task(centres[0], "Mine", due_in_days=0, assigned_to=user("anna"))
    tasks = section(page(as_worker), "tasks", centres[0])
    assert tasks.index("Mine") < tasks.index("Unassigned old")
    assert "overdue by 5 days" in tasks and "due today" in tasks


def test_drop_in_visitors_add_recorded_contacts_and_the_headcount(as_worker, centres):
    home = centres[0]
    Schedule.objects.create(
        center=home,
        kind=Schedule.Kind.DROP_IN,
        title="Evening drop-in",
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at=dt.time(0, 0),
        closes_at=dt.time(23, 59),
        valid_from=today() - dt.timedelta(days=1),
    )
    contact(home)
    contact(home)
    contact(home, channel=Channel.PHONE)  # not drop-in
    contact(home, on=today() - dt.timedelta(days=1))  # yesterday
    DropInHeadcount.objects.create(center=home, date=today(), count=7)
    dropin = section(page(as_worker), "dropin", home)
    assert "Evening drop-in" in dropin
    assert "9 visitors at drop-in today" in dropin
    assert "2 recorded contacts" in dropin and "7 in the headcount" in dropin


def test_another_centres_section_is_refused(as_worker, as_other_worker, centres):
    url = f"/staff/today/centres/{centres[0].pk}/?section=tasks"
    assert as_other_worker.get(url).status_code == 403
    assert as_worker.get(url.replace("tasks", "nonsense")).status_code == 404
    task(centres[0], "Only in the tasks")
    booking_today(centres[0], "Only in the bookings")
    partial = as_worker.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section class="today-section" id="tasks-')
    assert "Only in the tasks" in partial and "<html" not in partial
    # Without JavaScript the same link opens the whole day of that centre.
    whole = page(as_worker, url)
    assert "Only in the tasks" in whole and "Only in the bookings" in whole


def test_today_view_is_audited_without_personal_data(as_worker, centres):
    page(as_worker)
    event = AuditEvent.objects.filter(action="today.view").last()
    assert event.actor_id == user("anna").pk and event.changes == {"centres": [centres[0].pk]}


# Query count independent of data volume


def waiting_referrals(centre, i):
    """An incoming referral not yet contacted and an outgoing one whose reminder is due."""
    partner, _new = Partner.objects.get_or_create(
        municipality=centre.municipality, name="Fill partner", kind="school"
    )
    Referral.objects.create(direction="incoming", center=centre, partner=partner, topic="money")
    outgoing = Referral.objects.create(
        direction="outgoing", center=centre, partner=partner, topic="money"
    )
    FollowUpTask.objects.create(
        center=centre, title=f"Referral{i}", due=today(), referral=outgoing, assigned_to=None
    )


def fill(centre, n, start=0):
    for i in range(start, start + n):
        waiting_referrals(centre, i)
        booking_today(centre, f"Alias{i}", hour=8 + i % 12)
        callback(centre, f"Caller{i}")
        question(centre)
        offer(centre, SupportOffer.Answer.THINKING)
        task(centre, f"Task{i}", due_in_days=-(i % 30))
        clock(centre, f"Unit{i}", days_left=i % 14)
        contact(centre)
        meeting_action(centre, f"Agreed{i}", due_in_days=-1 - i % 30)


def meeting_action(centre, what, due_in_days):
    """An overdue agreed action of a collaboration meeting, Anna's to follow up."""
    meeting = PartnerMeeting.objects.create(
        center=centre, held_on=today() - dt.timedelta(days=40), place="Skolan"
    )
    return MeetingAction.objects.create(
        meeting=meeting,
        center=centre,
        what=what,
        owner_user=user("anna"),
        due=today() + dt.timedelta(days=due_in_days),
    )


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    return len(queries)


def test_query_count_is_the_same_at_5_and_200_items_per_section(as_worker, centres):
    as_worker.get("/staff/")  # the first request of a session reads a little more
    fill(centres[0], 5)
    small = count_queries(as_worker)
    fill(centres[0], 195, start=5)
    large = count_queries(as_worker)
    assert small == large, (small, large)
    # Sign-in checks, the audit entry, then about two per section (the overdue meeting
    # actions and the referrals waiting added two each: their rows and their count).
    assert large <= 34
    html = page(as_worker)
    assert section(html, "tasks", centres[0]).count("data-task=") == 25
    assert "All 400 tasks due" in html  # the 200 by hand and the 200 referral reminders
    assert section(html, "meetings", centres[0]).count("data-meeting-action=") == 25
    assert "All 200 overdue meeting actions" in html
    assert section(html, "referrals", centres[0]).count("data-referral=") == 25
    assert "All 400 referrals waiting" in html


# Tasks by hand


def post_task(client, centre, **fields):
    data = {"title": "Call the school", "due": str(today() + dt.timedelta(days=3)), **fields}
    return client.post(f"/staff/centres/{centre.pk}/tasks/new/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_task_by_hand_is_saved_audited_and_listed(as_worker, centres):
    person = do_create_person(actor="test", center=centres[0], first_name="T", last_name="P")
    response = post_task(
        as_worker, centres[0], assigned_to=str(user("maria").pk), person=str(person.pk)
    )
    assert response.status_code == 302
    created = FollowUpTask.objects.get(title="Call the school")
    assert created.assigned_to == user("maria") and created.person == person
    assert created.created_by == user("anna") and created.center == centres[0]
    assert AuditEvent.objects.filter(action="task.create", object_id=str(created.pk)).exists()
    listing = page(as_worker, response.url)
    assert "Call the school" in listing


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": "   "}, "Write what needs doing."),
        ({"due": "2001-01-01"}, "The due date cannot be in the past."),
        ({"due": "2999-01-01"}, "The due date can be at most two years ahead."),
        ({"due": "not a date"}, "Enter a valid date."),
    ],
)
def test_bad_task_input_says_why_and_saves_nothing(as_worker, centres, fields, message):
    response = post_task(as_worker, centres[0], **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FollowUpTask.objects.filter(created_by=user("anna")).exists()


def test_an_assignee_or_person_from_another_centre_is_refused(as_worker, centres):
    stranger = do_create_person(actor="test", center=centres[1], first_name="S", last_name="O")
    for fields, message in (
        ({"assigned_to": str(user("omar").pk)}, "Choose a colleague at this centre, or nobody."),
        ({"assigned_to": "999999"}, "Choose a colleague at this centre, or nobody."),
        ({"person": str(stranger.pk)}, "That person is not registered at this centre."),
    ):
        response = post_task(as_worker, centres[0], **fields)
        assert response.status_code == 400 and message in response.content.decode()
    assert not FollowUpTask.objects.filter(created_by=user("anna")).exists()


def test_bad_input_is_explained_in_swedish(as_worker, centres):
    response = as_worker.post(
        f"/staff/centres/{centres[0].pk}/tasks/new/",
        {"title": " ", "due": str(today())},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    with translation.override("sv"):
        expected = translation.gettext("Write what needs doing.")
    assert expected != "Write what needs doing." and expected in response.content.decode()


def test_a_task_on_a_weekend_moves_to_monday_and_says_so(as_worker, centres):
    saturday = today() + dt.timedelta(days=(5 - today().weekday()) % 7 or 7)
    response = post_task(as_worker, centres[0], due=str(saturday))
    created = FollowUpTask.objects.get(created_by=user("anna"))
    assert created.due == saturday + dt.timedelta(days=2)
    assert f"the task is due {created.due.isoformat()}" in page(as_worker, response.url)


def test_task_list_shows_the_centres_open_tasks_only(as_worker, centres):
    task(centres[0], "Open here", due_in_days=4, assigned_to=user("maria"))
    task(centres[1], "Open elsewhere")
    listing = page(as_worker, f"/staff/centres/{centres[0].pk}/tasks/")
    assert "Open here" in listing and "Open elsewhere" not in listing
    assert as_worker.get(f"/staff/centres/{centres[1].pk}/tasks/").status_code == 403


# Marking done


def test_mark_done_without_javascript_redirects_back(as_worker, centres):
    overdue = task(centres[0], "Ring back")
    response = as_worker.post(f"/staff/tasks/{overdue.pk}/done/", {"next": "/staff/"})
    assert response.status_code == 302 and response.url == "/staff/"
    overdue.refresh_from_db()
    assert overdue.done_at is not None
    assert AuditEvent.objects.filter(action="task.done", object_id=str(overdue.pk)).count() == 1
    assert "Ring back" not in section(page(as_worker), "tasks", centres[0])


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "-1", "index"])
def test_mark_done_never_redirects_to_another_site_or_a_guess(as_worker, centres, target):
    overdue = task(centres[0], "Ring back")
    response = as_worker.post(f"/staff/tasks/{overdue.pk}/done/", {"next": target})
    assert response.url == f"/staff/centres/{centres[0].pk}/calendar/"


def test_mark_done_with_htmx_returns_only_the_section(as_worker, centres):
    overdue = task(centres[0], "Ring back")
    task(centres[0], "Still to do")
    response = as_worker.post(
        f"/staff/tasks/{overdue.pk}/done/",
        {"section": "tasks", "next": "/staff/"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<section class="today-section"')
    assert "Marked as done: Ring back" in html and "Still to do" in html
    assert "<html" not in html


def test_another_centres_task_cannot_be_marked_done(as_other_worker, centres):
    theirs = task(centres[0], "Not yours")
    assert as_other_worker.post(f"/staff/tasks/{theirs.pk}/done/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.done_at is None


def test_a_clock_done_from_the_today_view(as_worker, centres):
    running = clock(centres[0], "Barn och unga", days_left=-2)
    html = section(page(as_worker), "clocks", centres[0])
    assert "Barn och unga" in html and "overdue by 2 days" in html
    as_worker.post(f"/staff/tasks/{running.pk}/done/", {"next": "/staff/"})
    assert "Barn och unga" not in page(as_worker)


def test_htmx_is_served_locally(as_worker):
    html = page(as_worker)
    assert "/static/workspace/htmx.min" in html and "unpkg" not in html and "<script>" not in html


def test_signed_out_today_asks_to_sign_in(client):
    assert client.get("/staff/today/").status_code == 302


def test_a_section_swap_after_the_session_ended_loads_the_sign_in_page(client, centres):
    """Not the sign-in form inside the tasks section: HTMX is told to load the whole page."""
    response = client.post("/staff/tasks/1/done/", {"section": "tasks"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/staff/login/?next=/staff/tasks/1/done/"


def test_the_managers_other_tools_stay_one_click_away(as_manager):
    html = page(as_manager)
    for tool in ("/staff/audit/", "/staff/no-shows/", "/staff/people/"):
        assert f'href="{tool}"' in html
