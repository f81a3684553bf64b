"""The committee report (report.py) as a printable page and as a PDF, always in Swedish.

Access is the dashboards': a manager's report covers her own centres (another centre answers
403, a centre that does not exist 404); analysts and administrators see every centre. The
period is the dashboards' filter (default: the last 12 whole months); a bad period gives a
message on the page and 400 for the PDF. Like the dashboards, nothing is audited: only
aggregates are read."""

import re

from django.http import Http404, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from nara.workspace.decorators import staff_view

from . import pdf, report
from .dashboard_views import READERS, Scope, get_dashboard_centre, sees_every_centre

PERIOD_FIELDS = ("start", "end")
LANGUAGE = "sv"


def _scope(request):
    """(Scope, centre or None) from ?centre=<pk>&start=YYYY-MM&end=YYYY-MM."""
    raw = request.GET.get("centre", "")
    centre = None
    if raw:
        if not re.fullmatch(r"[0-9]{1,12}", raw):
            raise Http404
        centre = get_dashboard_centre(request.user, int(raw))
    params = QueryDict(mutable=True)
    for key in (*PERIOD_FIELDS, "municipality"):
        if request.GET.get(key):
            params[key] = request.GET[key]
    scope = Scope(request, centre=centre, params=params, default=report.last_complete_months)
    return scope, centre


def _query(scope, centre):
    params = QueryDict(mutable=True)
    if centre:
        params["centre"] = centre.pk
    elif scope.municipality is not None and len(scope.municipalities) > 1:
        params["municipality"] = scope.municipality.pk  # the one shown, asked for or not
    if not scope.invalid:
        params["start"] = f"{scope.filters.start:%Y-%m}"
        params["end"] = f"{scope.filters.end:%Y-%m}"
    return params.urlencode()


def _shown_fields(scope):
    """The period, and the municipality when the user's centres are in several."""
    several = "municipality" in scope.form.fields and len(scope.municipalities) > 1
    return (("municipality",) if several else ()) + PERIOD_FIELDS


def _subject(scope, centre):
    if centre is not None:
        return str(centre)
    name = str(scope.municipality) if scope.municipality else _("the service")
    if sees_every_centre(scope.request.user):
        return _("%(name)s, the whole service") % {"name": name}
    return _("%(name)s, your centres") % {"name": name}


def _context(request, scope, centre, *, base):
    context = report.context(scope, centre=centre, today=scope.today)
    manager_of_several = not sees_every_centre(request.user) and len(scope.in_scope) > 1
    query = _query(scope, centre)
    dashboard = (
        reverse("workspace:insights-centre", args=[centre.pk])
        if centre
        else reverse("workspace:insights")
    )
    context.update(
        base=base,
        subject=_subject(scope, centre),
        centre_names=", ".join(c["name"] for c in scope.in_scope) if manager_of_several else "",
        form=scope.form,
        period_fields=[scope.form[name] for name in _shown_fields(scope)],
        pdf_url=reverse("workspace:insights-report-pdf") + "?" + query,
        dashboard_url=dashboard + "?" + query,
    )
    return context


@staff_view(*READERS)
def insights_report(request):
    with translation.override(LANGUAGE):
        scope, centre = _scope(request)
        scope.complain()
        context = _context(request, scope, centre, base="workspace/base.html")
        response = HttpResponse(render_to_string("insights/report.html", context, request))
    response["Content-Language"] = LANGUAGE
    return response


@staff_view(*READERS)
def insights_report_pdf(request):
    with translation.override(LANGUAGE):
        scope, centre = _scope(request)
        if scope.invalid:
            return HttpResponse(
                _("Some filters could not be used; correct them on the report page."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        context = _context(request, scope, centre, base="insights/report_pdf_base.html")
        context["form"] = None  # no period form or links on paper
        html = render_to_string("insights/report.html", context, request)
    content = pdf.to_pdf(html, base_url=request.build_absolute_uri("/"))
    who = f"-{centre.pk}" if centre else ""
    stem = f"nara-rapport{who}-{scope.filters.start:%Y-%m}-{scope.filters.end:%Y-%m}"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    response["Content-Language"] = LANGUAGE
    response["X-Content-Type-Options"] = "nosniff"
    return response
