"""The open statistics in the API, public and read-only, under /api/v1/statistics.

The figures are nara.insights.open_statistics.published(): the same suppressed figures the
public statistics pages show, suppressed over everything published for the year together, so
the API is no way around the suppression. Nothing is computed here; a suppressed figure is
{"value": null, "status": "few" | "hidden", "suppressed": true} (statistics_schema.py).

Responses are kept in the "pages" cache for a minute (as the pages are; the figures themselves
are recomputed at most every NARA_OPEN_STATISTICS_SECONDS) under the path, the query and the
language, with an ETag from the body: a conditional GET with a matching If-None-Match is a 304.
"""

import functools
import hashlib
import json

from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound

from nara.core.models import Center
from nara.insights import open_statistics as stats
from nara.insights.suppression import THRESHOLD

from . import statistics_schema as shapes
from .hsds import base_url
from .hsds_schema import PROBLEM
from .language import api_language
from .publish import _matches, _with, validated

TAG = "open statistics"
KEEP_SECONDS = 60
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


# ----- serving: the query, the cache, the ETag ----------------------------------------------


def _key(request, kwargs):
    canonical = json.dumps(
        [
            api_language(request),
            base_url(request),
            request.path,
            sorted(request.GET.lists()),
            kwargs,
        ],
        default=str,
    )
    return "api:statistics:" + hashlib.sha256(canonical.encode()).hexdigest()


def _answer(request, entry):
    body, etag = entry
    language = api_language(request)
    if _matches(request, etag):
        return _with(HttpResponseNotModified(), etag, language)
    return _with(HttpResponse(body, content_type="application/json"), etag, language)


def cached_first(view):
    """A GET answered in the last minute comes straight from the cache, before REST framework
    parses anything (only valid queries are stored); everything else goes to `view`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            entry = caches["pages"].get(_key(request, kwargs))
            if entry is not None:
                return _answer(request, entry)
        return view(request, *args, **kwargs)

    return wrapper


def serve(request, build, **kwargs):
    """Validate the query (a 400 problem when it is wrong), then build the document with
    `build(municipality, year, base)` (raising NotFound for what is not published)."""
    params = validated(shapes.StatisticsQuery, request)
    municipality = stats.municipality()
    if municipality is None:
        raise NotFound(_("No statistics are published here."))
    with translation.override(api_language(request)):
        years = stats.years(municipality)
        year = params["year"] if "year" in params else years[0]
        if year not in years:
            raise NotFound(
                _(
                    "There are no statistics for that year. Choose a year from %(first)d to "
                    "%(last)d."
                )
                % {"first": years[-1], "last": years[0]}
            )
        data = stats.published(municipality, year)
        document = {
            "municipality": {"code": municipality.code, "name": municipality.name},
            "years": years,
            "year": year,
            "months": [_period(m) for m in data["months"]],
            "complete": data["complete"],
            "threshold": THRESHOLD,
        }
        document |= build(municipality, data, _Links(request, year, "year" in params))
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    entry = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    caches["pages"].set(_key(request, kwargs), entry, timeout=KEEP_SECONDS)
    return _answer(request, entry)


class _Links:
    """Absolute addresses of a unit's statistics in the API and on the public site, for the
    year asked for (none asked: none in the links either, so they follow the newest year)."""

    def __init__(self, request, year, asked):
        self.base = base_url(request).rstrip("/")
        self.query = f"?year={year}" if asked else ""

    def api(self, name, *args):
        return self.base + reverse(f"api:{name}", args=args) + self.query

    def page(self, name, *args):
        return self.base + reverse(f"public:{name}", args=args) + self.query


# ----- the published figures as JSON ---------------------------------------------------------


def _period(period):
    return "year" if period == stats.YEAR else f"{period.year:04d}-{period.month:02d}"


def _figure(figure):
    if figure is None:
        return None
    value = figure.value
    if value is not None and figure.status == "shown" and isinstance(value, float):
        value = round(value, 4)
    return {"value": value, "status": figure.status, "suppressed": value is None}


def _row(row):
    out = {}
    for name, value in row.items():
        if name == "period":
            out[name] = _period(value)
        elif name == "feedback_yes":
            out[name] = {
                question: {"yes": _figure(f["yes"]), "share": _figure(f["share"])}
                for question, f in value.items()
            }
        else:
            out[name] = _figure(value)
    return out


def _rows(data, unit):
    return [_row(row) for row in data["tables"].get(unit, [])]


def _centre(centre, data, links):
    return {
        "slug": centre.slug,
        "name": centre.name,
        "url": links.api("statistics-centre", centre.slug),
        "page_url": links.page("statistics-centre", centre.slug),
        "rows": _rows(data, ("centre", centre.pk)),
    }


def _area(area, data, links):
    return {
        "code": area.code,
        "name": area.name,
        "url": links.api("statistics-area", area.code),
        "page_url": links.page("statistics-area", area.code),
        "rows": _rows(data, ("area", area.pk)),
    }


def _published_centres(municipality):
    return Center.objects.filter(municipality=municipality, is_published=True)


# ----- the views -----------------------------------------------------------------------------


def _docs(name, response, summary, description=""):
    return extend_schema(
        operation_id=name,
        summary=summary,
        description=description,
        tags=[TAG],
        parameters=[shapes.StatisticsQuery],
        responses={200: response, **{(s, PROBLEM): PROBLEM_REF for s in (400, 404)}},
    )


SUPPRESSION = (
    "The figures of the public statistics pages, month by month and for the year. Counts "
    "below 5 are suppressed (status 'few'), and so are the counts that would let one work "
    "them out from totals and neighbouring cells (status 'hidden'); a suppressed figure has "
    "value null and suppressed true. Rates are shown only beside their shown counts."
)


@_docs(
    "statistics",
    shapes.Statistics,
    "The municipality's open statistics for a year: in all, per centre and per area",
    SUPPRESSION,
)
@cached_first
@api_view(["GET", "HEAD"])
def statistics(request):
    def build(municipality, data, links):
        centres = _published_centres(municipality).only("pk", "slug", "name").order_by("name")
        areas = [_area(a, data, links) for a in stats.listed_areas(municipality)]
        areas.append(
            {
                "code": None,
                "name": _("Area not stated or outside our areas"),
                "url": None,
                "page_url": None,
                "rows": _rows(data, ("area", stats.OTHER)),
            }
        )
        return {
            "rows": _rows(data, stats.MUNICIPALITY),
            "centres": [_centre(c, data, links) for c in centres],
            "areas": areas,
        }

    return serve(request, build)


@_docs("statistics_centre", shapes.StatisticsOfCentre, "One centre's open statistics", SUPPRESSION)
@cached_first
@api_view(["GET", "HEAD"])
def statistics_centre(request, slug):
    def build(municipality, data, links):
        centre = _published_centres(municipality).filter(slug=slug[:100]).first()
        if centre is None:
            raise NotFound(_("No published centre has this address."))
        return {"centre": _centre(centre, data, links)}

    return serve(request, build, slug=slug)


@_docs("statistics_area", shapes.StatisticsOfArea, "One area's open statistics", SUPPRESSION)
@cached_first
@api_view(["GET", "HEAD"])
def statistics_area(request, code):
    def build(municipality, data, links):
        area = stats.listed_areas(municipality).filter(code=code[:32]).first()
        if area is None:
            raise NotFound(_("No area with statistics has this code."))
        return {"area": _area(area, data, links)}

    return serve(request, build, code=code)
