"""Evaluation pages: saved evaluations, a new one, one result, the import of outcome series.

Objects come from nara.evaluation.access; writes go through nara.evaluation.actions.
"""

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Max, Min
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from nara.core.models import Area
from nara.insights.rollups import month_of
from nara.planning import access as planning_access
from nara.planning.services import planning_areas
from nara.workspace.decorators import staff_view

from . import access, conclusions, imports, series, services, summary
from .actions import do_create_evaluation, do_import_outcomes
from .forms import EvaluationForm, OutcomeImportForm
from .models import ImportBatch, OutcomeValue

evaluator_view = staff_view(*access.EVALUATORS)
reader_view = staff_view(*access.READERS)
DEFAULT_MONTHS_BEFORE = 12


def _municipality(request):
    code = request.GET.get("municipality") or request.POST.get("municipality")
    return planning_access.get_municipality(request.user, code)


@reader_view
def evaluation_list(request):
    evaluator = access.is_evaluator(request.user)
    evaluations = access.visible_evaluations(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "evaluation/list.html",
        {
            "evaluations": [
                (e, series.outcome_label(e.outcome), conclusions.assess(e.result))
                for e in evaluations[:200]
            ],
            "evaluator": evaluator,
        },
    )


@evaluator_view
def evaluation_new(request):
    municipality = _municipality(request)
    areas = planning_areas(municipality).order_by("name", "code")
    form = EvaluationForm(
        request.POST or None,
        municipality=municipality,
        areas=areas,
        initial=None if request.method == "POST" else _initial(municipality, areas),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                asked, result = services.run(municipality, form.request())
            except services.EvaluationInputError as exc:
                form.add_error(None, str(exc))
            else:
                evaluation = do_create_evaluation(
                    actor=request.user,
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
                messages.success(request, _("The evaluation was saved."))
                return redirect("workspace:evaluation", evaluation.pk)
    context = {"form": form, "municipality": municipality}
    return render(request, "evaluation/new.html", context, status=status)


def _initial(municipality, areas):
    """The catchments of the centres with an opening date as treated; comparison areas
    matched on the need index; the period from a year before the first opening."""
    treated = services.default_treated(municipality)
    last = month_of(timezone.localdate()) - dt.timedelta(days=1)
    openings = [day for day in treated.values()]
    first = month_of(min(openings)) if openings else month_of(last)
    first = _months_back(first, DEFAULT_MONTHS_BEFORE)
    initial = {
        "name": _("Before and after the opening"),
        "matching": "need",
        "first_month": first.strftime("%Y-%m"),
        "last_month": last.strftime("%Y-%m"),
    }
    for area in areas:
        if area.pk in treated:
            initial[f"role_{area.pk}"] = "treated"
            initial[f"opened_{area.pk}"] = treated[area.pk]
    return initial


def _months_back(month, count):
    for _step in range(count):
        month = month_of(month - dt.timedelta(days=1))
    return month


@reader_view
def evaluation_detail(request, pk):
    evaluation = access.get_evaluation(request.user, pk)
    areas = evaluation.areas.select_related("area").order_by("role", "area__name")
    return render(
        request,
        "evaluation/detail.html",
        {
            "evaluation": evaluation,
            "summary": summary.summarise(evaluation),
            "treated": [a for a in areas if a.role == "treated"],
            "comparison": [a for a in areas if a.role == "comparison"],
            "result": evaluation.result,
            "evaluator": access.is_evaluator(request.user),
        },
    )


@evaluator_view
def outcome_import(request):
    municipality = _municipality(request)
    form = OutcomeImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = imports.parse_outcomes(upload.read(), municipality)
            except imports.OutcomeImportError as exc:
                form.add_error("file", str(exc))
            else:
                batch = do_import_outcomes(
                    actor=request.user, municipality=municipality, rows=rows, file_name=upload.name
                )
                messages.success(
                    request,
                    _("%(rows)d values imported, %(replaced)d of them replacing earlier values.")
                    % {"rows": batch.rows, "replaced": batch.replaced},
                )
                return redirect(f"{request.path}?municipality={municipality.code}")
    imported = (
        OutcomeValue.objects.filter(area__municipality=municipality)
        .values("measure", "other_name")
        .annotate(
            values=Count("pk"),
            areas=Count("area", distinct=True),
            first=Min("month"),
            last=Max("month"),
        )
        .order_by("measure", "other_name")
    )
    context = {
        "form": form,
        "municipality": municipality,
        "imported": [
            {**row, "label": series.outcome_label(_key(row))} for row in imported.iterator()
        ],
        "batches": ImportBatch.objects.filter(municipality=municipality).select_related(
            "created_by"
        )[:20],
        "example_area": Area.objects.filter(municipality=municipality).order_by("code").first(),
    }
    return render(request, "evaluation/import.html", context, status=status)


def _key(row):
    if row["measure"] == "other":
        return f"{series.OTHER_PREFIX}{row['other_name']}"
    return row["measure"]
