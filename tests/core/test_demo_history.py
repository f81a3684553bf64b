"""The demo's year of history: every centre has figures every month since it opened, reminders
visibly lower the no-show rate, the rollups are the raw rows', and nothing lies in the future."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from nara.core.demo_history import SURNAMES, build_history, summary
from nara.core.models import (
    Alias,
    Appointment,
    Center,
    Contact,
    Escalation,
    FollowUpTask,
    GroupSession,
    OutreachShift,
    Person,
    Referral,
    ReferralEvent,
    Reminder,
    SupportOffer,
    VisitFeedbackTally,
)
from nara.insights import kpis, rollups, rollups_rebuild

pytestmark = pytest.mark.django_db
MONTHS = 12


@pytest.fixture(scope="module")
def history(demo, django_db_blocker):
    """The demo without its activity, and a year of history at a third of the demo's volume."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = build_history(demo, months=MONTHS, seed=7, scale=0.3)
        yield counts
        transaction.set_rollback(True)


def complete_months():
    """The twelve whole months before this one, oldest first."""
    month = rollups.month_of(timezone.localdate())
    months = []
    for _n in range(MONTHS):
        month = rollups.month_of(month - dt.timedelta(days=1))
        months.insert(0, month)
    return months


def test_every_centre_has_contacts_every_month_since_it_opened(history):
    for centre in Center.objects.all():
        per_month = {
            row["value"]: row["contacts"]
            for row in kpis.contacts_by("month", kpis.Filters(centers=(centre.pk,)))
        }
        open_months = [m for m in complete_months() if m >= rollups.month_of(centre.opened_on)]
        assert open_months, centre.name
        assert all(per_month.get(m, 0) > 0 for m in open_months), (centre.name, per_month)


def test_each_centre_has_an_opening_date_and_a_believable_budget(history):
    today = timezone.localdate()
    opened = sorted(Center.objects.filter(kind="centre").values_list("opened_on", flat=True))
    assert 7 * 30 <= (today - opened[-1]).days <= 9 * 31  # the young one: about 8 months
    assert (today - opened[0]).days > 2 * 365
    for centre in Center.objects.all():
        assert 3_000_000 <= centre.annual_budget_sek <= 6_000_000, centre.name


def test_nothing_at_a_centre_before_it_opened(history):
    for centre in Center.objects.all():
        before = centre.opened_on
        assert not Contact.objects.filter(center=centre, occurred_on__lt=before).exists()
        assert not SupportOffer.objects.filter(center=centre, offered_on__lt=before).exists()
        assert not Escalation.objects.filter(center=centre, made_on__lt=before).exists()
        assert not OutreachShift.objects.filter(center=centre, date__lt=before).exists()
        visits = Appointment.objects.filter(center=centre)
        assert not visits.filter(slot__starts_at__date__lt=before).exists()
        assert not visits.filter(created_at__date__lt=before).exists()
        assert not Referral.objects.filter(center=centre, created_at__date__lt=before).exists()
        assert not GroupSession.objects.filter(
            activity__center=centre, starts_at__date__lt=before
        ).exists()
        feedback = VisitFeedbackTally.objects.filter(center=centre)
        assert not feedback.filter(month__lt=rollups.month_of(before)).exists()


def test_a_reminder_visibly_lowers_the_no_show_rate(history):
    figures = kpis.bookings()
    with_reminder = figures["with_reminder"]["no_show_rate"]
    without = figures["without_reminder"]["no_show_rate"]
    assert figures["with_reminder"]["booked"] > 100 and figures["without_reminder"]["booked"] > 100
    assert with_reminder < 0.7 * without
    assert figures["cancelled_by_resident"] and figures["cancelled_by_centre"]


def test_the_rollups_equal_a_rebuild_from_the_raw_rows(history):
    for model in rollups.ROLLUPS:
        assert rollups_rebuild.stored(model), model.__name__
        assert rollups_rebuild.stored(model) == rollups_rebuild.computed(model), model.__name__


def test_nothing_is_dated_after_now_and_every_link_holds(history):
    now, today = timezone.now(), timezone.localdate()
    connection.check_constraints()
    assert not Contact.objects.filter(occurred_on__gt=today).exists()
    for field in ("answered_on", "started_on", "ended_on"):
        assert not SupportOffer.objects.filter(**{f"{field}__gt": today}).exists(), field
    assert not Escalation.objects.filter(made_on__gt=today).exists()
    assert not FollowUpTask.objects.filter(due__gt=today).exists()
    assert not FollowUpTask.objects.filter(done_at__gt=now).exists()
    assert not Referral.objects.filter(status_changed_at__gt=now).exists()
    assert not ReferralEvent.objects.filter(at__gt=now).exists()
    assert not OutreachShift.objects.filter(ends_at__gt=now).exists()
    assert not GroupSession.objects.filter(ends_at__gt=now).exists()
    assert not Appointment.objects.filter(slot__ends_at__gt=now).exists()
    assert not Appointment.objects.filter(status_changed_at__gt=now).exists()
    assert not Reminder.objects.filter(send_at__gt=now).exists()
    assert not VisitFeedbackTally.objects.filter(month__gt=today).exists()
    assert not Person.objects.filter(created_at__gt=now).exists()
    assert not Alias.objects.filter(created_at__gt=now).exists()


