"""The README's curl examples work as written: sending a family (with the demo's centre), and
the GETs of the directory and the open statistics in "The API" (placeholders <id>, <slug>,
<code> filled with the demo's, the example year with a published one)."""

import json
import re
import shlex
from pathlib import Path

import pytest
from django.core.cache import cache

from nara.api.ids import hsds_id
from nara.core.models import Center, Referral, Service
from nara.insights import open_statistics as stats
from tests.api.conftest import Api, issue

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def section(title):
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def curl_example():
    block = re.search(r"```sh\n(curl -X POST .*?)```", section("The partner API"), re.S).group(1)
    return block, json.loads(re.search(r"-d '(.*?)'", block, re.S).group(1))


def get_examples():
    """(path with query, headers) of every `curl -s` GET in "The API"'s sh blocks."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", section("The API"), re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if not words or words[0] != "curl":
                continue
            url = next(w for w in words if w.startswith("http"))
            headers = {}
            for flag, value in zip(words, words[1:], strict=False):
                if flag == "-H":
                    name, _sep, content = value.partition(":")
                    headers[name.strip()] = content.strip()
            found.append((re.sub(r"^https?://[^/]+", "", url), headers))
    return found


def test_the_readme_curl_sends_a_family(school, home):
    block, body = curl_example()
    path = re.search(r"https://[^/]+(/api/\S+)", block).group(1)
    assert '"Authorization: Bearer $NARA_TOKEN"' in block
    body["centre"] = body["consent"]["recipient_centre"] = home.pk
    response = Api(issue(school, ["referrals:write"])).post(path, body)
    assert response.status_code == 201, response.content
    assert Referral.objects.get(pk=response.json()["id"]).partner == school


def test_the_readme_gets_of_the_directory_and_the_statistics_work(demo, resident):
    cache.clear()  # the open statistics of another test's data
    examples = get_examples()
    paths = [path for path, _headers in examples]
    assert any(p.startswith("/api/v1/services") for p in paths)
    assert any(p.startswith("/api/v1/statistics/centres/") for p in paths)
    assert any(p.startswith("/api/v1/statistics/areas/") for p in paths)
    year = stats.years(demo)[0]
    fill = {
        "<id>": hsds_id("service", Service.objects.filter(centers__is_published=True)[0].pk),
        "<slug>": Center.objects.filter(municipality=demo, is_published=True)[0].slug,
        "<code>": stats.listed_areas(demo)[0].code,
    }
    for path, headers in examples:
        for placeholder, value in fill.items():
            path = path.replace(placeholder, str(value))
        path = re.sub(r"year=\d{4}", f"year={year}", path)
        response = resident.get(path, headers=headers)
        assert response.status_code == 200, (path, response.content[:300])
        if path.startswith("/api/v1/statistics"):
            body = response.json()
            assert body["year"] == year
            rows = body.get("rows") or (body.get("centre") or body.get("area"))["rows"]
            assert {"value", "status", "suppressed"} <= set(rows[0]["contacts"])
