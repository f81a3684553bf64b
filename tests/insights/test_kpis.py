"""The KPI definitions against hand-computed figures on a small known dataset made through the
real actions: contacts with several topics, offers with a corrected answer, bookings with a
cancellation, a reminder and a corrected mark, escalations, and a purged contact."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from nara.core import reminders
from nara.core.actions import booking, contacts, escalations, offers, retention
from nara.core.models import Area, Center, RecordType, Reminder, RetentionPolicy, Service, Slot
from nara.insights import kpis, kpis_activity, rollups, rollups_rebuild
from nara.insights.kpis import Filters
from nara.insights.models import BookingRollup, ContactRollup
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


def last_month():
    return rollups.month_of(rollups.month_of(timezone.localdate()) - dt.timedelta(days=1))


@pytest.fixture
def known(demo, settings, tmp_path):
    """The dataset; the figures the tests expect are worked out beside each record."""
    settings.NARA_SMS_GATEWAY = settings.NARA_EMAIL_GATEWAY = "console"
    settings.NARA_MESSAGE_DIR = tmp_path
    a, b = Center.objects.filter(kind="centre").order_by("pk")[:2]
    anna, omar = user("anna"), user("omar")
    counts_only = Service.objects.get(slug="motesplats")
    no_identity = Service.objects.get(slug="samtal")
    area = Area.objects.filter(catchments__center=a).order_by("pk").first()
    day = last_month() + dt.timedelta(days=9)

    def contact(centre=a, actor=anna, service=counts_only, **fields):
        fields.setdefault("channel", "drop_in")
        fields.setdefault("occurred_on", day)
        return contacts.do_register_contact(actor=actor, center=centre, service=service, **fields)

    # Centre A, last month: three contacts (two under one alias), three offers.
    c1 = contact(
        service=no_identity,
        alias_name="Tall-1234",
        topics=["parenting", "money"],
        age_band="26-64",
        gender="female",
        previously_known="no",
        first_contact=True,
        interpreter_used=True,
        language="ar",
        area=area,
        offer_service=counts_only,
        offer_answer="accepted",
    )
    c2 = contact(
        service=no_identity,
        alias_name="Tall-1234",
        channel="phone",
        topics=["money"],
        age_band="26-64",
        gender="male",
        previously_known="yes",
        area=area,
        offer_service=counts_only,
        offer_answer="declined",
    )
    contact(
        topics=[],
        age_band="13-17",
        first_contact=True,
        area_outside=True,
        offer_service=counts_only,
    )
    accepted = c1.offers.get()
    offers.do_start_offer(actor=anna, offer=accepted, started_on=day)
    offers.do_end_offer(actor=anna, offer=accepted, ended_on=day, outcome="completed")
    # Centre B: one contact, no offer.
    contact(centre=b, actor=omar, topics=["parenting"], gender="female", previously_known="no")
    # Centre A, 200 days ago: one contact the purge will take.
    contact(occurred_on=timezone.localdate() - dt.timedelta(days=200), topics=["money"])
    escalations.do_create_escalation(
        actor=anna, center=a, kind="formal_case", to_unit="Mottagningen", reason="economy"
    )
    escalations.do_create_escalation(
        actor=anna,
        center=a,
        kind="child_concern",
        to_unit="Barn och unga",
        reason="violence",
        identity_unknown_reason="Anonymous call",
    )
    escalations.do_create_escalation(
        actor=omar, center=b, kind="formal_case", to_unit="Mottagningen", reason="economy"
    )
    return {"a": a, "b": b, "area": area, "c2": c2, "anna": anna}


def period(*centres):
    month = last_month()
    return Filters(start=month, end=month, centers=tuple(c.pk for c in centres))


def test_contacts_by_centre_topic_and_dimension(known):
    a = known["a"]
    figures = kpis.contacts(period(a))
    assert figures == {
        "contacts": 3,
        "first_contacts": 2,
        "first_contact_share": 2 / 3,
        "previously_known": 1,
        "previously_unknown": 1,
        "previously_known_not_stated": 1,
        "previously_unknown_share": 0.5,  # 1 not known / (1 known + 1 not known)
        "interpreter_used": 1,
        "gender": {"female": 1, "male": 1, "other": 0, "not_stated": 1},
    }
    # Two topics on one contact: once under each, never twice in the total.
    assert [(r["value"], r["contacts"]) for r in kpis.contacts_by("topic", period(a))] == [
        ("money", 2),
        ("parenting", 1),
    ]
    by_money = kpis.contacts(Filters(**{**period(a).__dict__, "topic": "money"}))
    assert (by_money["contacts"], by_money["previously_unknown_share"]) == (2, 0.5)
    channels = kpis.contacts_by("channel", period(a))
    assert [(r["value"], r["contacts"]) for r in channels] == [("drop_in", 2), ("phone", 1)]
    areas = {r["value"]: r["contacts"] for r in kpis.contacts_by("area_id", period(a))}
    assert areas == {known["area"].pk: 2, -1: 1}  # -1: lives outside the catchment
    both = kpis.contacts(period(a, known["b"]))
    assert (both["contacts"], both["previously_unknown_share"]) == (4, 2 / 3)
    youth = kpis.contacts(Filters(**{**period(a).__dict__, "age_band": "13-17"}))
    assert (youth["contacts"], youth["previously_unknown_share"]) == (1, None)  # none stated


def test_offer_funnel_with_a_corrected_answer_and_no_offers_means_no_rate(known):
    a, b = known["a"], known["b"]
    funnel = kpis.offer_funnel(period(a))
    assert {k: funnel[k] for k in ("offered", "answered", "accepted", "declined")} == {
        "offered": 3,
        "answered": 2,
        "accepted": 1,
        "declined": 1,
    }
    assert (funnel["started"], funnel["completed"], funnel["no_answer"]) == (1, 1, 1)
    assert (funnel["acceptance_rate"], funnel["completion_rate"]) == (0.5, 1.0)
    # The declined answer was a mistake: corrected to accepted.
    declined = known["c2"].offers.get()
    day = declined.offered_on
    offers.do_answer_offer(actor=known["anna"], offer=declined, answer="accepted", answered_on=day)
    funnel = kpis.offer_funnel(period(a))
    assert (funnel["accepted"], funnel["declined"], funnel["acceptance_rate"]) == (2, 0, 1.0)
    assert funnel["offered"] == 3
    nothing = kpis.offer_funnel(period(b))
    assert (nothing["offered"], nothing["acceptance_rate"], nothing["completion_rate"]) == (
        0,
        None,
        None,
    )


def _slot(centre, starts_at):
    return Slot.objects.create(
        center=centre,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=45),
        modes=["centre"],
    )


def test_bookings_no_show_rate_with_and_without_a_reminder_after_a_cancellation_and_a_correction(
    known,
):
    a = known["a"]
    anna = known["anna"]
    now = timezone.now().replace(microsecond=0)
    visit = now + dt.timedelta(days=2)

    def book(phone=""):
        appointment, _token, _code = booking.do_book(
            slot_id=_slot(a, visit).pk, mode="centre", alias="Test", language="sv", phone=phone
        )
        return appointment

    reminded, came, cancelled, corrected = book("+46701234567"), book(), book(), book()
    booking.do_cancel(appointment=cancelled)
    with time_machine.travel(visit - dt.timedelta(hours=23), tick=False):
        for reminder in Reminder.objects.filter(appointment=reminded, status="pending"):
            if reminder.send_at <= timezone.now():
                assert reminders.deliver(reminder.pk) == "sent"
    with time_machine.travel(visit + dt.timedelta(hours=1), tick=False):
        for appointment, status in ((reminded, "no_show"), (came, "attended")):
            appointment.refresh_from_db()
            booking.do_mark(actor=anna, appointment=appointment, status=status)
        corrected.refresh_from_db()
        booking.do_mark(actor=anna, appointment=corrected, status="no_show")
        booking.do_correct_mark(
            actor=anna, appointment=corrected, status="attended", reason="She came, late"
        )
    figures = kpis.bookings(Filters(centers=(a.pk,), topic="money"))
    assert {k: figures[k] for k in ("booked", "attended", "no_show", "cancelled", "open")} == {
        "booked": 4,
        "attended": 2,
        "no_show": 1,
        "cancelled": 1,
        "open": 0,
    }
    assert figures["no_show_rate"] == 1 / 3  # 1 / (2 attended + 1 no-show); cancelled left out
    assert figures["with_reminder"]["booked"] == 1
    assert figures["with_reminder"]["no_show_rate"] == 1.0
    assert figures["without_reminder"]["no_show_rate"] == 0.0  # 0 of 2: a rate, not None
    assert figures["not_filtered_by"] == ["topic"]
    assert kpis.bookings(Filters(centers=(known["b"].pk,)))["no_show_rate"] is None


def test_a_visit_just_after_midnight_counts_in_its_local_month(known):
    a = known["a"]
    month = rollups.next_month(rollups.next_month(rollups.month_of(timezone.localdate())))
    local_midnight = dt.datetime.combine(month, dt.time(0, 30), tzinfo=rollups.reporting_zone())
    booking.do_book(slot_id=_slot(a, local_midnight).pk, mode="centre", alias="Test", language="sv")
    assert kpis.bookings(Filters(start=month, end=month, centers=(a.pk,)))["booked"] == 1
    stored = rollups_rebuild.stored(BookingRollup)
    assert stored == rollups_rebuild.computed(BookingRollup)


def test_escalations_by_kind_and_reason(known):
    figures = kpis.escalations(Filters(centers=(known["a"].pk,)))
    assert figures == {
        "escalations": 2,
        "by_kind": {"child_concern": 1, "formal_case": 1},
        "by_reason": {"economy": 1, "violence": 1},
        "not_filtered_by": [],
    }
    assert kpis.escalations()["escalations"] == 3


def test_reach_counts_distinct_aliases_from_the_raw_rows(known):
    reached = kpis.reach(period(known["a"]))
    assert reached == {"people": 0, "households": 0, "aliases": 1, "complete": True}
    money = kpis.reach(Filters(**{**period(known["a"]).__dict__, "topic": "money"}))
    assert money["aliases"] == 1
    assert (
        kpis.reach(Filters(**{**period(known["a"]).__dict__, "topic": "loneliness"}))["aliases"]
        == 0
    )


def test_purged_contacts_stay_counted_and_rebuild_keeps_their_month(known):
    a = known["a"]
    old_day = timezone.localdate() - dt.timedelta(days=200)
    old = Filters(start=old_day, end=old_day, centers=(a.pk,))
    assert kpis.contacts(old)["contacts"] == 1
    RetentionPolicy.objects.update_or_create(record_type=RecordType.CONTACT, defaults={"days": 100})
    protocol = retention.do_purge(actor="test")
    assert protocol.counts["contacts"] == 1
    assert kpis.contacts(old)["contacts"] == 1  # the statistics survive the raw row
    assert kpis.reach(old)["complete"] is False
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "kept as they are" in out.getvalue()
    assert kpis.contacts(old)["contacts"] == 1
    assert kpis.contacts(period(a))["contacts"] == 3
    # A month after the purge mark is rebuilt from its raw rows and equals the maintained one.
    since = rollups.first_complete_month(ContactRollup)
    assert since <= last_month()
    assert rollups_rebuild.stored(ContactRollup, since=since) == rollups_rebuild.computed(
        ContactRollup, start=since
    )


def test_time_to_first_offer_and_meeting_follows_each_first_contact(known):
    """Tall-1234's first contact was a drop-in with an offer (0 days to both). Quiet-77 first
    phoned, was offered help in a call 3 days later and came to a booked visit 15 days later."""
    a = known["a"]
    no_identity, counts_only = (Service.objects.get(slug=s) for s in ("samtal", "motesplats"))
    first = last_month() + dt.timedelta(days=9)

    def contact(days, channel, **fields):
        return contacts.do_register_contact(
            actor=known["anna"],
            center=a,
            service=no_identity,
            channel=channel,
            occurred_on=first + dt.timedelta(days=days),
            alias_name="Quiet-77",
            **fields,
        )

    contact(0, "phone", first_contact=True)
    contact(3, "phone", offer_service=counts_only)
    contact(15, "booked")

    figures = kpis_activity.time_to_first(period(a))

    assert figures["followed"] == 2
    assert figures["offer"] == {"reached": 2, "average_days": 1.5, "within_14_days": 2}
    assert figures["meeting"] == {"reached": 2, "average_days": 7.5, "within_14_days": 1}
