"""The OpenAPI document is valid OpenAPI, its documentation page loads nothing from another
host, and a property-based run (schemathesis) against a live server finds no server error and
no response that breaks the document's own schema."""

import json
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12


def test_openapi_document_is_valid(resident):
    response = resident.get("/api/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    paths = document["paths"]
    for path in (
        "/api/v1/services",
        "/api/v1/services/{id}",
        "/api/v1/service_areas",
        "/api/v1/statistics",
        "/api/v1/statistics/centres/{slug}",
        "/api/v1/statistics/areas/{code}",
    ):
        assert path in paths, path
    figure = document["components"]["schemas"]["StatisticsCount"]
    assert figure["properties"]["value"]["nullable"] and "suppressed" in figure["required"]
    listed = paths["/api/v1/services"]["get"]
    assert {"page", "per_page", "modified_since"} <= {p["name"] for p in listed["parameters"]}
    assert "application/problem+json" in listed["responses"]["400"]["content"]


def test_docs_page_loads_nothing_from_elsewhere(resident):
    page = resident.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    script = resident.get(next(u for u in urls if "script" in u))
    assert script.status_code == 200
    body = script.content.decode()
    assert "/api/openapi.json" in body
    assert not re.search(r"https?://", body.replace("http://testserver", "")), "external URL"
    for url in urls:
        if url.startswith("/static/"):
            assert resident.get(url).status_code == 200, url


@pytest.fixture
def live_demo(live_server, transactional_db):
    """The demo municipality, committed, behind pytest-django's live server."""
    from nara.core.demo import build_demo

    build_demo(seed=2026, activity=False)
    return live_server.url


def test_property_based_run_finds_no_server_error_and_no_schema_break(live_demo):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(f"{live_demo}/api/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/v1/")
    ]
    assert len(operations) >= 15
    calls = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            response = case.call_and_validate(base_url=live_demo, checks=checks)
            calls.append((case.operation.path, response.status_code))

        run()
    statuses = {status for _path, status in calls}
    assert len(calls) >= 5 * len(operations) and 200 in statuses, statuses
    called = {path for path, _status in calls}
    assert {"/api/v1/statistics", "/api/v1/statistics/centres/{slug}"} <= called
