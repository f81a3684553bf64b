"""The generator writes by COPY past the actions; its centres' rollups are rebuilt once at the
end, and equal a recomputation; the KPIs read them and agree with counts on the raw rows."""

import datetime as dt

import pytest

from nara.core.generator import GeneratorSize, generate
from nara.core.models import Appointment, Contact, SupportOffer
from nara.insights import kpis, rollups, rollups_rebuild
from nara.insights.models import ContactRollup
from tests.insights.slices import slices_from_cube

pytestmark = pytest.mark.django_db


def test_generated_activity_has_rollups_equal_to_a_recomputation():
    generate(
        GeneratorSize(
            residents=3000, centres=2, years=1, seed=7, end=dt.date(2026, 11, 30),
            municipality_code="8101",
        )
    )  # fmt: skip
    for model in rollups.ROLLUPS:
        assert rollups_rebuild.stored(model), model
        assert rollups_rebuild.stored(model) == rollups_rebuild.computed(model), model
    assert kpis.contacts()["contacts"] == Contact.objects.count()
    assert kpis.offer_funnel()["accepted"] == SupportOffer.objects.filter(answer="accepted").count()
    assert kpis.bookings()["no_show"] == Appointment.objects.filter(status="no_show").count()
    # Fewer topic-free rows than contacts: the monthly cut actually rolls up.
    totals = ContactRollup.objects.filter(topic="").count()
    assert totals < Contact.objects.count()


SINGLE_FILTERS = [
    {},
    {"channel": "drop_in"},
    {"age_band": "26-64"},
    {"topic": "parenting"},
    {"area": 0},
    {"centers": None, "start": dt.date(2026, 3, 1), "end": dt.date(2026, 8, 31)},
]
GROUPS = [None, "month", "center_id", "area_id", "topic", "age_band", "channel", "language"]


def test_the_slices_answer_exactly_as_the_cube(django_assert_max_num_queries):
    """Totals and one-way breakdowns read the narrow slices; they must say what the cube says
    for every filter and grouping they answer, and combined filters fall back to the cube."""
    generate(
        GeneratorSize(
            residents=3000, centres=2, years=1, seed=11, end=dt.date(2026, 11, 30),
            municipality_code="8102",
        )
    )  # fmt: skip
    area = ContactRollup.objects.exclude(area_id__lte=0).values_list("area_id", flat=True)[0]
    some_centre = ContactRollup.objects.values_list("center_id", flat=True)[0]
    answered = 0
    for given in [*SINGLE_FILTERS, {"area": area}, {"centers": (some_centre,)}]:
        filters = kpis.Filters(**given)
        for group in GROUPS:
            for model in (kpis.ContactRollup, kpis.OfferRollup):
                if model is kpis.OfferRollup and group == "language":
                    continue
                sliced = kpis._slice_rows(model, filters, group)
                if sliced is None:
                    continue
                answered += 1
                cube = kpis._cube_rows(model, filters, by_topic=group == "topic")
                assert _grouped(sliced, group, model) == _grouped(cube, group, model), (
                    given, group, model
                )  # fmt: skip
    assert answered > 60
    both = kpis.Filters(channel="drop_in", age_band="26-64")
    assert kpis._slice_rows(kpis.ContactRollup, both, None) is None
    assert (
        kpis.contacts(both)["contacts"]
        == Contact.objects.filter(channel="drop_in", age_band="26-64").count()
    )


def _grouped(rows, group, model):
    if group is None:
        return kpis._sums(rows, model.MEASURES)
    grouped = rows.values(group).annotate(**{f"s_{m}": kpis.Sum(m) for m in model.MEASURES})
    return {
        row[group]: tuple(row[f"s_{m}"] for m in model.MEASURES)
        for row in grouped.order_by()
        if any(row[f"s_{m}"] for m in model.MEASURES)
    }


def test_the_migration_fills_the_slices_from_the_cube():
    """Installations upgraded to the slices get them from the cube, purged months included."""
    from nara.insights.models import ContactSlice, OfferSlice

    generate(
        GeneratorSize(
            residents=3000, centres=2, years=1, seed=5, end=dt.date(2026, 11, 30),
            municipality_code="8103",
        )
    )  # fmt: skip
    expected = {m: rollups_rebuild.stored(m) for m in (ContactSlice, OfferSlice)}
    assert all(expected.values())
    slices_from_cube()
    assert {m: rollups_rebuild.stored(m) for m in (ContactSlice, OfferSlice)} == expected
