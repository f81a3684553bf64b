"""A social worker's day on a 360-px phone: the start page shows today's booking and an overdue
task; marking the task done swaps only its section with HTMX, and works without JavaScript."""

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect

from .support import db_call, tr
from .test_staff_flows import (
    STAFF_LANG,
    accessibility_problems,
    axe_context,
    read_staff_facts,
    signed_in_state,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
BOOKED_ALIAS = "Leilabokad"
TASKS = ("Ring tillbaka till Kim", "Skicka broschyren till Sam")


def _make_the_day(centre_pk):
    from django.utils import timezone

    from nara.core.models import Appointment, FollowUpTask, Slot

    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(23, 0), tzinfo=timezone.get_current_timezone())
    slot = Slot.objects.create(
        center_id=centre_pk, starts_at=start, ends_at=start + dt.timedelta(minutes=30)
    )
    appointment = Appointment.objects.create(
        slot=slot,
        center_id=centre_pk,
        mode="centre",
        alias=BOOKED_ALIAS,
        language="sv",
        manage_token_hash=uuid.uuid4().hex,
        code_hash=uuid.uuid4().hex,
    )
    tasks = [
        FollowUpTask.objects.create(
            center_id=centre_pk, title=title, due=today - dt.timedelta(days=3)
        )
        for title in TASKS
    ]
    return slot.pk, appointment.pk, [t.pk for t in tasks]


def _undo_the_day(slot_pk, appointment_pk, task_pks):
    from nara.core.models import Appointment, FollowUpTask, Slot

    FollowUpTask.objects.filter(pk__in=task_pks).delete()
    Appointment.objects.filter(pk=appointment_pk).delete()
    Slot.objects.filter(pk=slot_pk).delete()


def _done(task_pks):
    from nara.core.models import FollowUpTask

    return set(
        FollowUpTask.objects.filter(pk__in=task_pks, done_at__isnull=False).values_list(
            "title", flat=True
        )
    )


@pytest.fixture(scope="module")
def the_day(nara_site, browser):
    facts = db_call(read_staff_facts)
    made = db_call(_make_the_day, facts.centre0.pk)
    state = signed_in_state(browser, nara_site, "anna")
    yield facts.centre0, made[2], state
    db_call(_undo_the_day, *made)


def overdue_by(days):
    from django.utils import translation

    with translation.override(STAFF_LANG):
        text = translation.ngettext("overdue by %(n)s day", "overdue by %(n)s days", days)
    return text % {"n": days}


def phone_page(new_context, state, **options):
    context = new_context(locale="sv-SE", viewport=PHONE, storage_state=state, **options)
    return context.new_page()


def open_today(page, centre):
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(tr(STAFF_LANG, "Today"))
    bookings = page.locator(f"#bookings-{centre.pk}")
    expect(bookings).to_contain_text(BOOKED_ALIAS)
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    return page.locator(f"#tasks-{centre.pk}")


def test_worker_marks_an_overdue_task_done_with_htmx(new_context, the_day):
    centre, task_pks, state = the_day
    page = phone_page(new_context, state)
    tasks = open_today(page, centre)
    task = tasks.locator("li", has_text=TASKS[0])
    expect(task).to_contain_text(overdue_by(3))
    page.evaluate("window.nara_not_reloaded = true")
    task.get_by_role("button", name=tr(STAFF_LANG, "Mark as done")).click()
    done = tr(STAFF_LANG, "Marked as done: %(title)s", title=TASKS[0])
    expect(page.locator(f"#tasks-{centre.pk} [role=status]")).to_have_text(done)
    expect(page.locator(f"#tasks-{centre.pk} li", has_text=TASKS[0])).to_have_count(0)
    expect(page.locator(f"#tasks-{centre.pk}")).to_contain_text(TASKS[1])
    assert page.evaluate("window.nara_not_reloaded") is True  # the page itself stayed
    assert page.url.endswith("/staff/")
    assert TASKS[0] in db_call(_done, task_pks)


def test_worker_marks_an_overdue_task_done_without_javascript(new_context, the_day):
    centre, task_pks, state = the_day
    page = phone_page(new_context, state, java_script_enabled=False)
    tasks = open_today(page, centre)
    task = tasks.locator("li", has_text=TASKS[1])
    task.get_by_role("button", name=tr(STAFF_LANG, "Mark as done")).click()
    page.wait_for_url("**/staff/")
    done = tr(STAFF_LANG, "Marked as done: %(title)s", title=TASKS[1])
    expect(page.locator(".messages")).to_contain_text(done)
    expect(page.locator(f"#tasks-{centre.pk} li", has_text=TASKS[1])).to_have_count(0)
    assert TASKS[1] in db_call(_done, task_pks)


def test_today_and_the_task_pages_have_no_axe_violations(new_context, the_day):
    centre, _task_pks, state = the_day
    page = axe_context(new_context, locale="sv-SE", viewport=PHONE, storage_state=state).new_page()
    problems = []
    for path in (
        "/staff/",
        f"/staff/centres/{centre.pk}/tasks/",
        f"/staff/centres/{centre.pk}/tasks/new/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        problems += accessibility_problems(page, path)
    assert not problems, "\n".join(problems)
