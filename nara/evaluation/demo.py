"""Example outcome series and a saved evaluation for the demo municipality.

Two years of believable monthly figures per area — reports of concern per 1,000 children and
external placements — with a modest improvement planted in the catchments of the demo's
social centres after they opened (reports −15 %, external placements −25 %). The series go
through the CSV import (semicolons and decimal commas, as Excel writes them in Sweden), so the
demo exercises the same path as a real file. Centres without an opening date get one (the
first two: 12 and 9 months before the last month; the third stays unopened, so its catchment
can serve as comparison).
"""

import datetime as dt
import math
import random

from django.utils import timezone

from nara.core.actions.centers import do_update
from nara.core.models import Area, AreaIndicator, Center
from nara.insights.rollups import month_of

from . import imports, services
from .actions import do_create_evaluation, do_import_outcomes
from .models import OutcomeMeasure

ACTOR = "demo"
MONTHS = 24
OPENED_MONTHS_AGO = (12, 9)
REPORTS_EFFECT = 0.85
PLACEMENTS_EFFECT = 0.75


def _months_back(month, count):
    for _step in range(count):
        month = month_of(month - dt.timedelta(days=1))
    return month


def _open_centres(municipality, last_month):
    centres = list(Center.objects.filter(municipality=municipality, kind="centre").order_by("pk"))
    for centre, ago in zip(centres, OPENED_MONTHS_AGO, strict=False):
        if centre.opened_on is None:
            opened = _months_back(last_month, ago) + dt.timedelta(days=14)
            do_update(actor=ACTOR, obj=centre, fields={"opened_on": opened})


def _need(area):
    value = (
        AreaIndicator.objects.filter(area=area, name="income_support")
        .values_list("value", flat=True)
        .first()
    )
    return min(1.0, max(0.0, ((value or 4.0) - 1) / 12))


def _csv(municipality, last_month, rng):
    treated = services.default_treated(municipality)
    lines = ["områdeskod;månad;mått;värde"]
    months = [_months_back(last_month, MONTHS - 1 - i) for i in range(MONTHS)]
    for area in Area.objects.filter(municipality=municipality).order_by("code"):
        need = _need(area)
        children = max(area.population_0_17 or 300, 100)
        level = 6 + 18 * need + rng.uniform(-1.5, 1.5)
        placements = children * (0.002 + 0.006 * need)
        opened = treated.get(area.pk)
        for month in months:
            season = 1 + 0.08 * math.sin(2 * math.pi * (month.month - 3) / 12)
            after = opened is not None and month >= month_of(opened)
            reports = level * season * (REPORTS_EFFECT if after else 1) + rng.gauss(0, 1.0)
            external = placements * (PLACEMENTS_EFFECT if after else 1) + rng.gauss(0, 0.4)
            for measure, value in (
                (OutcomeMeasure.REPORTS_OF_CONCERN, max(reports, 0)),
                (OutcomeMeasure.PLACEMENTS_EXTERNAL, max(round(external), 0)),
            ):
                text = f"{value:.1f}".replace(".", ",")
                lines.append(f"{area.code};{month:%Y-%m};{measure.value};{text}")
    return "\r\n".join(lines).encode("cp1252")


def build_demo_outcomes(municipality, *, seed=2026):
    """Import the example series and save an example evaluation; returns a summary line."""
    rng = random.Random(seed)
    last_month = _months_back(month_of(timezone.localdate()), 1)
    _open_centres(municipality, last_month)
    rows = imports.parse_outcomes(_csv(municipality, last_month, rng), municipality)
    do_import_outcomes(
        actor=ACTOR, municipality=municipality, rows=rows, file_name="exempel_utfall.csv"
    )
    first_month = _months_back(last_month, MONTHS - 1)
    # Only openings with months of the series both before and after them can be evaluated
    # (the demo's history opened some centres years ago).
    treated = {
        area: opened
        for area, opened in services.default_treated(municipality).items()
        if first_month < month_of(opened) <= last_month
    }
    request = services.Request(
        name="Orosanmälningar före och efter öppnandet",
        outcome=OutcomeMeasure.REPORTS_OF_CONCERN.value,
        matching="need",
        first_month=first_month,
        last_month=last_month,
        treated={area: treated[area.pk] for area in Area.objects.filter(pk__in=treated)},
    )
    try:
        asked, result = services.run(municipality, request)
    except services.EvaluationInputError as exc:
        # The demo's history may have opened every centre's catchment: then there is nothing
        # to compare with, and the evaluation page says the same to whoever tries.
        return f"{len(rows)} example outcome values; no example evaluation: {exc}"
    do_create_evaluation(
        actor=ACTOR,
        municipality=municipality,
        name=asked.name,
        outcome=asked.outcome,
        matching=asked.matching,
        period_start=asked.first_month,
        period_end=asked.last_month,
        treated=asked.treated,
        comparison=asked.comparison,
        centres=services.centres_of(municipality, asked.treated),
        result=result,
    )
    return f"{len(rows)} example outcome values and an example evaluation."
