"""Fixtures for the API tests: the HSDS 3.0 schemas from ../shared as a jsonschema validator
factory (a `referencing` registry over the folder), skipping cleanly where ../shared is absent."""

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "hsds" / "schema"
# The HSDS OpenAPI document names the compiled schemas by their published address.
PUBLISHED = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


class Hsds:
    """Validators for the HSDS schema files, by file name ("service.json",
    "compiled/service_list.json")."""

    def __init__(self, folder):
        self.folder = folder
        resources = []
        for path in sorted(folder.rglob("*.json")):
            relative = path.relative_to(folder).as_posix()
            contents = json.loads(path.read_text())
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            # Files refer to each other by bare file name ("phone.json"); also register the
            # published address the HSDS OpenAPI document uses.
            for uri in {relative, path.name, PUBLISHED + relative, path.as_uri()}:
                resources.append((uri, resource))
        self.registry = Registry().with_resources(resources)

    def schema(self, name):
        return json.loads((self.folder / name).read_text())

    def validator(self, name):
        return jsonschema.Draft202012Validator(
            self.schema(name),
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    def check(self, name, instance):
        errors = sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )


@pytest.fixture(scope="session")
def hsds():
    if not (HSDS / "service.json").exists():
        pytest.skip(f"{HSDS} is absent: the HSDS 3.0 schemas live in ../shared beside the repo")
    return Hsds(HSDS)


@pytest.fixture
def api(resident):
    """GET an API address as JSON, asserting 200."""

    def get(path, **headers):
        response = resident.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return response.json()

    return get


def every_page(api, path, per_page=3):
    """All items of a paginated list, page by page (checks the envelope on the way)."""
    items, page = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        body = api(f"{path}{sep}page={page}&per_page={per_page}")
        assert body["page_number"] == page and body["size"] == len(body["contents"])
        items += body["contents"]
        if body["last_page"]:
            assert len(items) == body["total_items"]
            return items
        page += 1
