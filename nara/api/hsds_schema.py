"""The OpenAPI (3.0) schemas of the directory's responses: the HSDS 3.0 objects as Nära fills
them, the HSDS page envelope, and the problem document.

Written out here rather than read from the HSDS schema files: those live in ../shared and are
not shipped with the application. The tests check every response against both these schemas
(schemathesis) and the HSDS files themselves (jsonschema).
"""

UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": "string"}
NUMBER = {"type": "number"}
DATE = {"type": "string", "format": "date"}


def _object(required, **properties):
    return {"type": "object", "required": list(required), "properties": properties}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name):
    return {"type": "array", "items": _ref(name)}


SCHEMAS = {
    "ApiMeta": _object(
        ["version", "profile", "openapi_url"],
        version=TEXT,
        profile={"type": "string", "format": "uri"},
        openapi_url={"type": "string", "format": "uri"},
    ),
    "Organization": _object(
        ["id", "name", "description"],
        id=UUID,
        name=TEXT,
        description=TEXT,
        website={"type": "string", "format": "uri"},
    ),
    "OrganizationDetail": {
        "allOf": [
            _ref("Organization"),
            _object(
                ["services"],
                services={
                    "type": "array",
                    "items": _object(["id", "name", "status"], id=UUID, name=TEXT, status=TEXT),
                },
            ),
        ]
    },
    "Address": _object(
        [
            "id",
            "location_id",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
        id=UUID,
        location_id=UUID,
        address_1=TEXT,
        city=TEXT,
        state_province=TEXT,
        postal_code=TEXT,
        country=TEXT,
        address_type={"type": "string", "enum": ["physical", "postal", "virtual"]},
    ),
    "Phone": _object(["id", "number"], id=UUID, location_id=UUID, number=TEXT),
    "Contact": _object(["id"], id=UUID, location_id=UUID, email=TEXT),
    "Accessibility": _object(["id"], id=UUID, location_id=UUID, description=TEXT),
    "Language": _object(
        ["id", "location_id", "code"], id=UUID, location_id=UUID, name=TEXT, code=TEXT
    ),
    "Schedule": _object(
        ["id", "location_id", "freq", "interval", "opens_at", "closes_at"],
        id=UUID,
        location_id=UUID,
        valid_from=DATE,
        valid_to=DATE,
        dtstart=DATE,
        freq={"type": "string", "enum": ["WEEKLY", "MONTHLY"]},
        interval=NUMBER,
        byday=TEXT,
        bymonthday=TEXT,
        wkst={"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
        opens_at={"type": "string", "example": "09:00"},
        closes_at={"type": "string", "example": "16:00"},
        description=TEXT,
        attending_type=TEXT,
        notes=TEXT,
    ),
    "LocationSummary": _object(
        ["id", "location_type", "name"],
        id=UUID,
        location_type={"type": "string", "enum": ["physical", "postal", "virtual"]},
        url={"type": "string", "format": "uri"},
        organization_id=UUID,
        name=TEXT,
        description=TEXT,
        transportation=TEXT,
        latitude=NUMBER,
        longitude=NUMBER,
    ),
    "Location": {
        "allOf": [
            _ref("LocationSummary"),
            _object(
                ["addresses", "languages", "schedules"],
                addresses=_list("Address"),
                phones=_list("Phone"),
                contacts=_list("Contact"),
                languages=_list("Language"),
                accessibility=_list("Accessibility"),
                schedules=_list("Schedule"),
            ),
        ]
    },
    "ServiceListItem": _object(
        ["id", "organization_id", "name", "description", "status", "organization"],
        id=UUID,
        organization_id=UUID,
        name=TEXT,
        description=TEXT,
        status={"type": "string", "enum": ["active", "inactive", "defunct", "temporarily closed"]},
        eligibility_description=TEXT,
        minimum_age=NUMBER,
        maximum_age=NUMBER,
        application_process=TEXT,
        last_modified={"type": "string", "format": "date-time"},
        organization=_ref("Organization"),
    ),
    "ServiceAtLocationSummary": _object(
        ["id", "service_id", "location_id", "location"],
        id=UUID,
        service_id=UUID,
        location_id=UUID,
        description=TEXT,
        location=_ref("LocationSummary"),
    ),
    "ServiceAtLocation": {
        "allOf": [
            _ref("ServiceAtLocationSummary"),
            _object(["service"], service=_ref("ServiceListItem")),
        ]
    },
    "ServiceArea": _object(
        ["id", "service_id", "name", "extent", "extent_type"],
        id=UUID,
        service_id=UUID,
        name=TEXT,
        description=TEXT,
        extent={"type": "string", "description": "A GeoJSON MultiPolygon (WGS 84), as text."},
        extent_type={"type": "string", "enum": ["geojson"]},
    ),
    "Taxonomy": _object(
        ["id", "name", "description"], id=UUID, name=TEXT, description=TEXT, version=TEXT
    ),
    "TaxonomyTerm": _object(
        ["id", "code", "name", "description", "taxonomy_id"],
        id=UUID,
        code=TEXT,
        name=TEXT,
        description=TEXT,
        taxonomy=TEXT,
        taxonomy_id=UUID,
        language=TEXT,
        term_uri={"type": "string", "format": "uri"},
    ),
    "Attribute": _object(
        ["id", "link_id", "link_entity", "taxonomy_term_id", "value"],
        id=UUID,
        link_id=UUID,
        link_type=TEXT,
        link_entity=TEXT,
        taxonomy_term_id=UUID,
        taxonomy_term=_ref("TaxonomyTerm"),
        value=TEXT,
    ),
    "Service": {
        "allOf": [
            _ref("ServiceListItem"),
            _object(
                ["service_at_locations", "attributes"],
                service_at_locations=_list("ServiceAtLocationSummary"),
                service_areas=_list("ServiceArea"),
                attributes=_list("Attribute"),
            ),
        ]
    },
    "Page": _object(
        [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
        total_items={"type": "integer", "minimum": 0},
        total_pages={"type": "integer", "minimum": 0},
        page_number={"type": "integer", "minimum": 1},
        size={"type": "integer", "minimum": 0},
        first_page={"type": "boolean"},
        last_page={"type": "boolean"},
        empty={"type": "boolean"},
        contents={"type": "array", "items": {}},
    ),
    "Problem": _object(
        ["type", "title", "status", "detail", "instance", "code"],
        type={
            "type": "string",
            "description": "A URI naming the kind of problem: urn:nara:problem: and the code.",
        },
        title=TEXT,
        status={"type": "integer"},
        detail=TEXT,
        instance=TEXT,
        code={
            "type": "string",
            "description": "The kind of problem: invalid, not-found, conflict, throttled, …",
        },
        errors={
            "type": "object",
            "additionalProperties": {"type": "array", "items": TEXT},
            "description": (
                "For invalid input: the messages per parameter or field, nested fields as "
                'dotted paths ("family.name", "items.0.id").'
            ),
        },
    ),
}

PROBLEM = "application/problem+json"


def page(item):
    return {
        "allOf": [
            _ref("Page"),
            {"type": "object", "properties": {"contents": _list(item)}},
        ]
    }


def responses(item, many=True):
    """200 with the item (or a page of them); 4xx problems."""
    problem = _ref("Problem")
    result = {200: page(item) if many else _ref(item)}
    for status in (400, 404, 406) if many else (404, 406):
        result[(status, PROBLEM)] = problem
    return result


def postprocess(result, generator, request, public):
    """drf-spectacular hook: our schemas join the components."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    return result
