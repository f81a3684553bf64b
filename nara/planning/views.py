"""Planning pages for analysts and administrators: need, candidate sites, scenarios, exports.

Objects come from nara.planning.access; writes go through nara.planning.actions.
"""

import numpy as np
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nara.core.models import Area, Center
from nara.lib.indicators import indicator_label
from nara.workspace.decorators import staff_view

from . import access, apply, exports, maps, plans, services
from .actions import (
    ScenarioConflict,
    already_applied,
    do_apply_scenario,
    do_delete_scenario,
    do_import_candidate_sites,
    do_queue_scenario_once,
    do_rerun_scenario,
    is_stale,
    may_rerun,
    new_centres_text,
    not_done_message,
    scenario_of_submission,
    stale_seconds,
)
from .forms import CandidateImportForm, NeedForm, ScenarioForm, submission_token
from .models import CandidateSite, Scenario
from .sites_import import CandidateImportError, parse_candidates

planner_view = staff_view(*access.PLANNERS)


def _municipality(request):
    code = request.GET.get("municipality") or request.POST.get("municipality")
    return access.get_municipality(request.user, code)


def _base_context(request, municipality):
    return {
        "municipality": municipality,
        "municipalities": access.planning_municipalities(request.user),
    }


def _area_names(municipality):
    return dict(Area.objects.filter(municipality=municipality).values_list("code", "name"))


@planner_view
def need(request):
    municipality = _municipality(request)
    context = _base_context(request, municipality)
    names = services.indicator_names(municipality)
    bound = any(key.startswith("w_") for key in request.GET)
    form = NeedForm(request.GET if bound else None, indicator_names=names)
    status = 200
    weights = services.default_weights(names)
    if bound:
        if form.is_valid():
            weights = form.weights()
        else:
            status = 400
    context["form"] = form
    context["formula_defaults"] = sorted(map(indicator_label, services.LOWER_MEANS_MORE_NEED))
    context["need_strength"] = services.NEED_STRENGTH
    if status == 200 and names:
        try:
            result = services.compute_need(municipality, weights)
        except services.PlanInputError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            context.update(_need_context(municipality, result))
    return render(request, "planning/need.html", context, status=status)


def _need_context(municipality, result):
    areas, index = result.areas, result.index
    values = dict(zip(areas.codes, index.index, strict=True))
    names = dict(zip(areas.codes, areas.names, strict=True))
    svg, legend = maps.choropleth(municipality, values, names, _("Need index per area"))
    classes, _legend = maps.need_classes(values)
    used = list(index.contributions)
    order = np.argsort(-index.index, kind="stable")
    rows = [
        {
            "code": areas.codes[i],
            "name": areas.names[i],
            "population": areas.population[i],
            "index": float(index.index[i]),
            "quintile": classes[areas.codes[i]],
            "demand": float(result.demand[i]),
            "cells": [
                (result.values[name][i], float(index.contributions[name][i])) for name in used
            ],
        }
        for i in order
    ]
    imputed = {name: codes for name, codes in index.imputed.items() if codes}
    return {"svg": svg, "legend": legend, "rows": rows, "used": used, "imputed": imputed}


@planner_view
def sites(request):
    municipality = _municipality(request)
    form = CandidateImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = parse_candidates(upload.name, upload.read())
            except CandidateImportError as exc:
                form.add_error("file", str(exc))
            else:
                count = do_import_candidate_sites(
                    actor=request.user,
                    municipality=municipality,
                    rows=rows,
                    source=upload.name,
                    replace=form.cleaned_data["replace"],
                )
                messages.success(request, _("%d candidate sites imported.") % count)
                return redirect(_with_municipality("workspace:planning-sites", municipality))
        status = 400
    areas = services.load_areas(municipality) if municipality.areas.exists() else None
    candidates = services.candidate_list(municipality, areas) if areas else []
    context = _base_context(request, municipality)
    context.update(
        {
            "form": form,
            "imported": CandidateSite.objects.filter(municipality=municipality),
            "candidates": candidates,
        }
    )
    return render(request, "planning/sites.html", context, status=status)


def _with_municipality(name, municipality, *args):
    return f"{reverse(name, args=args)}?municipality={municipality.code}"


@planner_view
def scenario_list(request):
    municipality = _municipality(request)
    context = _base_context(request, municipality)
    context["scenarios"] = Scenario.objects.filter(municipality=municipality)
    return render(request, "planning/scenario_list.html", context)


