"""The directory as an HSDS 3.0 tabular data package: CSV files and a datapackage.json
(Frictionless Data "tabular-data-package"), one file per HSDS table, UTF-8, comma-separated.

The rows come from the same functions as the JSON API (nara.api.hsds), flattened: nested
lists become their own tables, linked by ids.
"""

import io
import json
import zipfile

from django.utils.translation import gettext as _

from nara.lib import exports

from . import hsds

S, N, D, DT = "string", "number", "date", "datetime"
# HSDS table name → (file, [(column, Frictionless type)]). Columns follow the HSDS schemas.
TABLES = {
    "organization": (
        "organizations.csv",
        [("id", S), ("name", S), ("description", S), ("website", S)],
    ),
    "service": (
        "services.csv",
        [
            ("id", S),
            ("organization_id", S),
            ("name", S),
            ("description", S),
            ("status", S),
            ("eligibility_description", S),
            ("minimum_age", N),
            ("maximum_age", N),
            ("application_process", S),
            ("last_modified", DT),
        ],
    ),
    "location": (
        "locations.csv",
        [
            ("id", S),
            ("location_type", S),
            ("url", S),
            ("organization_id", S),
            ("name", S),
            ("description", S),
            ("transportation", S),
            ("latitude", N),
            ("longitude", N),
        ],
    ),
    "service_at_location": (
        "service_at_location.csv",
        [("id", S), ("service_id", S), ("location_id", S), ("description", S)],
    ),
    "address": (
        "addresses.csv",
        [
            ("id", S),
            ("location_id", S),
            ("address_1", S),
            ("city", S),
            ("state_province", S),
            ("postal_code", S),
            ("country", S),
            ("address_type", S),
        ],
    ),
    "phone": ("phones.csv", [("id", S), ("location_id", S), ("number", S)]),
    "contact": ("contacts.csv", [("id", S), ("location_id", S), ("email", S)]),
    "accessibility": (
        "accessibility.csv",
        [("id", S), ("location_id", S), ("description", S)],
    ),
    "language": (
        "languages.csv",
        [("id", S), ("location_id", S), ("name", S), ("code", S)],
    ),
    "schedule": (
        "schedules.csv",
        [
            ("id", S),
            ("location_id", S),
            ("valid_from", D),
            ("valid_to", D),
            ("dtstart", D),
            ("freq", S),
            ("interval", N),
            ("byday", S),
            ("bymonthday", S),
            ("wkst", S),
            ("opens_at", S),
            ("closes_at", S),
            ("description", S),
            ("attending_type", S),
            ("notes", S),
        ],
    ),
    "service_area": (
        "service_areas.csv",
        [
            ("id", S),
            ("service_id", S),
            ("name", S),
            ("description", S),
            ("extent", S),
            ("extent_type", S),
        ],
    ),
    "taxonomy": (
        "taxonomies.csv",
        [("id", S), ("name", S), ("description", S), ("version", S)],
    ),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        [
            ("id", S),
            ("code", S),
            ("name", S),
            ("description", S),
            ("taxonomy", S),
            ("taxonomy_id", S),
            ("language", S),
        ],
    ),
    "attribute": (
        "attributes.csv",
        [
            ("id", S),
            ("link_id", S),
            ("link_type", S),
            ("link_entity", S),
            ("taxonomy_term_id", S),
            ("value", S),
        ],
    ),
}
FILES = {path: name for name, (path, _columns) in TABLES.items()}
FOREIGN_KEYS = {
    "service": [("organization_id", "organization")],
    "location": [("organization_id", "organization")],
    "service_at_location": [("service_id", "service"), ("location_id", "location")],
    "address": [("location_id", "location")],
    "phone": [("location_id", "location")],
    "contact": [("location_id", "location")],
    "accessibility": [("location_id", "location")],
    "language": [("location_id", "location")],
    "schedule": [("location_id", "location")],
    "service_area": [("service_id", "service")],
    "taxonomy_term": [("taxonomy_id", "taxonomy")],
    "attribute": [("link_id", "service"), ("taxonomy_term_id", "taxonomy_term")],
}


def datapackage(ctx):
    return {
        "name": "nara-hsds",
        "title": _("Service directory"),
        "profile": "tabular-data-package",
        "version": hsds.HSDS_VERSION,
        "homepage": ctx.absolute("/"),
        "resources": [_resource(name, path, columns) for name, (path, columns) in TABLES.items()],
    }


def _resource(name, path, columns):
    return {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                {"name": column, "type": kind, "constraints": {"required": column == "id"}}
                for column, kind in columns
            ],
            "primaryKey": ["id"],
            "foreignKeys": [
                {"fields": [column], "reference": {"resource": other, "fields": ["id"]}}
                for column, other in FOREIGN_KEYS.get(name, [])
            ],
        },
    }


def rows(ctx):
    """{table: [row dicts]} for the whole public directory."""
    tables = {name: [] for name in TABLES}
    tables["organization"] = [hsds.organization(m, ctx) for m in hsds.organizations()]
    services = list(hsds.services().select_related("municipality"))
    changed = hsds.last_changes("Service", [s.pk for s in services])
    for svc in services:
        tables["service"].append(hsds.service(svc, ctx, changed.get(svc.pk)))
        tables["attribute"].append(hsds.topic_attribute(svc))
    centres = hsds.locations().select_related("municipality").prefetch_related("schedules")
    for centre in centres:
        loc = hsds.location(centre, ctx)
        tables["location"].append(loc)
        for key, table in (
            ("addresses", "address"),
            ("phones", "phone"),
            ("contacts", "contact"),
            ("languages", "language"),
            ("accessibility", "accessibility"),
            ("schedules", "schedule"),
        ):
            tables[table].extend(loc.get(key, []))
    links = list(hsds.service_links())
    extents = hsds.catchment_extents({link.center_id for link in links})
    for link in links:
        tables["service_at_location"].append(hsds.service_at_location(link, ctx))
        if link.center_id in extents:
            tables["service_area"].append(hsds.service_area(link, extents[link.center_id]))
    tables["taxonomy"] = [hsds.taxonomy()]
    tables["taxonomy_term"] = [hsds.taxonomy_term(slug) for slug in hsds.topic_slugs()]
    return tables


def csv_bytes(name, table_rows):
    _path, columns = TABLES[name]
    header = [column for column, _kind in columns]
    body = [[_cell(row.get(column)) for column in header] for row in table_rows]
    return exports.to_csv([header, *body], bom=False).encode()


def _cell(value):
    return "" if value is None else str(value)


def zip_bytes(ctx):
    tables = rows(ctx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "datapackage.json", json.dumps(datapackage(ctx), ensure_ascii=False, indent=2)
        )
        for name, (path, _columns) in TABLES.items():
            archive.writestr(path, csv_bytes(name, tables[name]))
    return out.getvalue()
