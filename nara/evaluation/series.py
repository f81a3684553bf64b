"""Monthly series per area for the evaluation: Nära's own (from the insights' rollups, read on
the reporting database) and the imported ones (OutcomeValue).

Outcome keys: ``nara:contacts`` (contacts per 1,000 residents, by the resident's area),
``nara:acceptance`` (accepted / (accepted + declined) offers, in per cent), a measure code
(OutcomeMeasure), or ``other:<name>``.

The no-show rate is not an outcome here: bookings have no area (an appointment knows its
centre, not where the resident lives), and a centre's own no-show rate has no months before
the centre opened, so there is nothing to compare before with after.
"""

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from nara.core.models import Area
from nara.insights.kpis import slices
from nara.insights.models import ContactSlice, OfferSlice

from .models import OutcomeMeasure, OutcomeValue

CONTACTS = "nara:contacts"
ACCEPTANCE = "nara:acceptance"
OTHER_PREFIX = "other:"
NARA_OUTCOMES = {
    CONTACTS: _("contacts per 1,000 residents (Nära)"),
    ACCEPTANCE: _("acceptance rate of offers, % (Nära)"),
}


def outcome_label(key):
    if key in NARA_OUTCOMES:
        return str(NARA_OUTCOMES[key])
    if key.startswith(OTHER_PREFIX):
        return key[len(OTHER_PREFIX) :]
    try:
        return str(OutcomeMeasure(key).label)
    except ValueError:
        return key


def outcome_choices(municipality):
    """(key, label) of every outcome that has data: Nära's own, then the imported ones."""
    choices = [(key, str(label)) for key, label in NARA_OUTCOMES.items()]
    imported = (
        OutcomeValue.objects.filter(area__municipality=municipality)
        .values_list("measure", "other_name")
        .distinct()
        .order_by("measure", "other_name")
    )
    for measure, other_name in imported:
        key = f"{OTHER_PREFIX}{other_name}" if measure == OutcomeMeasure.OTHER else measure
        choices.append((key, outcome_label(key)))
    return choices


def load(municipality, outcome, area_ids, first_month, last_month):
    """[(area id, month, value)] of the outcome for the areas, months first…last."""
    months = Q(month__gte=first_month, month__lte=last_month)
    if outcome == CONTACTS:
        return _contacts(municipality, area_ids, months)
    if outcome == ACCEPTANCE:
        return _acceptance(area_ids, months)
    measure, other_name = outcome, ""
    if outcome.startswith(OTHER_PREFIX):
        measure, other_name = OutcomeMeasure.OTHER, outcome[len(OTHER_PREFIX) :]
    rows = OutcomeValue.objects.filter(
        months, area_id__in=area_ids, measure=measure, other_name=other_name
    )
    return list(rows.values_list("area_id", "month", "value"))


def _contacts(municipality, area_ids, months):
    """Contacts per 1,000 residents. A month in which Nära was in use (any contact in the
    municipality) and an area had none counts 0; months before that have no value."""
    centre_ids = list(municipality.centers.values_list("pk", flat=True))
    in_use = set(
        slices(ContactSlice)
        .filter(months, center_id__in=centre_ids, contacts__gt=0)
        .values_list("month", flat=True)
        .distinct()
    )
    counts = {
        (row["area_id"], row["month"]): row["n"]
        for row in slices(ContactSlice, "area")
        .filter(months, value__in=[str(pk) for pk in area_ids])
        .values("area_id", "month")
        .annotate(n=Sum("contacts"))
    }
    population = dict(
        Area.objects.filter(pk__in=area_ids, population__gt=0).values_list("pk", "population")
    )
    return [
        (area_id, month, 1000 * counts.get((area_id, month), 0) / population[area_id])
        for area_id in area_ids
        if area_id in population
        for month in sorted(in_use)
    ]


def _acceptance(area_ids, months):
    rows = (
        slices(OfferSlice, "area")
        .filter(months, value__in=[str(pk) for pk in area_ids])
        .values("area_id", "month")
        .annotate(accepted=Sum("accepted"), declined=Sum("declined"))
    )
    return [
        (row["area_id"], row["month"], 100 * row["accepted"] / decided)
        for row in rows
        if (decided := row["accepted"] + row["declined"]) > 0
    ]