@planner_view
def scenario_new(request):
    municipality = _municipality(request)
    names = services.indicator_names(municipality)
    areas = services.load_areas(municipality) if municipality.areas.exists() else None
    candidates = services.candidate_list(municipality, areas) if areas else []
    if request.method == "POST":
        # The same form posted again (double click, resubmission): to the scenario it saved.
        token = submission_token(request.POST.get("submission"))
        earlier = scenario_of_submission(request.user, token)
        if earlier is not None:
            return redirect("workspace:planning-scenario", earlier.pk)
    form = ScenarioForm(
        request.POST or None,
        request.FILES or None,
        indicator_names=names,
        candidates=candidates,
    )
    if request.method == "POST" and form.is_valid():
        plan = form.plan_request()
        try:
            plans.prepare_plan(municipality, plan)  # input mistakes on the form, at once
        except services.PlanInputError as exc:
            field = exc.field if exc.field in form.fields else None
            if exc.field == "weights":
                field = None
            form.add_error(field, exc.message)
        else:
            scenario, saved_now = do_queue_scenario_once(
                actor=request.user,
                submission_token=form.cleaned_data["submission"],
                municipality=municipality,
                name=form.cleaned_data["name"],
                model=plan.model,
                parameters=plan.parameters(),
                travel_matrix=plan.travel_matrix or "",
                language=translation.get_language() or "",
                client_address=request.META.get("REMOTE_ADDR"),
            )
            if saved_now:
                messages.success(
                    request, _("Scenario saved; the plan is computed in the background.")
                )
            return redirect("workspace:planning-scenario", scenario.pk)
    form.renew_submission_token()
    context = _base_context(request, municipality)
    context.update({"form": form, "candidate_count": len(candidates)})
    status = 400 if form.is_bound else 200
    return render(request, "planning/scenario_form.html", context, status=status)


def _scenario_context(scenario):
    municipality = scenario.municipality
    names = _area_names(municipality)
    svg = maps.catchment_map(
        municipality, scenario.results, names, _("Catchments of %s") % scenario.name
    )
    site_names = {s["id"]: s for s in scenario.results.get("sites", [])}
    distances = scenario.results.get("distance", {})
    areas = [
        {
            "code": code,
            "name": names.get(code, code),
            "site": site_names.get(site_id),
            "distance": distances.get(code),
            "need": scenario.results.get("need_index", {}).get(code),
        }
        for code, site_id in sorted(
            scenario.results.get("assignment", {}).items(), key=lambda kv: names.get(kv[0], "")
        )
    ]
    sites = [
        {**site, "colour": (site["number"] - 1) % maps.PALETTE_SIZE}
        for site in scenario.results.get("sites", [])
    ]
    return {
        "scenario": scenario,
        "sites": sites,
        "results": scenario.results,
        "parameters": scenario.parameters,
        "metrics": scenario.metrics,
        "svg": svg,
        "areas": areas,
        "unit": scenario.results.get("distance_unit", "m"),
        "municipality": municipality,
    }


REFRESH_SECONDS = 5


def _state_page(request, scenario, *, status=200, conflict=None):
    """A scenario without a plan yet: waiting or computing (the page reloads itself, no script
    needed), or failed with the reason; "Run again" when it failed or is stuck.

    A page asked for with GET reloads its own address; one that answers a POST (a refused
    "Run again" or "Apply") reloads the scenario's page, never the POST-only address."""
    stale = is_stale(scenario)
    if request.method == "GET":
        refresh_url = request.get_full_path()
    else:
        refresh_url = reverse("workspace:planning-scenario", args=[scenario.pk])
    context = _base_context(request, scenario.municipality)
    context.update(
        {
            "scenario": scenario,
            "conflict": conflict,
            "stale": stale,
            "may_rerun": may_rerun(scenario),
            "refresh": REFRESH_SECONDS if scenario.is_pending and not stale else None,
            "refresh_url": refresh_url,
            "stale_minutes": max(1, round(stale_seconds() / 60)),
            "time_limit": scenario.parameters.get("time_limit"),
        }
    )
    return render(request, "planning/scenario_state.html", context, status=status)


@planner_view
def scenario_detail(request, pk):
    scenario = access.get_scenario(request.user, pk)
    if not scenario.is_done:
        return _state_page(request, scenario)
    return render(request, "planning/scenario_detail.html", _scenario_context(scenario))


@planner_view
def scenario_print(request, pk):
    scenario = access.get_scenario(request.user, pk)
    if not scenario.is_done:
        return _state_page(request, scenario, status=409, conflict=not_done_message(scenario))
    return render(request, "planning/scenario_print.html", _scenario_context(scenario))


