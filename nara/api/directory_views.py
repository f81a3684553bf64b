"""The public service directory as Open Referral HSDS 3.0, read-only, under /api/v1/.

Lists are paginated the HSDS way ({total_items, total_pages, page_number, size, first_page,
last_page, empty, contents}) with ?page= and ?per_page=; ?modified_since= (or HSDS's
?modified_after=) keeps what changed since then. What is public: see nara.api.hsds.
"""

import math

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound

from nara.core.models import Schedule

from . import hsds, hsds_schema, tabular
from .ids import key_of, text_key
from .publish import cached_first, serve

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
TAG = "directory (HSDS 3.0)"


# ----- query parameters ----------------------------------------------------------------------


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1,
        max_value=1_000_000,
        default=1,
        help_text="Page number, from 1.",
    )
    per_page = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PER_PAGE,
        default=DEFAULT_PER_PAGE,
        help_text="Results per page (at most 500).",
    )
    format = serializers.ChoiceField(
        choices=["json"],
        required=False,
        help_text="Only json is offered.",
    )


class ChangedQuery(PageQuery):
    modified_since = serializers.DateTimeField(
        required=False,
        help_text="Only what changed at or after this moment (ISO 8601: 2026-01-31T12:00:00Z).",
    )
    modified_after = serializers.DateTimeField(
        required=False, help_text="The HSDS name of modified_since."
    )

    def validate(self, data):
        since = [data.get("modified_since"), data.get("modified_after")]
        data["since"] = max((s for s in since if s is not None), default=None)
        return data


def _id_field(help_text):
    return serializers.UUIDField(required=False, format="hex_verbose", help_text=help_text)


class ServiceQuery(ChangedQuery):
    organization_id = _id_field("Only services of this organization.")
    taxonomy_term_id = _id_field("Only services with this help topic.")


class ServiceAtLocationQuery(ServiceQuery):
    service_id = _id_field("Only this service.")
    location_id = _id_field("Only this location.")


class LocationQuery(ChangedQuery):
    organization_id = _id_field("Only locations of this organization.")


class LocationChildQuery(ChangedQuery):
    location_id = _id_field("Only for this location.")


class ServiceAreaQuery(ChangedQuery):
    service_id = _id_field("Only for this service.")


# ----- pagination ----------------------------------------------------------------------------


def page_of(items, params, render):
    """The HSDS page envelope. `items` is a queryset or a list."""
    size, number = params["per_page"], params["page"]
    total = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    total_pages = math.ceil(total / size)
    if number > max(total_pages, 1):
        raise NotFound(
            _("There is no page %(page)d: the last page is %(last)d.")
            % {"page": number, "last": max(total_pages, 1)}
        )
    chunk = list(items[(number - 1) * size : number * size])
    contents = render(chunk)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _key(kind, value):
    """The row key for an id filter; -1 (matches nothing) for an id of another kind."""
    key = key_of(kind, value)
    return -1 if key is None else key


def _not_found():
    return NotFound(_("Nothing in the directory has this id."))


def _docs(name, item_schema, query=None, many=True, summary=""):
    responses = hsds_schema.responses(item_schema, many=many)
    return extend_schema(
        operation_id=name,
        summary=summary,
        tags=[TAG],
        parameters=[query] if query else None,
        responses=responses,
    )


# ----- the API's description -----------------------------------------------------------------


@_docs("api_meta", "ApiMeta", many=False, summary="This API and its relationship with HSDS")
@cached_first
@api_view(["GET", "HEAD"])
def meta(request):
    return serve(request, None, lambda r, p: hsds.api_meta(hsds.Context(hsds.base_url(r))))


# ----- organizations -------------------------------------------------------------------------


def _organizations(request, params):
    ctx = hsds.Context(hsds.base_url(request))
    found = hsds.organizations()
    if params.get("since"):
        found = found.filter(pk__in=hsds.changed_since("Municipality", params["since"]))
    return page_of(found, params, lambda rows: [hsds.organization(m, ctx) for m in rows])


