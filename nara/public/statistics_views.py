"""The open statistics pages: the municipality, a centre, an area, for a year, month by month.

Only the suppressed figures of nara.insights.open_statistics are shown (the same figures the
API publishes); nothing is computed here. Pages are kept in the page cache for a minute (the
figures themselves are recomputed at most every NARA_OPEN_STATISTICS_SECONDS)."""

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from nara.core.models import Center
from nara.core.queries import local_now
from nara.insights import open_statistics as stats

from . import page_cache

PAGE_SECONDS = 60
MONTHS = (
    pgettext_lazy("month", "January"),
    pgettext_lazy("month", "February"),
    pgettext_lazy("month", "March"),
    pgettext_lazy("month", "April"),
    pgettext_lazy("month", "May"),
    pgettext_lazy("month", "June"),
    pgettext_lazy("month", "July"),
    pgettext_lazy("month", "August"),
    pgettext_lazy("month", "September"),
    pgettext_lazy("month", "October"),
    pgettext_lazy("month", "November"),
    pgettext_lazy("month", "December"),
)


def _municipality():
    municipality = stats.municipality()
    if municipality is None:
        raise Http404
    return municipality


def _chosen_year(request, years):
    """(year, error message or None). No year asked for: the newest."""
    asked = request.GET.get("year")
    if asked is None:
        return years[0], None
    asked = asked.strip()
    if asked.isascii() and asked.isdigit() and len(asked) <= 4 and int(asked) in years:
        return int(asked), None
    message = _("There are no statistics for that year. Choose a year from %(first)d to %(last)d.")
    return None, message % {"first": years[-1], "last": years[0]}


def _serve(request, template, unit, listings=(), **context):
    municipality = _municipality()
    years = stats.years(municipality)
    year, error = _chosen_year(request, years)

    def build(extra):
        page = {"years": years, "year": year, "error": error, "municipality_obj": municipality}
        if year is not None:
            data = stats.published(municipality, year)
            page |= _tables(data, unit)
            page["listings"] = [_listing(data, *listing) for listing in listings]
        page |= context
        status = 400 if error else 200
        response = render(request, template, page | extra, status=status)
        return response, local_now() + dt.timedelta(seconds=PAGE_SECONDS)

    if error:
        return build({})[0]
    canonical = f"{request.path}?year={year}" if "year" in request.GET else None
    return page_cache.serve(request, build, canonical_url=canonical)


def _tables(data, unit):
    rows = []
    for row in data["tables"].get(unit, []):
        period = row["period"]
        rows.append(row | {"label": _period_label(period, data)})
    return {"rows": rows, "months": data["months"], "complete": data["complete"]}


def _listing(data, caption, entries):
    """A table of units with their contacts in the year: (caption, [(name, url, figure)])."""
    rows = []
    for name, url, unit in entries:
        table = data["tables"].get(unit) or [{}]
        rows.append({"name": name, "url": url, "contacts": table[-1].get("contacts")})
    return {"caption": caption, "rows": rows}


def _period_label(period, data):
    if period != stats.YEAR:
        return MONTHS[period.month - 1]
    if data["complete"]:
        return _("Whole year")
    return _("The year so far")


@require_GET
def statistics(request):
    municipality = _municipality()
    centres = Center.objects.filter(municipality=municipality, is_published=True)
    areas = stats.listed_areas(municipality)
    by_centre = [
        (c.name, reverse("public:statistics-centre", args=[c.slug]), ("centre", c.pk))
        for c in centres.only("pk", "slug", "name").order_by("name")
    ]
    by_area = [
        (a.name, reverse("public:statistics-area", args=[a.code]), ("area", a.pk))
        for a in areas.only("pk", "code", "name")
    ]
    by_area.append((_("Area not stated or outside our areas"), None, ("area", stats.OTHER)))
    listings = [(_("Contacts by centre"), by_centre), (_("Contacts by area"), by_area)]
    return _serve(request, "public/statistics.html", stats.MUNICIPALITY, listings)


@require_GET
def statistics_centre(request, slug):
    municipality = _municipality()
    try:
        centre = Center.objects.get(municipality=municipality, slug=slug, is_published=True)
    except Center.DoesNotExist:
        raise Http404 from None
    return _serve(
        request, "public/statistics_unit.html", ("centre", centre.pk), centre=centre, kind="centre"
    )


@require_GET
def statistics_area(request, code):
    municipality = _municipality()
    area = stats.listed_areas(municipality).filter(code=code[:32]).first()
    if area is None:
        raise Http404
    return _serve(request, "public/statistics_unit.html", ("area", area.pk), area=area, kind="area")
