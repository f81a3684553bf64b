"""The activity generator: a tiny municipality in seconds, deterministic, every link valid."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from nara.core.generator import NOTES, GeneratorSize, generate
from nara.core.models import (
    Appointment,
    Contact,
    Escalation,
    FollowUpTask,
    HouseholdMember,
    Municipality,
    Person,
    SupportOffer,
)

pytestmark = pytest.mark.django_db

END = dt.date(2026, 11, 30)


def tiny(code, seed=7):
    return GeneratorSize(
        residents=3000, centres=2, years=1, seed=seed, end=END, municipality_code=code
    )


def fingerprint(code):
    contacts = Contact.objects.filter(center__municipality__code=code)
    rows = contacts.values_list(
        "occurred_on", "channel", "topics", "age_band", "gender", "language", "first_contact",
        "duration_minutes", "previously_known",
    )  # fmt: skip
    offers = SupportOffer.objects.filter(center__municipality__code=code)
    return (
        sorted(map(str, rows)),
        sorted(map(str, offers.values_list("offered_on", "answer", "started_on", "outcome"))),
        Appointment.objects.filter(center__municipality__code=code).count(),
    )


def test_a_tiny_municipality_has_every_kind_of_record_and_valid_links():
    result = generate(tiny("8001"))
    counts = result["counts"]
    assert counts["contact"] == Contact.objects.count() > 1500
    assert counts["appointment"] == Appointment.objects.count() > 400
    for kind in ("person", "household", "member", "alias", "offer", "task", "slot"):
        assert counts[kind] > 0, kind
    assert result["rows_per_second"] > 0 and result["peak_memory_mib"] < 1024
    connection.check_constraints()  # every foreign key points at a row that exists
    assert not Contact.objects.filter(occurred_on__gt=END).exists()
    assert not HouseholdMember.objects.exclude(person__in=Person.objects.all()).exists()
    noted = Contact.objects.exclude(note_encrypted="").first()
    assert noted.note in NOTES  # encrypted like the model expects, and reads decrypt
    # The funnel is computable: accepted offers started, some completed.
    offers = SupportOffer.objects
    assert offers.filter(answer="accepted", started_on__isnull=False).exists()
    assert offers.filter(outcome="completed").exists()
    # No-shows and escalations start their tasks.
    assert FollowUpTask.objects.filter(appointment__status="no_show").count() == (
        Appointment.objects.filter(status="no_show").count()
    )
    assert FollowUpTask.objects.filter(escalation__isnull=False).count() == (
        Escalation.objects.count()
    )
    # Counts-only services never carry anyone.
    counts_only = Contact.objects.filter(service__documentation_level="counts_only")
    assert not counts_only.exclude(person=None, household=None, alias=None).exists()


def test_the_same_seed_gives_the_same_municipality_and_another_seed_another():
    generate(tiny("8002"))
    generate(tiny("8003"))
    generate(tiny("8004", seed=8))
    assert fingerprint("8002") == fingerprint("8003")
    assert fingerprint("8002") != fingerprint("8004")


def test_the_command_scales_down_and_states_its_rate():
    out = io.StringIO()
    call_command(
        "generate_activity", "--scale", "0.005", "--years", "0.5", "--seed", "3",
        "--end", "2026-11-30", "--municipality-code", "8005", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "Generating 3,000 residents, 2 centres" in text
    assert "rows/s" in text and "peak memory" in text
    assert Municipality.objects.filter(code="8005").exists()
