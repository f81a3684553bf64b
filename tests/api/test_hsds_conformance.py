"""Every directory response and the tabular package, validated against the HSDS 3.0 schemas in
../shared/standards/hsds (jsonschema with a referencing registry), for the demo municipality."""

import csv
import io
import json
import zipfile

import pytest

from tests.api.conftest import every_page

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
# List endpoint → (schema of each item, schema of the detail, detail path or None).
ENDPOINTS = {
    "organizations": ("compiled/organization_list.json", "organization.json", True),
    "services": ("compiled/service_list.json", "service.json", True),
    "service_at_locations": (
        "compiled/service_at_location_list.json",
        "service_at_location.json",
        True,
    ),
    "locations": ("location.json", "location.json", True),
    "schedules": ("schedule.json", "schedule.json", True),
    "languages": ("language.json", None, False),
    "service_areas": ("service_area.json", None, False),
    "taxonomies": ("taxonomy.json", "taxonomy.json", True),
    "taxonomy_terms": ("taxonomy_term.json", "taxonomy_term.json", True),
}


def page_schema(hsds):
    return hsds.schema("openapi.json")["components"]["schemas"]["Page"]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_list_item_and_detail_is_valid_hsds(demo, api, hsds, name):
    item_schema, detail_schema, has_detail = ENDPOINTS[name]
    items = every_page(api, f"{V1}/{name}", per_page=4)
    assert items, f"the demo has no {name}"
    validator = hsds.validator(item_schema)
    for item in items:
        errors = list(validator.iter_errors(item))
        assert not errors, (name, item.get("id"), [e.message for e in errors[:3]])
    if has_detail:
        for item in items[:5]:
            hsds.check(detail_schema, api(f"{V1}/{name}/{item['id']}"))


def test_page_envelope_is_hsds(demo, api, hsds):
    import jsonschema

    body = api(f"{V1}/services?per_page=2")
    jsonschema.validate(body, page_schema(hsds))
    assert set(page_schema(hsds)["properties"]) <= set(body)
    assert body["first_page"] and not body["empty"] and body["size"] == 2


def test_api_meta_is_hsds(demo, api, hsds):
    import jsonschema

    spec = hsds.schema("openapi.json")["paths"]["/"]["get"]["responses"]["200"]
    body = api(f"{V1}/")
    jsonschema.validate(body, spec["content"]["application/json"]["schema"])
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/api/openapi.json")


def test_full_service_is_valid_against_the_compiled_schema(demo, api, hsds):
    for item in api(f"{V1}/services?per_page=100")["contents"]:
        full = api(f"{V1}/services/{item['id']}")
        hsds.check("compiled/service_with_definitions.json", full)
        hsds.check("service.json", full)


def _typed(value, field_type):
    """A CSV cell as the JSON value the HSDS schema expects (None: left out). An empty cell of a
    text column is the empty string (e.g. the fictional demo municipality has no county)."""
    if field_type == "string":
        return value
    if value == "":
        return None
    if field_type in ("number", "integer"):
        return float(value)
    return value


def test_tabular_package_is_hsds(demo, resident, hsds):
    tabular = hsds.schema("compiled/tabular.json")["properties"]
    by_path = {t["items"]["path"]: (name, t["items"]) for name, t in tabular.items()}
    response = resident.get(f"{V1}/tabular/datapackage.json")
    assert response.status_code == 200
    package = response.json()
    assert package["profile"] == "tabular-data-package"
    checked = 0
    for resource in package["resources"]:
        assert resource["path"] in by_path, resource["path"]
        name, table = by_path[resource["path"]]
        assert resource["name"] == name
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        assert set(fields) <= set(table["properties"]), set(fields) - set(table["properties"])
        for column, field in fields.items():
            hsds_type = table["properties"][column]["type"]
            hint = table["properties"][column].get("datapackage_type")
            assert field["type"] in {hsds_type, hint, "datetime" if hsds_type == "string" else ""}
        assert set(table.get("required", [])) <= set(fields), (name, table.get("required"))
        response = resident.get(f"{V1}/tabular/{resource['path']}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        reader = csv.DictReader(io.StringIO(response.content.decode()))
        assert reader.fieldnames == list(fields)
        row_schema = dict(table, required=table.get("required", []))
        validator = hsds.validator("compiled/tabular.json")
        for row in reader:
            record = {
                k: typed
                for k, v in row.items()
                if (typed := _typed(v, fields[k]["type"])) is not None
            }
            errors = list(validator.evolve(schema=row_schema).iter_errors(record))
            assert not errors, (name, record.get("id"), [e.message for e in errors[:3]])
            checked += 1
    assert checked > 20


def test_zip_holds_the_same_package(demo, resident):
    response = resident.get(f"{V1}/tabular/hsds.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    package = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in package["resources"]} | {"datapackage.json"} == set(
        archive.namelist()
    )
    services = archive.read("services.csv").decode()
    assert services == resident.get(f"{V1}/tabular/services.csv").content.decode()
