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
from nara.lib.years import parse_year

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


def _asked_year(request):
    """The year asked for as a number, None when none was asked, or "" when it is no year."""
    asked = request.GET.get("year")
    if asked is None:
        return None
    year = parse_year(asked)
    return "" if year is None else year


def _serve(request, template, resolve):
    """The page, from the page cache when it may be shared. `resolve(municipality)` returns
    the unit shown and the page's own context (or raises Http404); it runs only when the page
    is built, so a page served from the cache costs no query of its own."""
    asked = _asked_year(request)

    def build(extra):
        municipality = _municipality()
        unit, context = resolve(municipality)
        years = stats.years(municipality)
        year, error = (years[0] if asked is None else asked), None
        if year not in years:
            year = None
            error = _(
                "There are no statistics for that year. Choose a year from %(first)d to %(last)d."
            ) % {"first": years[-1], "last": years[0]}
        page = {"years": years, "year": year, "error": error}
        if year is not None:
            data = stats.published(municipality, year)
            page |= _tables(data, unit)
            page["listings"] = [_listing(data, *entry) for entry in context.pop("listings", ())]
        response = render(request, template, page | context | extra, status=400 if error else 200)
        return response, local_now() + dt.timedelta(seconds=PAGE_SECONDS)

    if asked == "":
        return build({})[0]
    canonical = None if asked is None else f"{request.path}?year={asked}"
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
    def resolve(municipality):
        centres = Center.objects.filter(municipality=municipality, is_published=True)
        by_centre = [
            (c.name, reverse("public:statistics-centre", args=[c.slug]), ("centre", c.pk))
            for c in centres.only("pk", "slug", "name").order_by("name")
        ]
        by_area = [
            (a.name, reverse("public:statistics-area", args=[a.code]), ("area", a.pk))
            for a in stats.listed_areas(municipality).only("pk", "code", "name")
        ]
        by_area.append((_("Area not stated or outside our areas"), None, ("area", stats.OTHER)))
        listings = [(_("Contacts by centre"), by_centre), (_("Contacts by area"), by_area)]
        return stats.MUNICIPALITY, {"listings": listings}

    return _serve(request, "public/statistics.html", resolve)


@require_GET
def statistics_centre(request, slug):
    def resolve(municipality):
        centre = Center.objects.filter(
            municipality=municipality, slug=slug, is_published=True
        ).first()
        if centre is None:
            raise Http404
        return ("centre", centre.pk), {"centre": centre}

    return _serve(request, "public/statistics_unit.html", resolve)


@require_GET
def statistics_area(request, code):
    def resolve(municipality):
        area = stats.listed_areas(municipality).filter(code=code[:32]).first()
        if area is None:
            raise Http404
        return ("area", area.pk), {"area": area}

    return _serve(request, "public/statistics_unit.html", resolve)