@_docs("organizations", "Organization", ChangedQuery, summary="Organizations (municipalities)")
@cached_first
@api_view(["GET", "HEAD"])
def organization_list(request):
    return serve(request, ChangedQuery, _organizations)


def _organization(request, params, id):
    found = hsds.organizations().filter(pk=_key("organization", id)).first()
    if found is None:
        raise _not_found()
    return hsds.organization_detail(found, hsds.Context(hsds.base_url(request)))


@_docs("organization", "OrganizationDetail", many=False, summary="One organization")
@cached_first
@api_view(["GET", "HEAD"])
def organization_detail(request, id):
    return serve(request, None, _organization, id=id)


# ----- services ------------------------------------------------------------------------------


def _services(request, params):
    ctx = hsds.Context(hsds.base_url(request))
    found = hsds.services().select_related("municipality")
    if params.get("organization_id"):
        found = found.filter(municipality_id=_key("organization", params["organization_id"]))
    if params.get("taxonomy_term_id"):
        slugs = [s for s in hsds.topic_slugs() if _topic_matches(s, params["taxonomy_term_id"])]
        found = found.filter(topic__in=slugs)
    if params.get("since"):
        found = found.filter(pk__in=hsds.changed_since("Service", params["since"]))

    def render(rows):
        changed = hsds.last_changes("Service", [s.pk for s in rows])
        return [hsds.service(s, ctx, changed.get(s.pk)) for s in rows]

    return page_of(found, params, render)


def _topic_matches(slug, term_id):
    return _key("taxonomy_term", term_id) == text_key(slug)


@_docs("services", "ServiceListItem", ServiceQuery, summary="Services")
@cached_first
@api_view(["GET", "HEAD"])
def service_list(request):
    return serve(request, ServiceQuery, _services)


def _service(request, params, id):
    found = hsds.services().select_related("municipality").filter(pk=_key("service", id)).first()
    if found is None:
        raise _not_found()
    changed = hsds.last_changes("Service", [found.pk])
    return hsds.service_detail(found, hsds.Context(hsds.base_url(request)), changed.get(found.pk))


@_docs("service", "Service", many=False, summary="One service, fully nested")
@cached_first
@api_view(["GET", "HEAD"])
def service_detail(request, id):
    return serve(request, None, _service, id=id)


# ----- service at locations ------------------------------------------------------------------


def _links(params):
    found = hsds.service_links().select_related("service__municipality", "center__municipality")
    if params.get("organization_id"):
        found = found.filter(
            service__municipality_id=_key("organization", params["organization_id"])
        )
    if params.get("taxonomy_term_id"):
        slugs = [s for s in hsds.topic_slugs() if _topic_matches(s, params["taxonomy_term_id"])]
        found = found.filter(service__topic__in=slugs)
    if params.get("service_id"):
        found = found.filter(service_id=_key("service", params["service_id"]))
    if params.get("location_id"):
        found = found.filter(center_id=_key("location", params["location_id"]))
    if params.get("since"):
        services = hsds.changed_since("Service", params["since"])
        centres = hsds.centres_changed_since(params["since"])
        found = found.filter(Q(service_id__in=services) | Q(center_id__in=centres))
    return found


def _service_at_locations(request, params):
    ctx = hsds.Context(hsds.base_url(request))

    def render(rows):
        changed = hsds.last_changes("Service", [link.service_id for link in rows])
        return [
            hsds.service_at_location_full(link, ctx, changed.get(link.service_id)) for link in rows
        ]

    return page_of(_links(params), params, render)


@_docs(
    "service_at_locations",
    "ServiceAtLocation",
    ServiceAtLocationQuery,
    summary="Services at locations",
)
@cached_first
@api_view(["GET", "HEAD"])
def service_at_location_list(request):
    return serve(request, ServiceAtLocationQuery, _service_at_locations)


