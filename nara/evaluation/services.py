"""Between the pages and the statistics: default treated areas, comparison areas matched on the
need index, the checks of an evaluation's input, and running the estimation."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from nara.core.models import Area, CatchmentMembership, Center
from nara.insights.rollups import month_of, next_month
from nara.planning import services as planning

from . import did, series

# Estimating with more areas or months than this would hold a request too long.
MAX_AREAS = 400
MAX_MONTHS = 180


class EvaluationInputError(ValueError):
    """An evaluation that cannot be made; the message says why, for the person asking."""


@dataclass
class Request:
    name: str
    outcome: str
    matching: str  # Evaluation.Matching
    first_month: dt.date
    last_month: dt.date
    treated: dict = field(default_factory=dict)  # Area → opening date
    comparison: list = field(default_factory=list)  # [Area]

    @property
    def last_month_end(self):
        return next_month(self.last_month) - dt.timedelta(days=1)


def opened_catchments(municipality):
    """{area id: (opening date, centre)} for the areas in the current catchment of a centre
    with an opening date; an area of several such centres keeps the earliest opening."""
    found = {}
    memberships = CatchmentMembership.objects.select_related("center").filter(
        center__municipality=municipality, center__opened_on__isnull=False
    )
    for membership in memberships.order_by("center__opened_on", "center_id"):
        centre = membership.center
        if membership.layer == centre.catchment_layer:
            found.setdefault(membership.area_id, (centre.opened_on, centre))
    return found


def default_treated(municipality):
    """{area id: opening date}: the catchments of the centres that have an opening date."""
    return {area_id: day for area_id, (day, _c) in opened_catchments(municipality).items()}


def check(municipality, request):
    """Refuse what cannot be evaluated, naming the area or field at fault."""
    if request.first_month >= request.last_month:
        raise EvaluationInputError(_("The first month must come before the last month."))
    months = did.month_number(request.last_month) - did.month_number(request.first_month) + 1
    if months > MAX_MONTHS:
        raise EvaluationInputError(
            _("The period may be at most %(max)d months long.") % {"max": MAX_MONTHS}
        )
    if not request.treated:
        raise EvaluationInputError(_("Choose at least one treated area with its opening date."))
    for area, day in request.treated.items():
        if day is None:
            raise EvaluationInputError(
                _("The treated area %(area)s has no opening date.") % {"area": area.name}
            )
        if not request.first_month < month_of(day) <= request.last_month:
            raise EvaluationInputError(
                _(
                    "The opening of %(area)s (%(date)s) must fall after the first month and "
                    "within the period, so that there are months both before and after it."
                )
                % {"area": area.name, "date": day.isoformat()}
            )
    if request.matching == "chosen" and not request.comparison:
        raise EvaluationInputError(
            _("Choose at least one comparison area, or let Nära match them on the need index.")
        )
    both = set(request.treated) & set(request.comparison)
    if both:
        raise EvaluationInputError(
            _("%(area)s cannot be both treated and a comparison area.")
            % {"area": sorted(both, key=str)[0].name}
        )
    opened = opened_catchments(municipality)
    for area in request.comparison:
        if area.pk in opened and opened[area.pk][0] <= request.last_month_end:
            day, centre = opened[area.pk]
            raise EvaluationInputError(
                _(
                    "%(area)s cannot be a comparison area: %(centre)s, which serves it, opened "
                    "on %(date)s, within the period. Comparison areas must never have been "
                    "treated."
                )
                % {"area": area.name, "centre": centre.name, "date": day.isoformat()}
            )
    if len(request.treated) + len(request.comparison) > MAX_AREAS:
        raise EvaluationInputError(
            _("An evaluation may hold at most %(max)d areas.") % {"max": MAX_AREAS}
        )


def match_on_need(municipality, treated, *, excluded=(), count=None, with_data=None):
    """Comparison areas: for each treated area (neediest first) the never-treated area with
    the nearest need index not yet taken. Only areas with data when ``with_data`` is given."""
    try:
        need = planning.compute_need(municipality)
    except planning.PlanInputError as exc:
        raise EvaluationInputError(
            _("The comparison areas cannot be matched on the need index: %(why)s")
            % {"why": exc.message}
        ) from None
    index = dict(zip(need.areas.ids, (float(v) for v in need.index.index), strict=True))
    never = set(opened_catchments(municipality)) | {a.pk for a in treated} | set(excluded)
    pool = {pk: value for pk, value in index.items() if pk not in never}
    if with_data is not None:
        pool = {pk: value for pk, value in pool.items() if pk in with_data}
    chosen = []
    wanted = [a for a in treated if a.pk in index]
    for area in sorted(wanted, key=lambda a: -index[a.pk]):
        if not pool or (count is not None and len(chosen) >= count):
            break
        best = min(pool, key=lambda pk: (abs(pool[pk] - index[area.pk]), pk))
        chosen.append(best)
        del pool[best]
    return list(Area.objects.filter(pk__in=chosen))


def run(municipality, request):
    """Check, match if asked, load the series and estimate: (request, result dict)."""
    check(municipality, request)
    treated_ids = [a.pk for a in request.treated]
    if request.matching == "need":
        candidates = series.load(
            municipality,
            request.outcome,
            list(Area.objects.filter(municipality=municipality).values_list("pk", flat=True)),
            request.first_month,
            request.last_month,
        )
        with_data = {row[0] for row in candidates}
        request.comparison = match_on_need(
            municipality,
            list(request.treated),
            excluded=[a.pk for a in request.comparison],
            with_data=with_data,
        )
        if not request.comparison:
            raise EvaluationInputError(
                _("There is no never-treated area with data to compare with.")
            )
    ids = treated_ids + [a.pk for a in request.comparison]
    rows = series.load(municipality, request.outcome, ids, request.first_month, request.last_month)
    _require_data(rows, request)
    design = did.Design(
        treated={a.pk: month_of(day) for a, day in request.treated.items()},
        comparison=frozenset(a.pk for a in request.comparison),
    )
    try:
        result = did.estimate(rows, design)
    except did.EstimationError as exc:
        raise EvaluationInputError(estimation_message(exc.code)) from None
    result["outcome"] = request.outcome
    return request, result


def _require_data(rows, request):
    present = {row[0] for row in rows}
    for area in [*request.treated, *request.comparison]:
        if area.pk not in present:
            raise EvaluationInputError(
                _("%(area)s has no values of %(outcome)s in the period.")
                % {"area": area.name, "outcome": series.outcome_label(request.outcome)}
            )


def estimation_message(code):
    return {
        "no_treated_data": _("The treated areas have no values in the period."),
        "no_comparison_data": _("The comparison areas have no values in the period."),
        "no_months_before": _("There are no values before any opening: nothing to compare."),
        "no_months_after": _("There are no values after any opening: nothing to compare."),
        "no_reference_month": _(
            "No treated area has a value for the month before its opening, which the "
            "estimate is measured against."
        ),
        "not_identified": _(
            "The effect cannot be told apart from the differences between months and areas "
            "with these data (too few areas or months)."
        ),
    }.get(code, _("The effect cannot be estimated with these data."))


def centres_of(municipality, treated):
    """The centres whose catchments hold one of the treated areas."""
    return Center.objects.filter(
        municipality=municipality, catchment__area__in=list(treated)
    ).distinct()