def test_statuses_are_as_the_actions_leave_them(history):
    offers = SupportOffer.objects
    assert not offers.filter(started_on__isnull=False).exclude(answer="accepted").exists()
    assert not offers.filter(outcome="").exclude(ended_on=None).exists()
    assert not offers.exclude(outcome="").filter(ended_on=None).exists()
    for offer in offers.exclude(started_on=None).select_related("contact")[:500]:
        assert offer.offered_on <= offer.answered_on <= offer.started_on
        assert offer.contact.occurred_on == offer.offered_on
    # A no-show starts its follow-up task; an escalation its 14-day clock.
    no_shows = Appointment.objects.filter(status="no_show")
    assert FollowUpTask.objects.filter(appointment__in=no_shows).count() == no_shows.count()
    assert FollowUpTask.objects.filter(escalation__isnull=False).count() == (
        Escalation.objects.count()
    )
    # Visits past the booking retention period are anonymised as the purge leaves them.
    old = Appointment.objects.filter(slot__ends_at__lt=timezone.now() - dt.timedelta(days=31))
    assert old.exists() and set(old.values_list("alias", flat=True)) == {"–"}
    assert not old.exclude(phone_encrypted="", email_encrypted="").exists()
    assert not Reminder.objects.filter(appointment__in=old).exists()
    # Every referral's last event is its status.
    for referral in Referral.objects.prefetch_related("events")[:200]:
        assert list(referral.events.all())[-1].status == referral.status


def test_row_counts_and_few_identified_people(history):
    assert history["contact"] == Contact.objects.count()
    assert 2_000 < history["contact"] < 6_000
    assert history["appointment"] == Appointment.objects.count() > 400
    for kind in ("offer", "escalation", "referral", "event", "outreach", "session", "reminder"):
        assert history[kind] > 0, kind
    assert 50 < history["feedback_answers"] < 1_000
    # Counts only or an alias for most contacts; few people, all with invented surnames.
    identified = Contact.objects.exclude(person=None, household=None).count()
    assert identified < 0.1 * history["contact"]
    assert Person.objects.count() < 80
    assert set(Person.objects.values_list("last_name", flat=True)) <= set(SURNAMES)
    assert not Person.objects.exclude(personnummer_encrypted="").exists()
    # Some months of residents' feedback are shown, some too small to show (fewer than 5).
    per_month = {}
    for row in VisitFeedbackTally.objects.filter(question="welcome"):
        key = (row.center_id, row.month)
        per_month[key] = per_month.get(key, 0) + row.count
    assert any(n >= 5 for n in per_month.values()) and any(n < 5 for n in per_month.values())
    assert f"{history['contact']:,} contacts" in summary(history, MONTHS)


def test_the_summer_and_christmas_are_quiet(history):
    per_month = {row["value"]: row["contacts"] for row in kpis.contacts_by("month")}
    complete = complete_months()
    by_month = {m.month: per_month.get(m, 0) for m in complete}
    assert by_month[7] < 0.6 * by_month[10]
    assert by_month[12] < by_month[11]


def test_demo_data_builds_the_history_after_the_demo_and_says_so(monkeypatch):
    import io

    from django.core.management import call_command

    from nara.core.management.commands import demo_data
    from nara.core.models import Municipality

    calls = []

    def fake_demo(*, seed, activity):
        Municipality.objects.create(code="9999", name="Exempelstad", is_example=True)
        return "Created the example municipality."

    def fake_history(municipality, *, months, seed):
        calls.append((municipality.is_example, months, seed))
        return dict.fromkeys(
            ["contact", "offer", "appointment", "escalation", "referral", "outreach", "session"],
            3,
        ) | {"feedback_answers": 2}

    monkeypatch.setattr(demo_data, "build_demo", fake_demo)
    monkeypatch.setattr(demo_data, "build_history", fake_history)
    monkeypatch.setattr(demo_data, "build_demo_outcomes", lambda m: "Imported outcome series.")
    with transaction.atomic():
        out = io.StringIO()
        call_command("demo_data", reset=True, history_months=13, stdout=out)
        assert calls == [(True, 13, 2026)]
        assert "Generated 13 months of history at the centres: 3 contacts" in out.getvalue()
        call_command("demo_data", reset=True, no_history=True, stdout=io.StringIO())
        call_command("demo_data", reset=True, no_activity=True, stdout=io.StringIO())
        assert len(calls) == 1
        transaction.set_rollback(True)