def _service_at_location(request, params, id):
    link = (
        hsds.service_links()
        .select_related("service__municipality")
        .filter(pk=_key("service_at_location", id))
        .first()
    )
    if link is None:
        raise _not_found()
    changed = hsds.last_changes("Service", [link.service_id])
    ctx = hsds.Context(hsds.base_url(request))
    return hsds.service_at_location_full(link, ctx, changed.get(link.service_id))


@_docs("service_at_location", "ServiceAtLocation", many=False, summary="One service at a location")
@cached_first
@api_view(["GET", "HEAD"])
def service_at_location_detail(request, id):
    return serve(request, None, _service_at_location, id=id)


# ----- locations -----------------------------------------------------------------------------


def _centres():
    return (
        hsds.locations()
        .select_related("municipality")
        .prefetch_related(Prefetch("schedules", queryset=Schedule.objects.order_by("pk")))
    )


def _locations(request, params):
    ctx = hsds.Context(hsds.base_url(request))
    found = _centres()
    if params.get("organization_id"):
        found = found.filter(municipality_id=_key("organization", params["organization_id"]))
    if params.get("since"):
        found = found.filter(pk__in=hsds.centres_changed_since(params["since"]))
    return page_of(found, params, lambda rows: [hsds.location(c, ctx) for c in rows])


@_docs("locations", "Location", LocationQuery, summary="Locations (published centres)")
@cached_first
@api_view(["GET", "HEAD"])
def location_list(request):
    return serve(request, LocationQuery, _locations)


def _location(request, params, id):
    found = _centres().filter(pk=_key("location", id)).first()
    if found is None:
        raise _not_found()
    return hsds.location(found, hsds.Context(hsds.base_url(request)))


@_docs("location", "Location", many=False, summary="One location")
@cached_first
@api_view(["GET", "HEAD"])
def location_detail(request, id):
    return serve(request, None, _location, id=id)


# ----- schedules -----------------------------------------------------------------------------


def _schedules_found(params):
    found = hsds.schedules()
    if params.get("location_id"):
        found = found.filter(center_id=_key("location", params["location_id"]))
    if params.get("since"):
        found = found.filter(pk__in=hsds.changed_since("Schedule", params["since"]))
    return found


def _schedules(request, params):
    return page_of(_schedules_found(params), params, lambda rows: [hsds.schedule(s) for s in rows])


@_docs("schedules", "Schedule", LocationChildQuery, summary="Schedules (opening hours, drop-in)")
@cached_first
@api_view(["GET", "HEAD"])
def schedule_list(request):
    return serve(request, LocationChildQuery, _schedules)


def _schedule(request, params, id):
    found = hsds.schedules().filter(pk=_key("schedule", id)).first()
    if found is None:
        raise _not_found()
    return hsds.schedule(found)


@_docs("schedule", "Schedule", many=False, summary="One schedule")
@cached_first
@api_view(["GET", "HEAD"])
def schedule_detail(request, id):
    return serve(request, None, _schedule, id=id)


# ----- languages -----------------------------------------------------------------------------


def _languages(request, params):
    centres = hsds.locations().only("pk", "languages")
    if params.get("location_id"):
        centres = centres.filter(pk=_key("location", params["location_id"]))
    if params.get("since"):
        centres = centres.filter(pk__in=hsds.centres_changed_since(params["since"]))
    every = [language for centre in centres for language in hsds.languages_of(centre)]
    return page_of(every, params, lambda rows: rows)


@_docs("languages", "Language", LocationChildQuery, summary="Languages spoken at locations")
@cached_first
@api_view(["GET", "HEAD"])
def language_list(request):
    return serve(request, LocationChildQuery, _languages)


# ----- service areas -------------------------------------------------------------------------