@planner_view
@require_POST
def scenario_rerun(request, pk):
    """Compute a failed (or stuck) scenario again; 409 while it is computing or when done."""
    scenario = access.get_scenario(request.user, pk)
    try:
        do_rerun_scenario(
            actor=request.user, scenario=scenario, client_address=request.META.get("REMOTE_ADDR")
        )
    except ScenarioConflict as exc:
        scenario.refresh_from_db()
        if scenario.is_done:
            context = _scenario_context(scenario)
            context["conflict"] = exc.message
            return render(request, "planning/scenario_detail.html", context, status=409)
        return _state_page(request, scenario, status=409, conflict=exc.message)
    messages.success(request, _("The plan is computed again in the background."))
    return redirect("workspace:planning-scenario", scenario.pk)


@planner_view
@require_POST
def scenario_delete(request, pk):
    scenario = access.get_scenario(request.user, pk)
    municipality = scenario.municipality
    do_delete_scenario(actor=request.user, scenario=scenario)
    messages.success(request, _("Scenario deleted."))
    return redirect(_with_municipality("workspace:planning-scenarios", municipality))


@planner_view
def scenario_apply(request, pk):
    """GET: what applying the scenario would change. POST: apply it (audited, one step)."""
    scenario = access.get_scenario(request.user, pk)
    if not scenario.is_done:
        return _state_page(request, scenario, status=409, conflict=not_done_message(scenario))
    kind = request.POST.get("kind") or request.GET.get("kind") or apply.KINDS[0]
    if kind not in apply.KINDS:
        kind = apply.KINDS[0]
    context = _base_context(request, scenario.municipality)
    context.update(scenario=scenario, kind=kind, kinds=_kind_choices())
    try:
        plan = apply.preview(scenario, kind)
    except services.PlanInputError as exc:
        context["error"] = exc.message
        return render(request, "planning/scenario_apply.html", context, status=400)
    refused = already_applied(scenario, plan.layer)
    if refused:
        context["error"] = refused
        status = 409 if request.method == "POST" else 200
        return render(request, "planning/scenario_apply.html", context, status=status)
    if request.method == "POST":
        try:
            _plan, snapshot = do_apply_scenario(
                actor=request.user,
                scenario=scenario,
                kind=kind,
                client_address=request.META.get("REMOTE_ADDR"),
            )
        except ScenarioConflict as exc:  # run again, or applied, between page and button
            scenario.refresh_from_db()
            if scenario.is_done:
                context["error"] = exc.message
                return render(request, "planning/scenario_apply.html", context, status=409)
            return _state_page(request, scenario, status=409, conflict=exc.message)
        moved = len(plan.moves)
        text = _("The scenario is applied: %(new)s; %(moved)s.") % {
            "new": new_centres_text(kind, len(plan.new_targets)),
            "moved": ngettext("%(count)d area moved", "%(count)d areas moved", moved)
            % {"count": moved},
        }
        if snapshot.memberships:  # nothing to keep when the layer had no catchments
            text += " " + _("The earlier catchments are kept as history.")
        messages.success(request, text)
        return redirect("workspace:planning-scenario", scenario.pk)
    context["plan"] = plan
    return render(request, "planning/scenario_apply.html", context)


def _kind_choices():
    return [(value, label) for value, label in Center.Kind.choices if value in apply.KINDS]


def _selected(request):
    ids = [int(v) for v in request.GET.getlist("ids") if v.isascii() and v.isdigit()]
    if ids:
        return access.get_scenarios(request.user, ids)
    municipality = _municipality(request)
    return list(Scenario.objects.filter(municipality=municipality))


@planner_view
def compare(request):
    scenarios = _selected(request)
    municipality = scenarios[0].municipality if scenarios else _municipality(request)
    context = _base_context(request, municipality)
    context["scenarios"] = scenarios
    context["ids"] = "&".join(f"ids={s.pk}" for s in scenarios)
    return render(request, "planning/compare.html", context)


@planner_view
def export_csv(request):
    scenarios = _selected(request)
    rows = (
        exports.site_rows(scenarios)
        if request.GET.get("level") == "centres"
        else exports.scenario_rows(scenarios)
    )
    response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="scenarios.csv"'
    return response


@planner_view
def export_xlsx(request):
    scenarios = _selected(request)
    municipality = scenarios[0].municipality if scenarios else _municipality(request)
    content = exports.to_xlsx(scenarios, _area_names(municipality))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="scenarios.xlsx"'
    return response
