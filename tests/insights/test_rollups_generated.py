"""The generator writes by COPY past the actions; its centres' rollups are rebuilt once at the
end, and equal a recomputation; the KPIs read them and agree with counts on the raw rows."""

import datetime as dt

import pytest

from nara.core.generator import GeneratorSize, generate
from nara.core.models import Appointment, Contact, SupportOffer
from nara.insights import kpis, rollups
from nara.insights.models import BookingRollup, ContactRollup, EscalationRollup, OfferRollup

pytestmark = pytest.mark.django_db


def test_generated_activity_has_rollups_equal_to_a_recomputation():
    generate(
        GeneratorSize(
            residents=3000, centres=2, years=1, seed=7, end=dt.date(2026, 11, 30),
            municipality_code="8101",
        )
    )  # fmt: skip
    for model in (ContactRollup, OfferRollup, BookingRollup, EscalationRollup):
        assert rollups.stored(model), model
        assert rollups.stored(model) == rollups.computed(model), model
    assert kpis.contacts()["contacts"] == Contact.objects.count()
    assert kpis.offer_funnel()["accepted"] == SupportOffer.objects.filter(answer="accepted").count()
    assert kpis.bookings()["no_show"] == Appointment.objects.filter(status="no_show").count()
    # Fewer topic-free rows than contacts: the monthly cut actually rolls up.
    totals = ContactRollup.objects.filter(topic="").count()
    assert totals < Contact.objects.count()