def _service_areas(request, params):
    found = hsds.service_links().filter(center__catchment__isnull=False).distinct()
    if params.get("service_id"):
        found = found.filter(service_id=_key("service", params["service_id"]))
    if params.get("since"):
        found = found.filter(center_id__in=hsds.centres_changed_since(params["since"]))

    def render(rows):
        extents = hsds.catchment_extents({link.center_id for link in rows})
        return [hsds.service_area(link, extents[link.center_id]) for link in rows]

    return page_of(found, params, render)


@_docs("service_areas", "ServiceArea", ServiceAreaQuery, summary="Service areas (catchments)")
@cached_first
@api_view(["GET", "HEAD"])
def service_area_list(request):
    return serve(request, ServiceAreaQuery, _service_areas)


# ----- taxonomies ----------------------------------------------------------------------------


def _taxonomies(request, params):
    return page_of([hsds.taxonomy()], params, lambda rows: rows)


@_docs("taxonomies", "Taxonomy", PageQuery, summary="Taxonomies")
@cached_first
@api_view(["GET", "HEAD"])
def taxonomy_list(request):
    return serve(request, PageQuery, _taxonomies)


def _taxonomy(request, params, id):
    if key_of("taxonomy", id) != hsds.TAXONOMY_KEY:
        raise _not_found()
    return hsds.taxonomy()


@_docs("taxonomy", "Taxonomy", many=False, summary="One taxonomy")
@cached_first
@api_view(["GET", "HEAD"])
def taxonomy_detail(request, id):
    return serve(request, None, _taxonomy, id=id)


def _terms(request, params):
    terms = [hsds.taxonomy_term(slug) for slug in hsds.topic_slugs()]
    return page_of(terms, params, lambda rows: rows)


@_docs("taxonomy_terms", "TaxonomyTerm", PageQuery, summary="Taxonomy terms (help topics)")
@cached_first
@api_view(["GET", "HEAD"])
def taxonomy_term_list(request):
    return serve(request, PageQuery, _terms)


def _term(request, params, id):
    for slug in hsds.topic_slugs():
        if _topic_matches(slug, id):
            return hsds.taxonomy_term(slug)
    raise _not_found()


@_docs("taxonomy_term", "TaxonomyTerm", many=False, summary="One taxonomy term")
@cached_first
@api_view(["GET", "HEAD"])
def taxonomy_term_detail(request, id):
    return serve(request, None, _term, id=id)


# ----- the tabular data package --------------------------------------------------------------

CSV = "text/csv; charset=utf-8"


def _datapackage(request, params):
    return tabular.datapackage(hsds.Context(hsds.base_url(request)))


@extend_schema(
    operation_id="tabular_datapackage",
    summary="The tabular data package's datapackage.json (Frictionless Data)",
    tags=[TAG],
    responses={200: {"type": "object", "required": ["resources"]}},
)
@cached_first
@api_view(["GET", "HEAD"])
def tabular_datapackage(request):
    return serve(request, None, _datapackage)


def _table(request, params, file):
    name = tabular.FILES.get(file)
    if name is None:
        raise _not_found()
    tables = tabular.rows(hsds.Context(hsds.base_url(request)))
    return tabular.csv_bytes(name, tables[name])


@extend_schema(
    operation_id="tabular_table",
    summary="One table of the tabular data package, as CSV",
    tags=[TAG],
    responses={
        (200, "text/csv"): {"type": "string"},
        (404, hsds_schema.PROBLEM): {"$ref": "#/components/schemas/Problem"},
    },
)
@cached_first
@api_view(["GET", "HEAD"])
def tabular_table(request, file):
    return serve(request, None, _table, content_type=CSV, file=file)


def _zip(request, params):
    return tabular.zip_bytes(hsds.Context(hsds.base_url(request)))


@extend_schema(
    operation_id="tabular_zip",
    summary="The whole tabular data package (datapackage.json and the CSV files) as a ZIP",
    tags=[TAG],
    responses={(200, "application/zip"): {"type": "string", "format": "binary"}},
)
@cached_first
@api_view(["GET", "HEAD"])
def tabular_zip(request):
    return serve(request, None, _zip, content_type="application/zip")
