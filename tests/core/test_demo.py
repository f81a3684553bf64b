"""The demo tells a new user what they need: who works where, a live calendar, true facts."""

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from nara.core.actions.booking import do_book
from nara.core.demo import build_demo
from nara.core.models import (
    AnonymousQuestion,
    Appointment,
    CallbackRequest,
    Center,
    Membership,
    Municipality,
    Role,
    Service,
)
from nara.core.queries import free_slots
from tests.workspace.conftest import signed_in, user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lively_demo(django_db_setup, django_db_blocker):
    """The demo as `make demo` builds it: with bookings, call-backs and questions."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(seed=2026)
        yield Municipality.objects.get(is_example=True)
        transaction.set_rollback(True)


def test_every_centre_and_base_has_a_caseworker_account(lively_demo):
    casework = Membership.objects.filter(role__in=[Role.SOCIAL_WORKER, Role.CENTRE_MANAGER])
    for centre in Center.objects.all():
        assert casework.filter(center=centre).exists(), centre.name


def test_printed_logins_say_where_each_account_works(lively_demo):
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    printed = out.getvalue()
    for centre in Center.objects.filter(kind="centre"):
        assert f"at {centre.name}" in printed
    solgarden = Center.objects.get(slug="solgarden")
    worker = Membership.objects.filter(center=solgarden, role=Role.SOCIAL_WORKER).get().user
    line = printed.split(f"  {worker.username} ", 1)[1].split("\n")[1]
    assert line.strip() == f"social worker at {solgarden.name}"


def test_a_booking_at_the_first_centre_is_seen_by_its_staff(lively_demo):
    solgarden = Center.objects.get(slug="solgarden")
    slot = free_slots(solgarden)[0]
    do_book(slot_id=slot.pk, mode=slot.modes[0], alias="Zelda", language="sv")
    worker = Membership.objects.filter(center=solgarden, role=Role.SOCIAL_WORKER).get().user
    day = timezone.localtime(slot.starts_at).date()
    page = signed_in(worker).get(f"/staff/centres/{solgarden.pk}/calendar/?date={day}")
    assert "Zelda" in page.content.decode()


def test_the_calendar_around_today_is_alive(lively_demo):
    now = timezone.now()
    for centre in Center.objects.filter(kind="centre"):
        visits = Appointment.objects.filter(center=centre)
        past = visits.filter(slot__starts_at__range=(now - dt.timedelta(days=22), now))
        future = visits.filter(slot__starts_at__range=(now, now + dt.timedelta(days=14)))
        assert {"attended", "no_show"} <= set(past.values_list("status", flat=True)), centre
        assert future.filter(status="booked").count() >= 3, centre
        assert CallbackRequest.objects.filter(center=centre, handled_at__isnull=True).exists()
        assert CallbackRequest.objects.filter(center=centre, handled_at__isnull=False).exists()
        assert AnonymousQuestion.objects.filter(center=centre, answered_at__isnull=True).exists()
        assert AnonymousQuestion.objects.filter(center=centre, answered_at__isnull=False).exists()


def test_staff_see_this_weeks_visits_drop_in_and_open_requests(lively_demo):
    centre = Center.objects.get(slug="solgarden")
    worker = Membership.objects.filter(center=centre, role=Role.SOCIAL_WORKER).get().user
    client = signed_in(worker)
    weeks = [timezone.localdate() + dt.timedelta(days=7 * n) for n in (-1, 0, 1)]
    pages = [
        client.get(f"/staff/centres/{centre.pk}/calendar/?view=week&date={d}").content.decode()
        for d in weeks
    ]
    now = timezone.now()
    visits = Appointment.objects.filter(center=centre)
    past = set(visits.filter(slot__starts_at__lt=now).values_list("alias", flat=True))
    coming = set(visits.filter(slot__starts_at__gt=now).values_list("alias", flat=True))
    assert any(alias in pages[0] for alias in past)  # last week's visits, marked
    assert any(alias in pages[1] + pages[2] for alias in coming)
    assert "Öppet hus" in "".join(pages)  # the drop-in afternoons


def test_no_show_rate_has_figures(lively_demo):
    page = signed_in(user("maria")).get("/staff/no-shows/").content.decode()
    assert "%" in page


def test_centres_offer_exactly_the_languages_their_staff_speak(lively_demo):
    for centre in Center.objects.all():
        spoken = {code for member in centre.staff.all() for code in member.languages}
        assert set(centre.languages) == spoken, centre.name
    offered = {code for c in Center.objects.filter(kind="centre") for code in c.languages}
    assert {"ar", "so"} <= offered  # the demo still shows several languages


def test_services_name_their_own_target_groups(lively_demo):
    groups = [str(s.target_group) for s in Service.objects.all()]
    assert len(set(groups)) == len(groups), groups
    assert "Children, young people, parents" not in groups


def test_the_demo_is_the_same_for_the_same_seed(lively_demo):
    def facts():
        return sorted(
            (a.center.slug, a.slot.starts_at, a.status, a.alias)
            for a in Appointment.objects.filter(slot__starts_at__lt=timezone.now())
        )

    first = facts()
    assert len(first) > 20
    with transaction.atomic():
        call_command("demo_data", reset=True, no_history=True, stdout=io.StringIO())
        assert facts() == first
        transaction.set_rollback(True)


def test_make_demo_points_reminder_links_at_its_port():
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    assert "Reminder links: http://127.0.0.1:8123/" in plan
